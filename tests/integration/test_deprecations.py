"""The collection's own role and playbooks run with deprecation warnings on and trigger none.

ansible-core announces what its next releases remove as [DEPRECATION WARNING]s; the other tests turn them off
(tests/ansible_runner.py) to keep their output readable. Here they are on, and the shipped playbooks take the role
through its whole life (create, re-run with zero writes, one more right, rotate, retire) plus the AWX job
template's playbook: any deprecation the collection's code, role or playbooks trigger fails the test, so it shows
before the release that breaks them. Every module's EXAMPLES run the same way in test_examples.py.
`make integration-core-newest` runs this file with the newest ansible-core too.
"""

import os

import yaml

from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT

PLAYBOOKS = os.path.join(REPO_ROOT, 'playbooks')
AWX_JOB_PLAYBOOK = os.path.join(REPO_ROOT, 'awx', 'playbooks', 'service_account.yml')
DEPRECATIONS_ON = {'ANSIBLE_DEPRECATION_WARNINGS': 'True'}
DEPRECATION_MARK = '[DEPRECATION WARNING]'
APP = 'deprecation-check'
READ_PROFILE = 'account:apiovh:me/get'


def assert_ran_without_deprecation(result):
    assert result.rc == 0, result
    assert DEPRECATION_MARK not in result.output, result


def test_the_role_through_its_lifecycle_triggers_no_deprecation(fake, workdir):
    inventory = os.path.join(workdir, 'inventory.yml')
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'all': {'children': {'app': {'hosts': {'app1': {
            'ansible_connection': 'local',
            'service_account_credentials_path': os.path.join(workdir, 'app1', 'ovh.conf')}}}}}}, handle)
    extra_vars = {'app_hosts': 'app', 'app_become': False, 'app_name': APP, 'app_allow': [READ_PROFILE]}

    def run(name, **overrides):
        return run_playbook(os.path.join(PLAYBOOKS, name), workdir, env=dict(fake.owner_env(), **DEPRECATIONS_ON),
                            extra_vars=dict(extra_vars, **overrides), inventory=inventory)

    assert_ran_without_deprecation(run('give-my-app-a-service-account.yml'))
    [client] = [c for c in fake.state()['clients'] if c['name'] == APP]

    fake.clear_requests()
    again = run('give-my-app-a-service-account.yml')
    assert_ran_without_deprecation(again)
    assert again.changed_tasks() == [] and fake.writes() == []

    assert_ran_without_deprecation(run('grant-one-more-right.yml', grant_allow=['account:apiovh:me/bill/get']))

    assert_ran_without_deprecation(run('rotate-secret.yml'))
    [rotated] = [c for c in fake.state()['clients'] if c['name'].startswith(APP)]
    assert rotated['clientId'] != client['clientId']

    assert_ran_without_deprecation(run('retire-application.yml'))
    assert [c for c in fake.state()['clients'] if c['name'].startswith(APP)] == []
    assert not os.path.exists(os.path.join(workdir, 'app1', 'ovh.conf'))


def test_the_awx_job_template_playbook_triggers_no_deprecation(fake, workdir):
    credentials_path = os.path.join(workdir, 'awx-app.conf')
    inventory = os.path.join(workdir, 'inventory.ini')
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local\n')
    result = run_playbook(AWX_JOB_PLAYBOOK, workdir, env=dict(fake.owner_env(), **DEPRECATIONS_ON), extra_vars={
        'service_account_name': 'awx-app', 'service_account_allow': READ_PROFILE + '\n',
        'service_account_credentials_path': credentials_path}, inventory=inventory)
    assert_ran_without_deprecation(result)
    assert [c['name'] for c in fake.state()['clients']] == ['awx-app']
    assert os.path.exists(credentials_path)
