"""What the collection promises about ansible-core releases agrees with what `make test` runs.

The README's "Tested with" table runs from the oldest release meta/runtime.yml claims to the newest one the
Makefile tests (CORE_NEWEST, `make core-newest`), with no release left out; the AWX execution environment and
docs/awx-aap.md install a release of that range with a Python it supports; and the list of integration tests run
on the newest release names tests that exist and covers every module, the role's lifecycle and the leak scan;
sanity keeps no ignore file; tests/ansible_runner.py runs the ansible-core that OVHCLOUD_IAM_TEST_ANSIBLE_BIN names.
"""

import os
import re
import subprocess
import sys

import yaml

from tests.conftest import REPO_ROOT


def _read(*path):
    with open(os.path.join(REPO_ROOT, *path), encoding='utf-8') as handle:
        return handle.read()


def _minor(version):
    return tuple(int(part) for part in version.split('.')[:2])


def makefile_variable(name):
    match = re.search(r'^%s := (.+)$' % re.escape(name), _read('Makefile'), re.MULTILINE)
    assert match, '%s not set in the Makefile' % name
    return match.group(1).strip()


def readme_core_rows():
    """(ansible-core minor, controller Pythons (low, high), module Pythons (low, high)) per row of the table."""
    readme = _read('README.md')
    section = readme[readme.index('## Tested with'):]
    section = section[:section.index('\n## ', 1)]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        match = re.match(r'^(2\.\d+)\b', cells[0]) if len(cells) == 4 else None
        if match:
            pythons = [tuple(re.findall(r'3\.\d+', cell)) for cell in cells[1:3]]
            assert all(len(found) == 2 for found in pythons), line
            rows.append((match.group(1), pythons[0], pythons[1]))
    return rows


def ee_definition():
    return yaml.safe_load(_read('awx', 'execution-environment.yml'))


def test_tested_with_runs_from_the_oldest_claimed_to_the_newest_tested_release():
    rows = readme_core_rows()
    versions = [_minor(row[0]) for row in rows]
    runtime = yaml.safe_load(_read('meta', 'runtime.yml'))
    oldest = re.fullmatch(r'>=(2\.\d+)\.0', runtime['requires_ansible']).group(1)
    newest = makefile_variable('CORE_NEWEST')
    assert versions[0] == _minor(newest) and versions[-1] == _minor(oldest), versions
    assert versions == [(2, minor) for minor in range(versions[0][1], versions[-1][1] - 1, -1)], versions


def test_newest_core_runs_under_a_controller_python_it_supports():
    (newest_row,) = [row for row in readme_core_rows() if row[0] == makefile_variable('CORE_NEWEST')]
    low, high = newest_row[1]
    probed = makefile_variable('CORE_NEWEST_CONTROLLER_PYTHONS').split()
    assert probed == ['3.%d' % minor for minor in range(_minor(low)[1], _minor(high)[1] + 1)]
    newest = makefile_variable('CORE_NEWEST')
    spec = makefile_variable('CORE_NEWEST_SPEC').replace('$(CORE_NEWEST)', newest)
    assert spec == 'ansible-core>=%s,<2.%d' % (newest, _minor(newest)[1] + 1)


def test_execution_environment_installs_the_tested_range_with_a_python_the_newest_release_supports():
    rows = readme_core_rows()
    dependencies = ee_definition()['dependencies']
    expected = 'ansible-core>=%s,<2.%d' % (rows[-1][0], _minor(rows[0][0])[1] + 1)
    assert dependencies['ansible_core']['package_pip'] == expected
    python = re.fullmatch(r'/usr/bin/python(3\.\d+)', dependencies['python_interpreter']['python_path']).group(1)
    assert dependencies['python_interpreter']['package_system'] == 'python' + python
    low, high = rows[0][1]
    assert _minor(low) <= _minor(python) <= _minor(high), 'ansible-core %s needs Python %s-%s' % (rows[0][0], low, high)


def test_awx_docs_show_the_execution_environment_as_it_is():
    docs = _read('docs', 'awx-aap.md')
    dependencies = ee_definition()['dependencies']
    for value in (dependencies['ansible_core']['package_pip'], dependencies['python_interpreter']['python_path'],
                  dependencies['python_interpreter']['package_system']):
        assert value in docs, value
    python = dependencies['python_interpreter']['python_path'].rsplit('python', 1)[1]
    assert 'UBI 9 with\nPython %s' % python in docs or 'UBI 9 with Python %s' % python in docs


def test_newest_core_test_list_names_existing_tests_covering_modules_role_and_leak_scan():
    entries = [line.split('#')[0].strip() for line in _read('tests', 'tools', 'newest-core-tests.txt').splitlines()]
    entries = [entry for entry in entries if entry]
    for entry in entries:
        path, name = (entry.split('::', 1) + [''])[:2]
        assert os.path.isfile(os.path.join(REPO_ROOT, path)), entry
        assert not name or re.search(r'^def %s\(' % re.escape(name), _read(path), re.MULTILINE), entry
    # test_examples.py runs the EXAMPLES of every module of plugins/modules, whatever their number.
    assert 'tests/integration/test_examples.py' in entries
    assert 'tests/integration/test_deprecations.py' in entries  # the role: create, re-run, rotate, retire
    assert 'tests/reliability/test_leak_scan.py' in entries


def test_sanity_has_no_ignore_entries():
    """ansible-test sanity passes as it is on every release: no tests/sanity/ignore-*.txt (nor skip file)."""
    sanity = os.path.join(REPO_ROOT, 'tests', 'sanity')
    listed = sorted(os.listdir(sanity)) if os.path.isdir(sanity) else []
    assert [name for name in listed if name.startswith(('ignore-', 'skip-'))] == []


def test_the_runner_takes_ansible_and_the_module_python_from_ovhcloud_iam_test_ansible_bin(tmp_path):
    probe = ('import tests.ansible_runner as runner; env = runner.ansible_env(); '
             'print(runner.BIN, runner.PYTHON, env["ANSIBLE_PYTHON_INTERPRETER"], env["PATH"].split(":")[0])')
    other_bin = str(tmp_path / 'bin')

    def probed(ansible_bin=None):
        env = dict((key, value) for key, value in os.environ.items() if key != 'OVHCLOUD_IAM_TEST_ANSIBLE_BIN')
        if ansible_bin:
            env['OVHCLOUD_IAM_TEST_ANSIBLE_BIN'] = ansible_bin
        result = subprocess.run([sys.executable, '-c', probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                check=False, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    own_bin = os.path.dirname(sys.executable)
    assert probed() == [own_bin, sys.executable, sys.executable, own_bin]
    other_python = os.path.join(other_bin, 'python')
    assert probed(other_bin) == [other_bin, other_python, other_python, other_bin]
