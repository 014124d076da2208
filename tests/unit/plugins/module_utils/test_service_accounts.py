"""ovh_service_accounts decisions: input checks, the plan per object, purge, detachments, bounded concurrency."""

import threading
import time

from ansible_collections.ovhcloud.iam.plugins.module_utils import _service_accounts as many
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError

ACCOUNT = 'urn:v1:eu:resource:account:aa1-ovh'
READ = 'account:apiovh:me/api/oauth2/client/get'


def urn(client_id):
    return 'urn:v1:eu:identity:credential:aa1-ovh/oauth2-%s' % client_id


def client(name, client_id, description='d', flow='CLIENT_CREDENTIALS'):
    return {'client_id': client_id, 'name': name, 'description': description, 'flow': flow, 'callback_urls': [],
            'identity': urn(client_id), 'created_at': '2026-01-01T00:00:00Z'}


def api_policy(name, policy_id, identities, allow=(READ,), read_only=False):
    return {'id': policy_id, 'name': name, 'description': '', 'identities': list(identities),
            'resources': [{'urn': ACCOUNT}], 'permissions': {'allow': [{'action': a} for a in allow]},
            'permissionsGroups': [], 'readOnly': read_only}


def account(name, description='d', state='present', policies=None):
    return {'name': name, 'description': description, 'state': state, 'credentials_file': None,
            'credentials_file_mode': '0600',
            'policies': [{'name': name + '-read', 'resources': [ACCOUNT], 'allow': [READ]}] if policies is None else policies}


def test_a_converged_inventory_plans_nothing():
    clients = [client('app-a', 'A'), client('app-b', 'B')]
    policies = [api_policy('app-a-read', 'pa', [urn('A')]), api_policy('app-b-read', 'pb', [urn('B')])]
    items, purged, problems = many.plan([account('app-a'), account('app-b')], clients, policies, 'app-')
    assert problems == []
    assert [(i['client']['action'], [p['action'] for p in i['policies']]) for i in items] == [('none', ['none'])] * 2
    assert purged == {'clients': [], 'policies': [], 'detach': []}
    assert many.actions_held_and_named(items) == []


def test_new_accounts_are_created_and_their_policies_wait_for_the_identity():
    items, _purged, problems = many.plan([account('app-a')], [], [], None)
    assert problems == []
    assert items[0]['client']['action'] == 'create'
    assert items[0]['client']['after']['description'] == 'd'
    policy = items[0]['policies'][0]
    assert policy['action'] == 'create' and policy['after']['identities'] == []
    assert many.actions_held_and_named(items) == [('policy app-a-read allow', [READ])]


def test_differences_make_updates_and_policies_are_stated_whole():
    clients = [client('app-a', 'A', description='old')]
    policies = [api_policy('app-a-read', 'pa', [urn('A'), urn('X')], allow=(READ, 'vps:apiovh:reboot'))]
    items, _purged, _problems = many.plan([account('app-a')], clients, policies)
    assert items[0]['client']['action'] == 'update' and items[0]['client']['changes'] == {'description': 'd'}
    policy = items[0]['policies'][0]
    assert policy['action'] == 'update'
    assert policy['after']['identities'] == [urn('A')] and policy['after']['allow'] == [READ]


def test_ambiguous_names_protected_policies_and_other_flows_are_problems():
    clients = [client('app-a', 'A1'), client('app-a', 'A2'), client('app-c', 'C', flow='AUTHORIZATION_CODE'),
               client('app-b', 'B')]
    policies = [api_policy('app-b-read', 'p1', []), api_policy('app-b-read', 'p2', [])]
    _items, _purged, problems = many.plan([account('app-a'), account('app-b'), account('app-c')], clients, policies)
    assert len(problems) == 3
    assert 'A1, A2' in problems[0] and 'p1, p2' in problems[1] and 'AUTHORIZATION_CODE' in problems[2]


def test_purge_takes_only_undeclared_names_with_the_prefix_and_detaches_their_identity():
    clients = [client('app-a', 'A'), client('app-gone', 'G'), client('other', 'O'),
               client('app-web', 'W', flow='AUTHORIZATION_CODE')]
    policies = [api_policy('app-a-read', 'pa', [urn('A')]), api_policy('app-gone-read', 'pg', [urn('G')]),
                api_policy('shared', 'ps', [urn('O'), urn('G')])]
    items, purged, problems = many.plan([account('app-a')], clients, policies, 'app-')
    assert problems == []
    assert [c['name'] for c in purged['clients']] == ['app-gone']
    assert [p['name'] for p in purged['policies']] == ['app-gone-read']
    assert [(p['id'], remaining) for p, remaining in purged['detach']] == [('ps', [urn('O')])]
    assert many.summary(items, purged) == {'clients': {'none': 1, 'purge': 1}, 'policies': {'none': 1, 'purge': 1, 'detach': 1}}
    _items, nothing, _problems = many.plan([account('app-a')], clients, policies, None)
    assert nothing == {'clients': [], 'policies': [], 'detach': []}


def test_an_absent_account_deletes_its_client_and_named_policies():
    clients = [client('app-a', 'A')]
    policies = [api_policy('app-a-read', 'pa', [urn('A')])]
    items, purged, _problems = many.plan([account('app-a', state='absent')], clients, policies)
    assert items[0]['client']['action'] == 'delete'
    assert [p['action'] for p in items[0]['policies']] == ['delete']
    assert purged['detach'] == []


def test_input_problems_of_every_account_come_together():
    bad = account('app-a', policies=[{'name': 'app-a-read', 'resources': ['*'], 'allow': ['not an action']},
                                     {'name': 'ovh-x', 'resources': [ACCOUNT]}])
    problems = many.input_problems([bad, account('app-a'), account(''), account('zz', policies=[])], True, None, 11)
    text = '\n'.join(problems)
    for needle in ('purge_prefix', 'parallelism: 11', 'accounts[0] (app-a) policies[0] (app-a-read): resources',
                   'accounts[0] (app-a) policies[0] (app-a-read): allow', "policies[1] (ovh-x): name: 'ovh-x'",
                   'a policy needs permissions', 'accounts[1] (app-a): the name', 'accounts[2]: name must not be empty'):
        assert needle in text, needle
    assert many.input_problems([account('app-a')], False, None, 4) == []
    assert 'does not start with purge_prefix' in many.input_problems([account('zz')], True, 'app-', 4)[0]


def test_secret_targets_follow_the_single_module_rules():
    def inspect(path):
        raise OvhError('credentials_file %s already holds other credentials' % path)
    pending = [(0, account('app-a')), (1, dict(account('app-b'), credentials_file='/x/b.conf'))]
    problems = many.secret_target_problems(pending, None, False, inspect)
    assert len(problems) == 2 and 'no_log' in problems[0] and 'other credentials' in problems[1]
    assert many.secret_target_problems(pending[:1], None, True, inspect) == []
    assert many.secret_target_problems(pending[:1], False, False, inspect) == []
    assert many.returns_secret(None, True, pending[1][1]) is True
    assert many.returns_secret(None, False, pending[1][1]) is False
    assert many.returns_secret(None, False, pending[0][1]) is True


def test_run_bounded_keeps_order_errors_and_the_bound():
    running, peak, lock = [0], [0], threading.Lock()

    def job(value):
        def call():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
            if value == 3:
                raise OvhError('three')
            return value
        return call
    outcomes = many.run_bounded([job(i) for i in range(10)], 3)
    assert [value for value, _error in outcomes] == [0, 1, 2, None, 4, 5, 6, 7, 8, 9]
    assert str(outcomes[3][1]) == 'three'
    assert peak[0] == 3


def test_the_role_applications_become_accounts_with_staged_credentials():
    import pytest
    apps = [{'name': 'app-a', 'description': 'A', 'credentials_path': '/etc/a.conf', 'policies': [{'name': 'p'}]},
            {'name': 'app-b', 'state': 'absent'}]
    assert many.accounts_for_applications(apps, '/tmp/stage/') == [
        {'name': 'app-a', 'state': 'present', 'policies': [{'name': 'p'}], 'description': 'A',
         'credentials_file': '/tmp/stage/app-a.conf'},
        {'name': 'app-b', 'state': 'absent', 'policies': []}]
    assert 'credentials_file' not in many.accounts_for_applications(apps, '')[0]
    with pytest.raises(ValueError) as raised:
        many.accounts_for_applications([{'name': 'x', 'credential_path': '/x'}, {}], '')
    assert 'unknown key(s) credential_path' in str(raised.value) and '[1]: name is required' in str(raised.value)
