"""Static checks of the role ovhcloud.iam.service_account and of the user playbooks.

- ansible-lint with the production profile (what Red Hat certification requires) is clean.
- defaults/main.yml and meta/argument_specs.yml agree: every option has its default in defaults/main.yml (or is
  required and has none), with the same value, and defaults/main.yml sets nothing the spec does not declare.
- ansible-doc renders the role's documentation from its argument spec.
"""

import os
import subprocess

import pytest
import yaml

from tests.ansible_runner import BIN, ansible_env
from tests.conftest import REPO_ROOT

ROLE = os.path.join(REPO_ROOT, 'roles', 'service_account')


def load(*parts):
    with open(os.path.join(ROLE, *parts), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope='module')
def options():
    return load('meta', 'argument_specs.yml')['argument_specs']['main']['options']


@pytest.fixture(scope='module')
def defaults():
    return load('defaults', 'main.yml')


def test_ansible_lint_production_profile_is_clean(tmp_path):
    env = ansible_env(workdir=str(tmp_path))  # HOME in tmp_path: lint caches stay out of the real home
    proc = subprocess.run(
        [os.path.join(BIN, 'ansible-lint'), '--profile', 'production', '--nocolor', 'roles/service_account', 'playbooks', 'awx/playbooks'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Profile 'production' was required, and it passed" in proc.stdout + proc.stderr


def test_every_option_has_its_default_in_defaults_main(options, defaults):
    for name, spec in options.items():
        if spec.get('required'):
            assert name not in defaults, '%s is required: a default in defaults/main.yml would defeat that' % name
            assert 'default' not in spec, name
        else:
            assert name in defaults, '%s has no default in defaults/main.yml' % name
            assert defaults[name] == spec.get('default'), (
                '%s: defaults/main.yml says %r, argument_specs.yml says %r' % (name, defaults[name], spec.get('default')))


def test_defaults_main_sets_only_declared_options(options, defaults):
    undeclared = sorted(set(defaults) - set(options))
    assert not undeclared, 'defaults/main.yml sets options argument_specs.yml does not declare: %s' % undeclared
    assert all(name.startswith('service_account_') for name in options)


def test_options_are_typed_and_documented(options):
    def check(name, spec):
        assert spec.get('type'), '%s has no type' % name
        assert spec.get('description'), '%s has no description' % name
        if spec['type'] == 'list':
            assert spec.get('elements'), '%s is a list without elements' % name
        for sub_name, sub_spec in (spec.get('options') or {}).items():
            check('%s.%s' % (name, sub_name), sub_spec)
    for name, spec in options.items():
        check(name, spec)


def test_ansible_doc_renders_the_role(tmp_path):
    proc = subprocess.run(
        [os.path.join(BIN, 'ansible-doc'), '-t', 'role', 'ovhcloud.iam.service_account'],
        env=ansible_env(workdir=str(tmp_path)), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert 'ENTRY POINT:' in text and 'main' in text
    for option in ('service_account_name', 'service_account_rotate', 'service_account_recover_lost_credentials',
                   'service_account_credentials_format', 'service_account_api'):
        assert option in text
    assert 'EXAMPLES' in text
