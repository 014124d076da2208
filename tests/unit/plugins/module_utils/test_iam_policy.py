"""Policy helpers: API <-> flat shape, normalisation, set comparison, full PUT body, lookups."""

import copy

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _iam_policy as policies
from ansible_collections.ovhcloud.iam.plugins.module_utils import _oauth2 as oauth2

NIC = 'aa1-ovh'
ROBOT = 'urn:v1:eu:identity:credential:aa1-ovh/oauth2-EU.0f0f0f0f0f0f0f0f'
DEVS = 'urn:v1:eu:identity:group:aa1-ovh/devs'
ACCOUNT = 'urn:v1:eu:resource:account:aa1-ovh'
ZONE = 'urn:v1:eu:resource:dnsZone:example.domain.dev'

# The IAM.json example, with what the API adds (details, nulls) on top.
API_POLICY = {
    'id': '6956639e-0b2f-4a8e-9f6b-2c3d4e5f6a7b',
    'name': 'dev-dns-delegation',
    'owner': NIC,
    'readOnly': False,
    'identities': [DEVS, ROBOT, DEVS],
    'resources': [{'urn': ZONE, 'resource': {'id': 'x', 'name': 'example.domain.dev', 'type': 'dnsZone'}}, {'urn': ACCOUNT}],
    'permissions': {'allow': [{'action': 'dnsZone:apiovh:record/*'}], 'except': [{'action': 'dnsZone:apiovh:record/delete'}],
                    'deny': None},
    'permissionsGroups': [{'urn': 'urn:v1:eu:permissionsGroup:ovh:globalAdmin', 'name': 'globalAdmin', 'owner': 'ovh'}],
    'conditions': {'operator': 'OR', 'values': None, 'conditions': [
        {'operator': 'MATCH', 'values': {'request.IP.IN': '192.0.2.0/24'}, 'conditions': None},
        {'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.IN': 'monday'}},
    ]},
    'expiredAt': '2030-12-31T01:00:00.000000+01:00',
    'createdAt': '2023-05-12T13:38:15.73892Z',
}


def params(**given):
    """Module params as AnsibleModule hands them over: every option present, None when not given."""
    base = dict((field, None) for field in policies.MANAGED_FIELDS)
    base.update(policy_id=None, remove_identities=None, state='present')
    base.update(('purge_' + field, True) for field in policies.LIST_FIELDS)
    base.update(given)
    return base


@pytest.fixture
def remote():
    return policies.flatten_policy(copy.deepcopy(API_POLICY))


# ---------------------------------------------------------------- flatten / normalise

def test_flatten_gives_the_option_shape_with_sorted_unique_lists(remote):
    assert remote == {
        'id': API_POLICY['id'],
        'name': 'dev-dns-delegation',
        'description': '',
        'identities': [ROBOT, DEVS],
        'resources': [ACCOUNT, ZONE],
        'allow': ['dnsZone:apiovh:record/*'],
        'except': ['dnsZone:apiovh:record/delete'],
        'deny': [],
        'permissions_groups': ['urn:v1:eu:permissionsGroup:ovh:globalAdmin'],
        'conditions': {'operator': 'OR', 'conditions': [
            {'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.IN': 'monday'}},
            {'operator': 'MATCH', 'values': {'request.IP.IN': '192.0.2.0/24'}},
        ]},
        'expired_at': '2030-12-31T00:00:00Z',
        'owner': NIC,
        'read_only': False,
        'created_at': '2023-05-12T13:38:15.73892Z',
        'updated_at': None,
    }


def test_flatten_of_nothing_is_empty():
    assert policies.flatten_policy(None) == {}
    assert policies.flatten_policy({}) == {}


def test_minimal_api_answer_flattens_with_empty_lists():
    flat = policies.flatten_policy({'id': 'i', 'name': 'n', 'identities': [], 'resources': [{'urn': ACCOUNT}],
                                    'permissions': {}, 'readOnly': True})
    assert flat['allow'] == flat['except'] == flat['deny'] == flat['permissions_groups'] == []
    assert flat['conditions'] is None and flat['expired_at'] is None and flat['read_only'] is True


@pytest.mark.parametrize('condition', [None, {}])
def test_no_condition_normalises_to_none(condition):
    assert policies.normalize_conditions(condition) is None


def test_conditions_compare_whatever_the_order_of_nested_conditions_and_empty_parts():
    deep = {'operator': 'AND', 'conditions': [
        {'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': {'request.IP.IN': '198.51.100.0/24'}}]},
        {'operator': 'OR', 'values': {}, 'conditions': [
            {'operator': 'MATCH', 'values': {'resource.Tag(env)': 'prod'}, 'conditions': []},
            {'operator': 'MATCH', 'values': {'date(UTC).Hour.GE': '8', 'date(UTC).Hour.LT': '18'}},
        ]},
    ]}
    reordered = copy.deepcopy(deep)
    reordered['conditions'].reverse()
    reordered['conditions'][0]['conditions'].reverse()
    reordered['conditions'][0]['values'] = None
    assert policies.normalize_conditions(deep) == policies.normalize_conditions(reordered)
    assert policies.normalize_conditions(deep) != policies.normalize_conditions(
        dict(deep, operator='OR'))


def test_deep_conditions_have_no_depth_cap():
    condition = {'operator': 'MATCH', 'values': {'request.IP': '192.0.2.1'}}
    for _level in range(12):
        condition = {'operator': 'NOT', 'conditions': [condition]}
    assert policies.normalize_conditions(condition) == condition


@pytest.mark.parametrize('value, expected', [
    ('2030-12-31', '2030-12-31T00:00:00Z'),
    ('2030-12-31T23:59:59+02:00', '2030-12-31T21:59:59Z'),
    ('2030-12-31T21:59:59.123456Z', '2030-12-31T21:59:59Z'),
    (None, None),
    ('', None),
])
def test_expiry_is_compared_in_utc_at_second_precision(value, expected):
    assert policies.normalize_expiry(value) == expected


# ---------------------------------------------------------------- wanted state and comparison

def test_same_lists_reordered_and_duplicated_change_nothing(remote):
    wanted = policies.desired_policy(remote, params(
        name='dev-dns-delegation',
        identities=[DEVS, ROBOT, ROBOT],
        resources=[ZONE, ACCOUNT, ZONE],
        allow=['dnsZone:apiovh:record/*'] * 2,
        conditions={'operator': 'OR', 'conditions': list(reversed(API_POLICY['conditions']['conditions']))},
        expired_at='2030-12-31T00:00:00Z'))
    assert policies.changed_fields(remote, wanted) == []


def test_options_left_out_keep_the_remote_values(remote):
    assert policies.desired_policy(remote, params()) == remote


def test_purge_replaces_and_empty_list_clears(remote):
    wanted = policies.desired_policy(remote, params(identities=[ROBOT], **{'except': []}))
    assert wanted['identities'] == [ROBOT]
    assert wanted['except'] == []
    assert policies.changed_fields(remote, wanted) == ['identities', 'except']


def test_no_purge_only_adds(remote):
    newcomer = 'urn:v1:eu:identity:user:aa1-ovh/alice'
    wanted = policies.desired_policy(remote, params(identities=[newcomer, ROBOT], purge_identities=False))
    assert wanted['identities'] == sorted([ROBOT, DEVS, newcomer])
    unchanged = policies.desired_policy(remote, params(identities=[ROBOT], purge_identities=False))
    assert policies.changed_fields(remote, unchanged) == []


def test_remove_identities_wins_and_touches_nobody_else(remote):
    wanted = policies.desired_policy(remote, params(identities=[ROBOT], purge_identities=False, remove_identities=[ROBOT]))
    assert wanted['identities'] == [DEVS]
    absent = policies.desired_policy(remote, params(remove_identities=['urn:v1:eu:identity:user:aa1-ovh/nobody']))
    assert policies.changed_fields(remote, absent) == []


def test_empty_description_conditions_and_expiry_clear_them(remote):
    remote['description'] = 'old'
    wanted = policies.desired_policy(remote, params(description='', conditions={}, expired_at=''))
    assert (wanted['description'], wanted['conditions'], wanted['expired_at']) == ('', None, None)
    assert policies.changed_fields(remote, wanted) == ['description', 'conditions', 'expired_at']


def test_desired_policy_from_nothing_is_a_creation():
    wanted = policies.desired_policy({}, params(name='p', identities=[], resources=[ACCOUNT], allow=['account:apiovh:*']))
    assert wanted == {'name': 'p', 'description': '', 'identities': [], 'resources': [ACCOUNT], 'allow': ['account:apiovh:*'],
                      'except': [], 'deny': [], 'permissions_groups': [], 'conditions': None, 'expired_at': None}


def test_api_body_is_the_full_update_object(remote):
    body = policies.api_body(policies.desired_policy(remote, params(deny=['dnsZone:apiovh:refresh'])))
    assert body == {
        'name': 'dev-dns-delegation',
        'description': '',
        'identities': [ROBOT, DEVS],
        'resources': [{'urn': ACCOUNT}, {'urn': ZONE}],
        'permissions': {'allow': [{'action': 'dnsZone:apiovh:record/*'}], 'except': [{'action': 'dnsZone:apiovh:record/delete'}],
                        'deny': [{'action': 'dnsZone:apiovh:refresh'}]},
        'permissionsGroups': [{'urn': 'urn:v1:eu:permissionsGroup:ovh:globalAdmin'}],
        'conditions': remote['conditions'],
        'expiredAt': '2030-12-31T00:00:00Z',
    }


def test_round_trip_of_the_body_is_unchanged(remote):
    echoed = dict(policies.api_body(remote), id=remote['id'], owner=NIC, readOnly=False, createdAt=remote['created_at'])
    assert policies.changed_fields(remote, policies.flatten_policy(echoed)) == []


def test_answered_policy_names_each_field_the_api_did_not_take(remote):
    desired = policies.desired_policy(remote, params(description='new text', expired_at=''))
    echoed = dict(policies.api_body(desired), id=remote['id'], owner=NIC, readOnly=False, createdAt=remote['created_at'])
    assert policies.answered_policy(desired, echoed, 'update')['description'] == 'new text'
    kept = dict(echoed, description=remote['description'], expiredAt='2030-01-01T00:00:00Z')
    with pytest.raises(policies.UntakenWriteError) as caught:
        policies.answered_policy(desired, kept, 'update')
    assert caught.value.fields == ['description', 'expired_at']
    assert caught.value.policy['expired_at'] == '2030-01-01T00:00:00Z'
    assert 'did not apply every field' in str(caught.value) and 'set a later date instead' in str(caught.value)


# ---------------------------------------------------------------- checks

def test_option_problems_lists_every_bad_item():
    problems = policies.option_problems(params(
        name='ovh-mine',
        identities=['urn:v1:eu:identity:credential:aa1-ovh/oauth2-x', 'robot'],
        resources=['*', ACCOUNT],
        allow=['urn:v1:eu:resource:vps:*', 'account:apiovh:me/get'],
        deny=['not an action'],
        conditions={'operator': 'MATCH', 'values': {'request.Country': 'FR'}},
        expired_at='tomorrow'))
    text = '\n'.join(problems)
    assert len(problems) == 7, text
    for expected in ("identities: 'robot'", "resources: '*'", 'urn:v1:eu:resource:account:xx1111-ovh', "allow: 'urn:v1:eu:resource:vps:*'",
                     "deny: 'not an action'", 'request.Country', "expired_at: 'tomorrow'", "'ovh-mine'"):
        assert expected in text


def test_valid_options_have_no_problem():
    assert policies.option_problems(params(
        name='ok', identities=[ROBOT], resources=[ACCOUNT, 'urn:v1:eu:resource:vps:*'], allow=['account:apiovh:*'],
        conditions={'operator': 'AND', 'conditions': [{'operator': 'MATCH', 'values': {'request.IP': '192.0.2.1'}}]},
        expired_at='2030-01-01')) == []


def test_protection_refuses_read_only_and_reserved_names(remote):
    assert policies.protection_problem(remote) is None
    assert 'read-only' in policies.protection_problem(dict(remote, read_only=True))
    assert "'ovh-'" in policies.protection_problem(dict(remote, name='ovh-legacy'))


def test_creation_needs_name_identities_resources_and_permissions():
    wanted = policies.desired_policy({}, params(name='p'))
    problems = policies.creation_problems(params(name='p'), wanted)
    assert len(problems) == 3
    ok = params(name='p', identities=[], resources=[ACCOUNT], permissions_groups=['urn:v1:eu:permissionsGroup:ovh:globalAdmin'])
    assert policies.creation_problems(ok, policies.desired_policy({}, ok)) == []


def test_only_removal_is_recognised():
    assert policies.asks_only_removal(params(name='p', remove_identities=[ROBOT]))
    assert not policies.asks_only_removal(params(name='p', remove_identities=[ROBOT], allow=['*']))
    assert not policies.asks_only_removal(params(name='p'))


# ---------------------------------------------------------------- lookups

def add_policy(api, name, identities, allow, resources=(ACCOUNT,)):
    """Create a policy through the API; returns the API's answer."""
    return api.post(policies.POLICY_PATH, {'name': name, 'identities': list(identities), 'resources': [{'urn': urn} for urn in resources],
                                           'permissions': {'allow': [{'action': action} for action in allow]}})


def test_list_maps_filters_to_repeated_server_side_parameters(fake, api):
    robot = add_policy(api, 'robot', [ROBOT], ['account:apiovh:*'])
    devs = add_policy(api, 'devs', [DEVS], ['account:apiovh:*'])
    add_policy(api, 'other-identity', ['urn:v1:eu:identity:user:aa1-ovh/alice'], ['account:apiovh:*'])
    add_policy(api, 'other-resource', [ROBOT], ['account:apiovh:*'], resources=[ZONE])
    add_policy(api, 'other-action', [DEVS], ['account:apiovh:me/get'])
    fake.clear_requests()
    found = policies.list_policies(api, identities=[ROBOT, DEVS], resources=[ACCOUNT], actions=['account:apiovh:*'], read_only=False)
    assert sorted(policy['id'] for policy in found) == sorted([robot['id'], devs['id']])
    assert fake.v2_requests() == [('GET', policies.POLICY_PATH, sorted([
        ('identity', ROBOT), ('identity', DEVS), ('resourceURN', ACCOUNT), ('action', 'account:apiovh:*'), ('readOnly', 'false')]), 200)]


def test_find_by_name_reads_editable_policies_and_matches_exactly(fake, api):
    first = add_policy(api, 'web', [ROBOT], ['account:apiovh:*'])
    add_policy(api, 'web-2', [ROBOT], ['account:apiovh:*'])
    # The API refuses a second 'web' (POLICY_ALREADY_EXISTS); a twin from before that rule is planted directly.
    third = fake._control('POST', 'policies', {'name': 'web', 'identities': [DEVS], 'resources': [{'urn': fake.account_urn()}],
                                               'permissions': {'allow': [{'action': 'account:apiovh:me/get'}]}})
    fake.clear_requests()
    assert [policy['id'] for policy in policies.find_by_name(api, 'web')] == [first['id'], third['id']]
    assert policies.find_by_name(api, 'ovh-default') == []
    assert fake.v2_requests() == [('GET', policies.POLICY_PATH, [('readOnly', 'false')], 200)] * 2


def test_get_policy_escapes_the_id_and_maps_404_to_none(fake, api):
    created = add_policy(api, 'web', [ROBOT], ['account:apiovh:*'])
    fake.clear_requests()
    found = policies.get_policy(api, created['id'])
    assert (found['id'], found['name']) == (created['id'], 'web')
    assert policies.get_policy(api, 'a/b') is None
    assert fake.v2_requests() == [('GET', '/v2/iam/policy/%s' % created['id'], [], 200), ('GET', '/v2/iam/policy/a%2Fb', [], 404)]


# ---------------------------------------------------------------- policies listing an identity

def add_full_policy(api, name, identities):
    """A policy with every optional field set (except, conditions, expiry); returns the API's answer."""
    return api.post(policies.POLICY_PATH, {
        'name': name, 'description': 'test policy %s' % name, 'identities': identities,
        'resources': [{'urn': 'urn:v1:eu:resource:vps:*'}],
        'permissions': {'allow': [{'action': 'vps:apiovh:reboot'}], 'except': [{'action': 'vps:apiovh:reinstall'}]},
        'expiredAt': '2099-01-01T00:00:00Z',
        'conditions': {'operator': 'MATCH', 'values': {'request.IP': '192.0.2.0/24'}},
    })


def writes(fake, method=None):
    return [r for r in fake.writes() if method is None or r['method'] == method]


def test_policies_with_identity_reads_every_page_and_matches_exactly(fake, api):
    fake.seed(clients=1, policies=1100)
    [filler] = oauth2.find_clients(api, name='filler-client-0001')
    found = policies.policies_with_identity(api, filler['identity'])
    assert len(found) == 1100  # more than one page of 1000
    other = oauth2.create_client(api, 'other', 'x', 'CLIENT_CREDENTIALS')[0]
    assert policies.policies_with_identity(api, oauth2.get_client(api, other)['identity']) == []


def test_rewrite_policy_sends_only_writable_fields_and_keeps_the_rest(fake, api):
    policy = add_full_policy(api, 'full', ['urn:v1:eu:identity:group:%s/devs' % fake.nic])
    detailed = api.get('/v2/iam/policy/%s' % policy['id'], params={'details': True})
    body = policies.api_body(policies.flatten_policy(detailed))
    assert body['resources'] == [{'urn': 'urn:v1:eu:resource:vps:*'}]
    assert set(body) == {'name', 'description', 'identities', 'resources', 'permissions', 'permissionsGroups',
                         'conditions', 'expiredAt'}
    policies.rewrite_policy(api, detailed, identities=[])
    after = api.get('/v2/iam/policy/%s' % policy['id'])
    assert after['identities'] == []
    for key in ('name', 'description', 'resources', 'conditions', 'expiredAt'):
        assert after[key] == policy[key]
    assert policies.flatten_policy(after)['allow'] == ['vps:apiovh:reboot']
    assert policies.flatten_policy(after)['except'] == ['vps:apiovh:reinstall']


def test_detach_identity_keeps_the_rest_of_the_policy(fake, api):
    client_id = oauth2.create_client(api, 'sa', 'x', 'CLIENT_CREDENTIALS')[0]
    urn = oauth2.get_client(api, client_id)['identity']
    group = 'urn:v1:eu:identity:group:%s/devs' % fake.nic
    shared = add_full_policy(api, 'shared', [urn, group])
    alone = add_full_policy(api, 'alone', [urn])
    fake.clear_requests()

    assert policies.detach_identity(api, shared, urn, check_mode=True) == {'id': shared['id'], 'name': 'shared', 'deleted': False}
    assert policies.detach_identity(api, alone, urn, delete_if_empty=True, check_mode=True)['deleted'] is True
    assert writes(fake) == []

    assert policies.detach_identity(api, shared, urn)['deleted'] is False
    after = api.get('/v2/iam/policy/%s' % shared['id'])
    assert after['identities'] == [group]
    for key in ('name', 'description', 'resources', 'permissions', 'conditions', 'expiredAt'):
        assert after[key] == shared[key]

    assert policies.detach_identity(api, alone, urn, delete_if_empty=True)['deleted'] is True
    assert [p['name'] for p in fake.state()['policies'] if p['name'] == 'alone'] == []
    assert [r['method'] for r in writes(fake)] == ['PUT', 'DELETE']


def test_detach_identity_leaves_an_empty_policy_by_default(fake, api):
    client_id = oauth2.create_client(api, 'sa', 'x', 'CLIENT_CREDENTIALS')[0]
    urn = oauth2.get_client(api, client_id)['identity']
    alone = add_full_policy(api, 'alone', [urn])
    assert policies.detach_identity(api, alone, urn)['deleted'] is False
    assert api.get('/v2/iam/policy/%s' % alone['id'])['identities'] == []


def test_replace_identity_points_the_policy_at_the_new_urn(fake, api):
    old_urn = 'urn:v1:eu:identity:credential:%s/oauth2-EU.old' % fake.nic
    new_urn = 'urn:v1:eu:identity:credential:%s/oauth2-EU.new' % fake.nic
    policy = add_full_policy(api, 'moving', [old_urn, 'urn:v1:eu:identity:group:%s/devs' % fake.nic])
    assert policies.replace_identity(api, policy, old_urn, new_urn) == {'id': policy['id'], 'name': 'moving'}
    assert api.get('/v2/iam/policy/%s' % policy['id'])['identities'] == [new_urn, 'urn:v1:eu:identity:group:%s/devs' % fake.nic]
