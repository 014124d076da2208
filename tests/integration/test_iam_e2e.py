"""The full flow of issue 4: a service account gets exactly the rights its policy lists.

The owner creates a service account and a policy granting it account:apiovh:me/api/oauth2/client/get on the
account; logged in as that service account (auth_client_id / auth_client_secret, OVH_ENDPOINT only), reading
service accounts works while reading policies fails naming the missing action; once the owner removes the
allow, reading service accounts fails too. No secret may show in the -vvvv output of any of these runs.
"""

import json
import os

from tests.ansible_runner import run_playbook
from tests.playbooks import play, tolerant

CLIENT_GET = 'account:apiovh:me/api/oauth2/client/get'
POLICY_GET = 'account:apiovh:iam/policy/get'


def as_service_account(credentials_path, tasks):
    """A play that logs every ovhcloud.iam module in as the service account whose credentials the file holds."""
    return play(tasks, vars_files=[credentials_path], ovh_defaults={
        'auth_client_id': '{{ client_id }}', 'auth_client_secret': '{{ client_secret }}'})


def grant_task(fake, identity, allow):
    return {'name': 'Grant the service account', 'ovhcloud.iam.ovh_iam_policy': {
        'name': 'e2e-robot-access', 'description': 'What the end-to-end robot may do',
        'identities': [identity], 'resources': [fake.account_urn()], 'allow': allow}}


def test_service_account_rights_follow_its_policy(fake, workdir, owner_env, assert_no_leak):
    credentials = os.path.join(workdir, 'robot-credentials.json')
    sa_env = {'OVH_ENDPOINT': fake.endpoint}

    # 1. The owner creates the service account and its policy (the secret goes to a 0600 file, never to the output).
    setup = run_playbook(play([
        {'name': 'Create the service account', 'register': 'robot', 'no_log': True,
         'ovhcloud.iam.ovh_oauth2_client': {'name': 'e2e-robot', 'description': 'End-to-end robot'}},
        {'name': 'Keep its credentials for the next plays', 'no_log': True, 'ansible.builtin.copy': {
            'content': "{{ {'client_id': robot.client.client_id, 'client_secret': robot.client_secret} | to_json }}",
            'dest': credentials, 'mode': '0600'}},
        grant_task(fake, '{{ robot.client.identity }}', [CLIENT_GET]),
    ]), workdir, env=owner_env, verbosity=4)
    assert setup.rc == 0, setup
    with open(credentials, encoding='utf-8') as handle:
        robot = json.load(handle)
    identity = 'urn:v1:%s:identity:credential:%s/oauth2-%s' % (fake.region(), fake.nic, robot['client_id'])
    policy = setup.task('Grant the service account')['policy']
    assert setup.task('Grant the service account')['changed']
    assert policy['identities'] == [identity] and policy['resources'] == [fake.account_urn()] and policy['allow'] == [CLIENT_GET]
    created = setup.task('Create the service account')
    assert created['changed'] and 'censored' in created and 'client' not in created
    fake.clear_requests()

    # 2. As the service account: its clients can be read, the policies cannot.
    allowed = run_playbook(as_service_account(credentials, [
        {'name': 'Read service accounts', 'ovhcloud.iam.ovh_oauth2_client_info': {'name': 'e2e-robot'}},
        tolerant({'name': 'Read policies', 'ovhcloud.iam.ovh_iam_policy_info': {}}),
    ]), workdir, env=sa_env, verbosity=4)
    assert allowed.rc == 0, allowed
    clients = allowed.task('Read service accounts')['clients']
    assert [(c['name'], c['client_id'], c['identity']) for c in clients] == [('e2e-robot', robot['client_id'], identity)]
    assert allowed.status('Read policies') == 'failed'
    denied = allowed.task('Read policies')
    assert POLICY_GET in denied['msg'] and '403' in denied['msg']
    assert denied['error']['status'] == 403
    sa_requests = [r for r in fake.requests() if r['path'] != '/auth/oauth2/token']
    assert sa_requests and all(r['auth'] == 'oauth2' and r['identity'] == identity for r in sa_requests)
    assert [r['status'] for r in sa_requests if r['path'] == '/v2/iam/policy'] == [403]
    fake.clear_requests()

    # 3. The owner removes the allow; the service account loses the right again.
    revoke = run_playbook(play([grant_task(fake, identity, [])]), workdir, env=owner_env)
    assert revoke.rc == 0, revoke
    revoked = revoke.task('Grant the service account')
    assert revoked['changed'] and revoked['policy']['allow'] == [] and revoked['policy']['identities'] == [identity]
    assert fake.write_calls() == [('PUT', '/v2/iam/policy/' + policy['id'])]

    refused = run_playbook(as_service_account(credentials, [
        tolerant({'name': 'Read service accounts', 'ovhcloud.iam.ovh_oauth2_client_info': {'name': 'e2e-robot'}}),
    ]), workdir, env=sa_env, verbosity=4)
    assert refused.rc == 0, refused
    assert refused.status('Read service accounts') == 'failed'
    assert CLIENT_GET in refused.task('Read service accounts')['msg']

    secrets = fake.secrets()
    assert robot['client_secret'] in secrets
    for run in (setup, allowed, refused):
        assert_no_leak(run.output, json.dumps(run.records))
