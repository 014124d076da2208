"""tests/tools/find_python.py finds interpreters by running them: PATH first, then pyenv; says so when none is there."""

import os
import subprocess
import sys

import pytest

FIND_PYTHON = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'find_python.py')


def fake_python(path, version, real_path=None, works=True):
    """An executable that answers find_python's probe as a Python `version` living at `real_path` would."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        if works:
            handle.write('#!/bin/sh\necho %s\necho %s\n' % (version, real_path or path))
        else:  # what a pyenv shim prints for a version pyenv has not activated
            handle.write('#!/bin/sh\necho "pyenv: python%s: command not found" >&2\nexit 127\n' % version)
    os.chmod(path, 0o755)
    return real_path or path


@pytest.fixture
def machine(tmp_path):
    """A PATH holding only a shim directory, and a pyenv root (PYENV_ROOT) with no version yet."""
    shims, root = tmp_path / 'shims', tmp_path / 'pyenv'
    shims.mkdir()
    (root / 'versions').mkdir(parents=True)
    env = dict(os.environ, PATH=str(shims), PYENV_ROOT=str(root), HOME=str(tmp_path))
    return str(shims), str(root), env


def find(env, *args):
    return subprocess.run([sys.executable, FIND_PYTHON] + list(args), env=env, capture_output=True, text=True,
                          check=False, timeout=60)


def test_a_failing_shim_is_passed_over_for_the_newest_pyenv_release(machine):
    shims, root, env = machine
    fake_python(os.path.join(shims, 'python3.42'), '3.42', works=False)
    fake_python(os.path.join(root, 'versions', '3.42.0', 'bin', 'python3.42'), '3.42', '/opt/py-3.42.0')
    fake_python(os.path.join(root, 'versions', '3.42.10', 'bin', 'python3.42'), '3.42', '/opt/py-3.42.10')
    fake_python(os.path.join(root, 'versions', '3.41.2', 'bin', 'python3.41'), '3.41', '/opt/py-3.41.2')
    result = find(env, 'newest', '3.41', '3.42')
    assert (result.returncode, result.stdout) == (0, '/opt/py-3.42.10\n'), result


def test_a_working_python_on_path_comes_before_pyenv(machine):
    shims, root, env = machine
    fake_python(os.path.join(shims, 'python3.42'), '3.42', '/usr/local/bin/python3.42')
    fake_python(os.path.join(root, 'versions', '3.42.1', 'bin', 'python3.42'), '3.42', '/opt/py-3.42.1')
    assert find(env, 'newest', '3.42').stdout == '/usr/local/bin/python3.42\n'


def test_an_interpreter_answering_another_version_is_not_taken(machine):
    shims, _root, env = machine
    fake_python(os.path.join(shims, 'python3.42'), '3.11', '/usr/bin/python3.11')
    result = find(env, 'newest', '3.42', '3.43')
    assert result.returncode == 3 and result.stdout == ''
    assert 'no Python 3.42, 3.43 found' in result.stderr


def test_link_makes_a_link_per_version_found_and_none_for_the_others(machine, tmp_path):
    shims, root, env = machine
    real = fake_python(str(tmp_path / 'real' / 'python3.42'), '3.42')
    fake_python(os.path.join(root, 'versions', '3.42.3', 'bin', 'python3.42'), '3.42', real)
    links = str(tmp_path / 'links')
    result = find(env, 'link', links, '3.41', '3.42')
    assert (result.returncode, result.stdout) == (0, '3.42\n'), result
    assert os.listdir(links) == ['python3.42'] and os.readlink(os.path.join(links, 'python3.42')) == real
