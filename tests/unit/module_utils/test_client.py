"""The real API client against the real fake over HTTP: auth methods, retries, listing, errors."""

import pytest
import requests

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import EXPANSION_WORKERS, OvhClient
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhTransportError
from tests.fake_api import FakeApi

CLIENTS = '/me/api/oauth2/client'


class Recorder:
    """Stands in for time.sleep so retry waits are observed, not spent."""

    def __init__(self):
        self.waits = []

    def __call__(self, seconds):
        self.waits.append(seconds)


def make_client(fake, sleep=None, clock=None, **params):
    options = {'endpoint': fake.endpoint, 'application_key': fake.info['application_key'],
               'application_secret': fake.info['application_secret'], 'consumer_key': fake.info['consumer_key']}
    if any(k in params for k in ('auth_client_id', 'access_token')):
        options = {'endpoint': fake.endpoint}
    options.update(params)
    kwargs = {}
    if sleep is not None:
        kwargs['sleep'] = sleep
    if clock is not None:
        kwargs['clock'] = clock
    return OvhClient(resolve_connection(options, environ={}), **kwargs)


def api_requests(fake, path=None):
    return [r for r in fake.requests() if path is None or r['path'] == path]


def create_service_account(fake, allow):
    """A service account allowed `allow` on the account resource; returns (client_id, secret)."""
    owner = make_client(fake)
    created = owner.post(CLIENTS, {'name': 'sa', 'description': 'test', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
    identity = owner.get('%s/%s' % (CLIENTS, created['clientId']))['identity']
    owner.post('/v2/iam/policy', {'name': 'sa-policy', 'identities': [identity], 'resources': [{'urn': fake.account_urn()}],
                                  'permissions': {'allow': [{'action': a} for a in allow]}})
    return created['clientId'], created['clientSecret']


# ---------------------------------------------------------------- authentication

def test_signed_requests_sync_time_once_per_client(fake):
    fake.skew_clock(200)
    client = make_client(fake)
    assert client.get('/me')['nichandle'] == fake.nic
    assert isinstance(client.get(CLIENTS), list)
    assert [r['path'] for r in fake.requests()] == ['/1.0/auth/time', '/1.0/me', '/1.0/me/api/oauth2/client']
    assert all(r['auth'] == 'signed' for r in fake.requests()[1:])


def test_oauth2_token_is_fetched_once_and_reused(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/api/oauth2/client/get'])
    fake.clear_requests()
    client = make_client(fake, auth_client_id=client_id, auth_client_secret=secret)
    client.get(CLIENTS)
    client.get(CLIENTS)
    log = fake.requests()
    assert [r['path'] for r in log] == ['/auth/oauth2/token', '/1.0/me/api/oauth2/client', '/1.0/me/api/oauth2/client']
    assert log[1]['auth'] == 'oauth2'


def test_oauth2_token_refreshed_before_expiry(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/api/oauth2/client/get'])
    now = [1000.0]
    client = make_client(fake, clock=lambda: now[0], auth_client_id=client_id, auth_client_secret=secret)
    client.get(CLIENTS)
    now[0] += 3599 - 30  # inside the refresh margin, still valid on the server
    fake.clear_requests()
    client.get(CLIENTS)
    assert [r['path'] for r in fake.requests()] == ['/auth/oauth2/token', '/1.0/me/api/oauth2/client']


def test_oauth2_token_renewed_once_after_401(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/api/oauth2/client/get'])
    client = make_client(fake, auth_client_id=client_id, auth_client_secret=secret)
    client.get(CLIENTS)
    fake.expire_tokens()
    fake.clear_requests()
    assert isinstance(client.get(CLIENTS), list)
    assert [(r['path'], r['status']) for r in fake.requests()] == [
        ('/1.0/me/api/oauth2/client', 401), ('/auth/oauth2/token', 200), ('/1.0/me/api/oauth2/client', 200)]


def test_wrong_service_account_secret_is_a_clear_error_without_the_secret(fake):
    client_id, _secret = create_service_account(fake, ['*'])
    client = make_client(fake, auth_client_id=client_id, auth_client_secret='not-the-right-secret')
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    assert 'invalid_client' in str(info.value) and 'auth_client_secret' in str(info.value)
    assert 'not-the-right-secret' not in str(info.value)


def test_access_token_used_as_is_and_expiry_reported(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/api/oauth2/client/get'])
    token = requests.post(fake.info['token_url'], data={'grant_type': 'client_credentials', 'scope': 'all'},
                          auth=(client_id, secret), timeout=10).json()['access_token']
    client = make_client(fake, access_token=token)
    assert isinstance(client.get(CLIENTS), list)
    fake.expire_tokens()
    with pytest.raises(OvhApiError) as info:
        client.get(CLIENTS)
    assert info.value.status == 401
    assert token not in str(info.value)


def test_missing_iam_action_is_named(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/api/oauth2/client/get'])
    client = make_client(fake, auth_client_id=client_id, auth_client_secret=secret)
    with pytest.raises(OvhApiError) as info:
        client.get('/v2/iam/policy')
    error = info.value
    assert error.status == 403 and error.error_class == 'Client::Forbidden'
    assert error.missing_actions == ['account:apiovh:iam/policy/get']
    assert 'Missing IAM action(s): account:apiovh:iam/policy/get' in str(error)
    assert error.query_id and error.query_id in str(error)
    assert secret not in str(error)


# ---------------------------------------------------------------- URLs and errors

def test_v2_paths_drop_the_v1_suffix(fake):
    client = make_client(fake)
    assert client.url_for('/v2/iam/policy', {'identity': ['a', 'b'], 'readOnly': False}) == \
        fake.url + '/v2/iam/policy?identity=a&identity=b&readOnly=false'
    assert client.url_for('/me') == fake.endpoint + '/me'


def test_not_found_carries_class_message_and_query_id(fake):
    with pytest.raises(OvhApiError) as info:
        make_client(fake).get(CLIENTS + '/EU.0000000000000000')
    error = info.value
    assert error.is_not_found and error.error_class == 'Client::NotFound' and error.message and error.query_id
    assert error.as_dict()['query_id'] == error.query_id


# ---------------------------------------------------------------- retries

def test_get_retried_on_5xx_and_429_honouring_retry_after(fake):
    fake.fault(method='GET', path='/1.0/me', status=503, times=2)
    fake.fault(method='GET', path='/1.0/me', status=429, retry_after=3, times=1)
    sleeps = Recorder()
    client = make_client(fake, sleep=sleeps)
    assert client.get('/me')['nichandle'] == fake.nic
    assert [r['status'] for r in api_requests(fake, '/1.0/me')] == [503, 503, 429, 200]
    assert len(sleeps.waits) == 3 and sleeps.waits[2] == 3.0


def test_retries_are_bounded(fake):
    fake.fault(method='GET', path='/1.0/me', status=502, times=10)
    client = make_client(fake, sleep=Recorder(), max_retries=2)
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    assert 'gave up after 3 attempts' in str(info.value)
    assert len(api_requests(fake, '/1.0/me')) == 3


def test_post_not_retried_after_5xx_and_flagged_as_maybe_applied(fake):
    fake.fault(method='POST', path='/1.0/me/api/oauth2/client', status=503, apply=True)
    client = make_client(fake, sleep=Recorder())
    with pytest.raises(OvhApiError) as info:
        client.post(CLIENTS, {'name': 'x', 'description': 'x', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
    assert info.value.may_have_applied
    assert len([r for r in fake.requests() if r['method'] == 'POST']) == 1
    assert len(fake.state()['clients']) == 1  # applied: the caller must reconcile


def test_post_retried_on_429(fake):
    fake.fault(method='POST', path='/1.0/me/api/oauth2/client', status=429, retry_after=1)
    client = make_client(fake, sleep=Recorder())
    created = client.post(CLIENTS, {'name': 'x', 'description': 'x', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
    assert created['clientId']
    assert len(fake.state()['clients']) == 1


def test_dropped_connection_retried_for_get_not_for_post(fake):
    fake.fault(method='GET', path='/1.0/me', status=0)
    client = make_client(fake, sleep=Recorder())
    assert client.get('/me')['nichandle'] == fake.nic
    fake.fault(method='POST', path='/1.0/me/api/oauth2/client', status=0, apply=True)
    with pytest.raises(OvhTransportError) as info:
        client.post(CLIENTS, {'name': 'x', 'description': 'x', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
    assert info.value.may_have_applied


def test_timeout_retried(fake):
    fake.fault(method='GET', path='/1.0/me', status=200, delay_ms=2500)
    client = make_client(fake, sleep=Recorder(), timeout=1)
    assert client.get('/me')['nichandle'] == fake.nic


def test_connection_refused_is_a_transport_error():
    settings = resolve_connection({'endpoint': 'http://127.0.0.1:9/1.0', 'access_token': 't'}, environ={})
    with pytest.raises(OvhTransportError) as info:
        OvhClient(settings, sleep=Recorder()).get('/me')
    assert 'cannot connect to 127.0.0.1:9' in str(info.value)


# ---------------------------------------------------------------- listing

def test_v2_listing_follows_cursors_to_the_last_page(fake):
    fake.seed(policies=250)
    client = make_client(fake)
    policies = client.list_v2('/v2/iam/policy', page_size=100)
    assert len(policies) == 251  # 250 + ovh-default
    assert len({p['id'] for p in policies}) == 251
    assert len(api_requests(fake, '/v2/iam/policy')) == 3


def test_v1_listing_expanded_in_one_request(fake):
    fake.seed(clients=30)
    client = make_client(fake)
    clients = client.list_v1_expanded(CLIENTS)
    assert len(clients) == 30 and all('identity' in c for c in clients)
    assert len(api_requests(fake)) == 2  # /auth/time + one list


@pytest.fixture(scope='module')
def fake_without_expansion():
    server = FakeApi('--no-expansion')
    yield server
    server.stop()


def test_v1_listing_falls_back_to_concurrent_gets_over_few_connections(fake_without_expansion):
    fake = fake_without_expansion
    fake.reset()
    fake.seed(clients=40)
    fake.clear_requests()
    before = fake.stats()['connections']
    client = make_client(fake)
    clients = client.list_v1_expanded(CLIENTS)
    assert len(clients) == 40 and all(c['clientId'] for c in clients)
    assert len([r for r in fake.requests() if r['path'].startswith('/1.0/me/api/oauth2/client/')]) == 40
    # keep-alive: bounded by the worker count (plus the test's own control connection), not by the 42 requests
    assert fake.stats()['connections'] - before <= EXPANSION_WORKERS + 1
