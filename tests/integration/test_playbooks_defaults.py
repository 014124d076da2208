"""Least privilege by default: the playbooks of playbooks/ grant nothing unless told what to grant."""

import os

from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT

GRANT = os.path.join(REPO_ROOT, 'playbooks', 'grant-one-more-right.yml')


def test_grant_one_more_right_without_variables_grants_nothing(fake, workdir, owner_env):
    for extra in ({}, {'grant_allow': ''}, {'grant_allow': '\n  \n'}, {'grant_allow': []}):
        result = run_playbook(GRANT, workdir, env=owner_env, extra_vars=extra or None)
        assert result.rc != 0, result
        assert 'Nothing was granted: give the IAM actions to allow in grant_allow' in result.output
    assert fake.writes() == []
    assert [p for p in fake.state()['policies'] if not p.get('readOnly') and p['name'].startswith('my-app')] == []
