"""The OAuth2 client helpers against the real fake over HTTP (no mock of our own code)."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _iam_policy as policies
from ansible_collections.ovhcloud.iam.plugins.module_utils import _oauth2 as oauth2
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError

CLIENTS = '/1.0/me/api/oauth2/client'


def no_sleep(_seconds):
    pass


def writes(fake, method=None):
    return [r for r in fake.writes() if method is None or r['method'] == method]


def clients_in_state(fake, name=None):
    return [c for c in fake.state()['clients'] if name is None or c['name'] == name]


def add_policy(api, name, identities, read_only_check=True):
    return api.post('/v2/iam/policy', {
        'name': name, 'description': 'test policy %s' % name, 'identities': identities,
        'resources': [{'urn': 'urn:v1:eu:resource:vps:*'}],
        'permissions': {'allow': [{'action': 'vps:apiovh:reboot'}], 'except': [{'action': 'vps:apiovh:reinstall'}]},
        'expiredAt': '2099-01-01T00:00:00Z',
        'conditions': {'operator': 'MATCH', 'values': {'request.IP': '192.0.2.0/24'}},
    })


# ---------------------------------------------------------------- reading

def test_client_from_api_is_snake_case_and_lists_callbacks():
    converted = oauth2.client_from_api({'clientId': 'EU.1', 'name': 'n', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS',
                                        'callbackUrls': None, 'identity': 'urn:x', 'createdAt': '2025-01-01T00:00:00+00:00'})
    assert converted == {'client_id': 'EU.1', 'name': 'n', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS',
                         'callback_urls': [], 'identity': 'urn:x', 'created_at': '2025-01-01T00:00:00+00:00'}


def test_find_clients_filters_by_exact_name_id_and_flow(fake, api):
    first = oauth2.create_client(api, 'app', 'one', 'CLIENT_CREDENTIALS')[0]
    second = oauth2.create_client(api, 'app', 'two', 'AUTHORIZATION_CODE', ['https://app.example.com/cb'])[0]
    oauth2.create_client(api, 'application', 'other', 'CLIENT_CREDENTIALS')

    by_name = oauth2.find_clients(api, name='app')
    assert [c['client_id'] for c in by_name] == sorted([first, second])
    assert [c['client_id'] for c in oauth2.find_clients(api, name='app', flow='AUTHORIZATION_CODE')] == [second]
    assert oauth2.find_clients(api, client_id=second)[0]['callback_urls'] == ['https://app.example.com/cb']
    assert oauth2.find_clients(api, client_id=second, flow='CLIENT_CREDENTIALS') == []
    assert oauth2.find_clients(api, client_id='EU.doesnotexist') == []
    assert len(oauth2.find_clients(api)) == 3
    assert all(c['identity'].endswith('/oauth2-' + c['client_id']) for c in oauth2.find_clients(api))


def test_find_one_client_refuses_to_guess_between_duplicates(fake, api):
    first = oauth2.create_client(api, 'twin', 'a', 'CLIENT_CREDENTIALS')[0]
    second = oauth2.create_client(api, 'twin', 'b', 'CLIENT_CREDENTIALS')[0]
    with pytest.raises(oauth2.ClientLookupError) as caught:
        oauth2.find_one_client(api, name='twin')
    assert first in str(caught.value) and second in str(caught.value)
    assert oauth2.find_one_client(api, name='twin', client_id=first)['description'] == 'a'
    assert oauth2.find_one_client(api, name='nobody') is None


def test_read_back_waits_for_a_client_then_gives_up(fake, api):
    client_id = oauth2.create_client(api, 'fresh', 'x', 'CLIENT_CREDENTIALS')[0]
    assert oauth2.read_back(api, client_id, sleep=no_sleep)['client_id'] == client_id
    waits = []
    assert oauth2.read_back(api, 'EU.never', delays=(0.1, 0.2), sleep=waits.append) is None
    assert waits == [0.1, 0.2]


# ---------------------------------------------------------------- writing

def test_create_sends_the_request_schema_and_returns_the_secret(fake, api):
    client_id, secret = oauth2.create_client(api, 'sa', 'desc', 'CLIENT_CREDENTIALS', ['https://ignored.example.com'])
    [stored] = clients_in_state(fake)
    assert stored['clientId'] == client_id and stored['clientSecret'] == secret
    assert stored['callbackUrls'] == []


@pytest.mark.parametrize('status', [503, 0])
def test_lost_create_answer_ends_with_exactly_one_client_and_its_secret(fake, api, status):
    fake.fault(method='POST', path=CLIENTS, status=status, apply=True)
    client_id, secret = oauth2.create_client(api, 'lost', 'desc', 'CLIENT_CREDENTIALS')
    [stored] = clients_in_state(fake)
    assert stored['clientId'] == client_id and stored['clientSecret'] == secret
    assert len(writes(fake, 'POST')) == 2 and len(writes(fake, 'DELETE')) == 1


def test_lost_create_not_applied_just_posts_again(fake, api):
    fake.fault(method='POST', path=CLIENTS, status=503, apply=False)
    client_id = oauth2.create_client(api, 'retry', 'desc', 'CLIENT_CREDENTIALS')[0]
    assert [c['clientId'] for c in clients_in_state(fake)] == [client_id]
    assert not writes(fake, 'DELETE')


def test_lost_create_gives_up_with_nothing_left_behind(fake, api):
    fake.fault(method='POST', path=CLIENTS, status=503, apply=True, times=5)
    with pytest.raises(oauth2.LostCreateError) as caught:
        oauth2.create_client(api, 'doomed', 'desc', 'CLIENT_CREDENTIALS')
    assert 'nothing was left behind' in str(caught.value)
    assert clients_in_state(fake) == []
    assert len(writes(fake, 'POST')) == 1 + oauth2.CREATE_EXTRA_ATTEMPTS


def test_lost_create_keeps_clients_that_existed_before(fake, api):
    old_id = oauth2.create_client(api, 'same-name', 'old', 'AUTHORIZATION_CODE', ['https://a.example.com/cb'])[0]
    fake.fault(method='POST', path=CLIENTS, status=0, apply=True)
    new_id = oauth2.create_client(api, 'same-name', 'new', 'CLIENT_CREDENTIALS', known_ids=[old_id])[0]
    assert sorted(c['clientId'] for c in clients_in_state(fake)) == sorted([old_id, new_id])


def test_refused_create_is_not_retried(fake, api):
    with pytest.raises(OvhApiError) as caught:
        oauth2.create_client(api, 'web', 'desc', 'AUTHORIZATION_CODE', [])
    assert caught.value.status == 400
    assert len(writes(fake)) == 1 and clients_in_state(fake) == []


def test_concurrent_create_gives_way_to_an_earlier_twin(fake, api):
    earlier = oauth2.create_client(api, 'raced', 'first run', 'CLIENT_CREDENTIALS')[0]
    mine = oauth2.create_client(api, 'raced', 'second run', 'CLIENT_CREDENTIALS')[0]
    with pytest.raises(oauth2.ConcurrentCreateError) as caught:
        oauth2.give_way_to_concurrent_create(api, 'raced', mine)
    assert earlier in str(caught.value) and mine in str(caught.value)
    assert [c['clientId'] for c in clients_in_state(fake)] == [earlier]


def test_concurrent_create_check_ignores_clients_known_before(fake, api):
    replaced = oauth2.create_client(api, 'kept', 'old flow', 'CLIENT_CREDENTIALS')[0]
    new = oauth2.create_client(api, 'kept', 'new', 'CLIENT_CREDENTIALS', known_ids=[replaced])[0]
    oauth2.give_way_to_concurrent_create(api, 'kept', new, known_ids=[replaced])
    assert sorted(c['clientId'] for c in clients_in_state(fake)) == sorted([replaced, new])


def test_update_body_keeps_unmanaged_fields_and_put_applies_it(fake, api):
    client_id = oauth2.create_client(api, 'web', 'desc', 'AUTHORIZATION_CODE', ['https://a.example.com/cb'])[0]
    current = oauth2.get_client(api, client_id)
    body = oauth2.update_body(current, description='new')
    assert body == {'name': 'web', 'description': 'new', 'callbackUrls': ['https://a.example.com/cb']}
    oauth2.update_client(api, client_id, body)
    assert oauth2.get_client(api, client_id)['description'] == 'new'


def test_delete_client_is_idempotent(fake, api):
    client_id = oauth2.create_client(api, 'gone', 'desc', 'CLIENT_CREDENTIALS')[0]
    assert oauth2.delete_client(api, client_id) is True
    assert oauth2.delete_client(api, client_id) is False
    assert oauth2.get_client(api, client_id) is None


# ---------------------------------------------------------------- rotation

GROUP = 'urn:v1:eu:identity:group:%s/devs'


def rotation_setup(fake, api, name='rotated'):
    """One client in two policies (one shared with a group); returns (current, policies as the API has them)."""
    oauth2.create_client(api, name, 'keeps its description', 'CLIENT_CREDENTIALS')
    current = oauth2.find_one_client(api, name=name)
    add_policy(api, 'own', [current['identity']])
    add_policy(api, 'shared', [GROUP % fake.nic, current['identity']])
    return current, policies.policies_with_identity(api, current['identity'])


def rotate(api, current, policies, kept=None, keep=True, warnings=None):
    kept = [] if kept is None else kept
    warnings = [] if warnings is None else warnings

    def keep_secret(created, secret):
        kept.append((created['client_id'], secret))
        return keep
    wanted = (current['name'], current['description'], current['flow'], [])
    return oauth2.rotate_client(api, current, wanted, policies, keep_secret, warnings.append, sleep=no_sleep)


def test_rotate_client_moves_every_policy_then_deletes_the_old_client(fake, api):
    current, policies = rotation_setup(fake, api)
    kept, warnings = [], []
    fake.clear_requests()
    created, moved = rotate(api, current, policies, kept, warnings=warnings)
    [stored] = clients_in_state(fake)
    assert stored['clientId'] == created['client_id'] != current['client_id']
    assert (stored['name'], stored['description']) == ('rotated', 'keeps its description')
    assert kept == [(stored['clientId'], stored['clientSecret'])]
    assert sorted(p['name'] for p in moved) == ['own', 'shared']
    by_name = {p['name']: p for p in fake.state()['policies']}
    assert by_name['own']['identities'] == [created['identity']]
    assert by_name['shared']['identities'] == [GROUP % fake.nic, created['identity']]
    # New client, then both identities in each policy, then the old identity out, then the old client gone.
    assert [r['method'] for r in fake.writes()] == ['POST', 'PUT', 'PUT', 'PUT', 'PUT', 'DELETE']
    assert warnings == []


def test_rotate_client_undoes_everything_when_the_secret_cannot_be_kept(fake, api):
    current, policies = rotation_setup(fake, api)
    before = {p['name']: p['identities'] for p in fake.state()['policies']}
    with pytest.raises(oauth2.RotationError) as caught:
        rotate(api, current, policies, keep=False)
    assert 'nothing changed' in str(caught.value)
    assert [c['clientId'] for c in clients_in_state(fake)] == [current['client_id']]
    assert {p['name']: p['identities'] for p in fake.state()['policies']} == before


def test_rotate_client_undoes_everything_when_a_policy_cannot_take_the_new_identity(fake, api):
    current, policies = rotation_setup(fake, api)
    before = {p['name']: p['identities'] for p in fake.state()['policies']}
    second = policies[1]
    fake.fault(method='PUT', path='/v2/iam/policy/%s' % second['id'], status=400)
    kept = []
    with pytest.raises(oauth2.RotationError) as caught:
        rotate(api, current, policies, kept)
    assert second['name'] in str(caught.value)
    assert kept == []
    assert [c['clientId'] for c in clients_in_state(fake)] == [current['client_id']]
    assert {p['name']: p['identities'] for p in fake.state()['policies']} == before


@pytest.mark.parametrize('status', [503, 0])
def test_rotate_client_survives_lost_answers_with_one_client_left(fake, api, status):
    current, policies = rotation_setup(fake, api)
    fake.fault(method='POST', path=CLIENTS, status=status, apply=True)
    fake.fault(method='PUT', path='/v2/iam/policy/*', status=status, apply=True)
    fake.fault(method='DELETE', path=CLIENTS + '/*', status=status, apply=True)
    kept = []
    created = rotate(api, current, policies, kept)[0]
    [stored] = clients_in_state(fake)
    assert stored['clientId'] == created['client_id'] and kept == [(stored['clientId'], stored['clientSecret'])]
    for policy in (p for p in fake.state()['policies'] if p['name'] in ('own', 'shared')):
        assert current['identity'] not in policy['identities'] and created['identity'] in policy['identities']


def test_rotate_client_warns_when_the_old_client_cannot_be_deleted(fake, api):
    current, policies = rotation_setup(fake, api)
    fake.fault(method='DELETE', path=CLIENTS + '/*', status=403, times=1)
    warnings = []
    created = rotate(api, current, policies, warnings=warnings)[0]
    assert sorted(c['clientId'] for c in clients_in_state(fake)) == sorted([current['client_id'], created['client_id']])
    assert len(warnings) == 1 and 'client_id: %s, state: absent' % current['client_id'] in warnings[0]
