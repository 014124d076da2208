"""Every module's EXAMPLES run against the fake, in order, as one playbook per module.

Connection options written in an example (endpoint: ovh-eu, keys) are taken out so the tasks use
the fake through the OVH_* environment; everything else runs exactly as documented. Deprecation warnings
are on: a module that triggers one fails here (see test_deprecations.py).
"""

import ast
import glob
import os

import pytest
import yaml

from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT
from tests.playbooks import play
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import connection_argument_spec

MODULES = sorted(glob.glob(os.path.join(REPO_ROOT, 'plugins', 'modules', '*.py')))
CONNECTION_OPTIONS = set(connection_argument_spec())


def module_examples(path):
    tree = ast.parse(open(path, encoding='utf-8').read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'EXAMPLES' for t in node.targets):
            return yaml.safe_load(node.value.value)
    return None


def without_connection_options(task):
    task = dict(task)
    for key, value in task.items():
        if key.startswith('ovhcloud.iam.') and isinstance(value, dict):
            task[key] = dict((k, v) for k, v in value.items() if k not in CONNECTION_OPTIONS)
    if 'module_defaults' in task:
        del task['module_defaults']
    return task


@pytest.mark.parametrize('module_path', MODULES, ids=[os.path.basename(p)[:-3] for p in MODULES])
def test_examples_run_against_the_fake(module_path, fake, workdir):
    tasks = module_examples(module_path)
    assert tasks, 'EXAMPLES of %s are empty or not YAML' % module_path
    result = run_playbook(play([without_connection_options(t) for t in tasks]), workdir,
                          env=dict(fake.owner_env(), ANSIBLE_DEPRECATION_WARNINGS='True'))
    assert result.rc == 0, result
    assert '[DEPRECATION WARNING]' not in result.output, result
