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


# ---------------------------------------------------------------- one retry policy (issues 12.9, 12.10, 13.2)

class Clock:
    """A clock that the recorded sleeps advance, so the two-minute budget is exercised without waiting."""

    def __init__(self, start=1000.0):
        self.now = start
        self.waits = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds


def timed_client(fake, **params):
    clock = Clock()
    return make_client(fake, sleep=clock.sleep, clock=clock, **params), clock


@pytest.mark.parametrize('method, status', [('DELETE', 302), ('GET', 301), ('PUT', 307), ('POST', 303), ('GET', 100 + 99)])
def test_an_unexpected_status_is_an_error_never_a_success(fake, method, status):
    fake.fault(method=method, path='/1.0/me*', status=status, times=5)
    client, clock = timed_client(fake)
    with pytest.raises(OvhApiError) as info:
        client.request(method, '/me', body={} if method in ('PUT', 'POST') else None)
    error = info.value
    assert error.status == status and 'unexpected answer HTTP %d' % status in str(error)
    assert 'nothing is assumed done' in str(error) and not clock.waits
    assert len(api_requests(fake, '/1.0/me')) == 1  # not retried, not followed


def test_the_time_call_is_retried_by_the_same_loop_with_the_same_give_up_message(fake):
    fake.fault(method='GET', path='/1.0/auth/time', status=503, times=10)
    client, clock = timed_client(fake, max_retries=2)
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    assert 'GET /auth/time failed (503' in str(info.value) and 'gave up after 3 attempts' in str(info.value)
    assert len(api_requests(fake, '/1.0/auth/time')) == 3 and not api_requests(fake, '/1.0/me')
    assert len(clock.waits) == 2


def test_the_token_call_is_retried_by_the_same_loop_and_a_long_retry_after_ends_it(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/get'])
    fake.clear_requests()
    fake.fault(method='POST', path='/auth/oauth2/token', status=429, retry_after=3600, times=5)
    client, clock = timed_client(fake, auth_client_id=client_id, auth_client_secret=secret)
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    message = str(info.value)
    assert 'gave up after 1 attempt: the API asked to wait 3600 s, more than the 120 s left' in message
    assert not clock.waits and len(api_requests(fake, '/auth/oauth2/token')) == 1


def test_retry_after_zero_still_backs_off(fake):
    fake.fault(method='GET', path='/1.0/me', status=429, retry_after=0, times=2)
    client, clock = timed_client(fake)
    assert client.get('/me')['nichandle'] == fake.nic
    assert len(clock.waits) == 2 and all(wait >= 0.25 for wait in clock.waits)


def test_one_two_minute_budget_covers_the_api_call_and_the_time_call_it_needs(fake, monkeypatch):
    # Each answer takes 30 s of the fake clock (or the attempt's timeout, if shorter): the budget is shared
    # by the time call and the API call, and no attempt may run past it.
    fake.fault(method='GET', path='/1.0/auth/time', status=503, times=2)
    fake.fault(method='GET', path='/1.0/me', status=503, times=50)
    client, clock = timed_client(fake, max_retries=50)
    real_send = requests.Session.send

    def slow_send(session, prepared, **kwargs):
        clock.now += min(30, kwargs['timeout'])
        return real_send(session, prepared, **kwargs)
    monkeypatch.setattr(requests.Session, 'send', slow_send)
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    assert 'retry time budget is spent' in str(info.value) and 'gave up after' in str(info.value)
    assert clock.now - 1000.0 <= 120.0
    assert len(api_requests(fake, '/1.0/auth/time')) == 3
    assert 1 <= len(api_requests(fake, '/1.0/me')) <= 2


def test_each_attempt_waits_at_most_what_is_left_of_the_budget(fake, monkeypatch):
    client, clock = timed_client(fake, timeout=30)
    seen = []
    real_send = requests.Session.send

    def send(session, prepared, **kwargs):
        seen.append(kwargs['timeout'])
        return real_send(session, prepared, **kwargs)
    monkeypatch.setattr(requests.Session, 'send', send)
    client.get('/me')
    deadline_soon = client._exchange.__func__  # the loop takes the deadline of the outermost call
    from ansible_collections.ovhcloud.iam.plugins.module_utils._client import _Call
    deadline_soon(client, _Call('GET', '/me', client.url_for('/me')), clock.now + 5)
    assert seen[0] == 30 and seen[-1] == 5


def test_a_header_error_never_quotes_the_header_value(fake, monkeypatch):
    client = make_client(fake, sleep=Recorder())

    def refuse(session, prepared, **kwargs):
        raise ValueError('Invalid header value %r' % (fake.info['consumer_key'] + '\n').encode())
    monkeypatch.setattr(requests.Session, 'send', refuse)
    with pytest.raises(OvhTransportError) as info:
        client.get('/me')
    assert fake.info['consumer_key'] not in str(info.value) and 'ValueError' in str(info.value)


@pytest.mark.parametrize('bad_id', ['.', '..', '', ' .. '])
def test_dot_ids_are_refused_before_any_request(fake, bad_id):
    from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
    from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhInputError
    fake.clear_requests()
    with pytest.raises(OvhInputError):
        make_client(fake).delete('%s/%s' % (CLIENTS, escape_path_segment(bad_id)))
    assert fake.requests() == []
    assert escape_path_segment('a/..') == 'a%2F..'


# ---------------------------------------------------------------- what to check (issue 14.6)

def signed_with(fake, **overrides):
    options = {'endpoint': fake.endpoint, 'application_key': fake.info['application_key'],
               'application_secret': fake.info['application_secret']}
    environ = {'OVH_CONSUMER_KEY': fake.info['consumer_key']}
    options.update(overrides)
    return OvhClient(resolve_connection(options, environ=environ), sleep=Recorder())


@pytest.mark.parametrize('overrides, fragments', [
    ({'application_secret': 'wrong'}, ['Invalid signature', 'Check application_secret (from task option application_secret), '
                                       'application_key (from task option application_key)']),
    ({'application_key': 'unknown-ak'}, ['This application key is invalid', 'Check application_key (from task option '
                                         'application_key): OVHcloud does not know this application key on endpoint']),
])
def test_signed_refusals_name_what_to_check_and_where_it_came_from(fake, overrides, fragments):
    with pytest.raises(OvhApiError) as info:
        signed_with(fake, **overrides).get('/me')
    for fragment in fragments:
        assert fragment in str(info.value)


def test_an_unknown_consumer_key_names_the_environment_variable(fake):
    client = OvhClient(resolve_connection({'endpoint': fake.endpoint}, environ=dict(fake.owner_env(), OVH_CONSUMER_KEY='nope')),
                       sleep=Recorder())
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    assert 'Check consumer_key (from environment variable OVH_CONSUMER_KEY), application_key (from environment variable ' \
           'OVH_APPLICATION_KEY): the consumer key is unknown' in str(info.value)


def test_oauth2_refusals_name_the_client_and_the_origin(fake):
    client_id, _secret = create_service_account(fake, ['account:apiovh:me/get'])
    client = OvhClient(resolve_connection({'endpoint': fake.endpoint, 'auth_client_id': client_id},
                                          environ={'OVH_CLIENT_SECRET': 'wrong'}), sleep=Recorder())
    with pytest.raises(OvhApiError) as info:
        client.get('/me')
    assert 'invalid_client' in str(info.value)
    assert 'Check auth_client_id (from task option auth_client_id), auth_client_secret (from environment variable ' \
           'OVH_CLIENT_SECRET)' in str(info.value)


def test_a_403_names_the_refused_identity_only_on_the_failure_path(fake):
    client_id, secret = create_service_account(fake, ['account:apiovh:me/get'])
    oauth2 = make_client(fake, auth_client_id=client_id, auth_client_secret=secret)
    fake.clear_requests()
    with pytest.raises(OvhApiError) as info:
        oauth2.get(CLIENTS)
    oauth2.name_refused_identity(info.value)
    assert 'Refused identity: service account %s (auth_client_id from task option auth_client_id)' % client_id in str(info.value)
    assert [r['path'] for r in fake.requests()] == ['/auth/oauth2/token', '/1.0/me/api/oauth2/client']
    signed = make_client(fake)
    fake.fault(method='GET', path='/1.0/me', status=403)
    with pytest.raises(OvhApiError) as info:
        signed.get('/me')
    signed.name_refused_identity(info.value)
    assert 'Refused identity: urn:v1:eu:identity:account:%s (logged in with application_key from task option' % fake.nic \
        in str(info.value)


@pytest.mark.parametrize('code, message, fragment, refused', [
    ('NOT_GRANTED_CALL', 'This call has not been granted', "Check consumer_key (from environment variable "
                                                           "OVH_CONSUMER_KEY): the consumer key's access rules", False),
    ('INVALID_CREDENTIAL', 'This credential is not valid', 'Check consumer_key (from environment variable OVH_CONSUMER_KEY)', True),
    (None, 'This credential does not exist', 'Check consumer_key', True),
    ('INVALID_KEY', 'This application key is invalid', 'Check application_key (from environment variable OVH_APPLICATION_KEY)', True),
])
def test_signed_refusal_table(code, message, fragment, refused):
    from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import add_auth_hint
    settings = resolve_connection({}, environ={'OVH_ENDPOINT': 'ovh-eu', 'OVH_APPLICATION_KEY': 'ak',
                                               'OVH_APPLICATION_SECRET': 'as', 'OVH_CONSUMER_KEY': 'ck'})
    error = OvhApiError('GET', '/me', status=403, error_code=code, message=message)
    add_auth_hint(error, settings)
    assert fragment in str(error) and error.credentials_refused is refused
    assert error.as_dict()['hint'] == error.hint


def test_a_429_pauses_the_calls_that_start_meanwhile(fake):
    """Honouring 429 across threads: a call that starts while another waits out a 429 waits too (the concurrent
    GETs of a listing without expansion do not keep hammering the API)."""
    fake.fault(method='GET', path='/1.0/me', status=429, retry_after=7, times=1)
    sleeps = Recorder()
    client = make_client(fake, sleep=sleeps)
    client.get('/me')
    assert sleeps.waits == [7.0]
    client.get('/me')  # the recorder does not really sleep: the pause is still on
    assert len(sleeps.waits) == 2 and 6.0 < sleeps.waits[1] <= 7.0
    assert [r['status'] for r in api_requests(fake, '/1.0/me')] == [429, 200, 200]


# ---------------------------------------------------------------- a create whose answer may be lost

GROUPS = '/v2/iam/resourceGroup'


def groups_named(fake, api, name):
    return [g for g in api.get(GROUPS) if g['name'] == name]


def test_a_lost_create_that_landed_is_adopted_not_sent_again(fake):
    client = make_client(fake, sleep=Recorder())
    fake.fault(method='POST', path=GROUPS, status=503, apply=True)
    answer = client.post_reconciled(GROUPS, {'name': 'landed', 'resources': []},
                                    lambda error: (groups_named(fake, client, 'landed') or [None])[0])
    assert answer['name'] == 'landed'
    assert len([r for r in fake.requests() if r['method'] == 'POST']) == 1


def test_a_lost_create_that_did_not_land_is_resent_only_when_the_api_answered(fake):
    client = make_client(fake, sleep=Recorder())
    resends = []
    fake.fault(method='POST', path=GROUPS, status=503)
    answer = client.post_reconciled(GROUPS, {'name': 'resent', 'resources': []}, lambda error: None, resends=1,
                                    on_resend=lambda error, attempt: resends.append((error.status, attempt)))
    assert answer['name'] == 'resent' and resends == [(503, 1)]
    fake.fault(method='POST', path=GROUPS, status=0)
    with pytest.raises(OvhTransportError):  # no answer: the POST may still land, so it is not sent again
        client.post_reconciled(GROUPS, {'name': 'unanswered', 'resources': []}, lambda error: None, resends=1)
    assert len([r for r in fake.requests() if r['method'] == 'POST']) == 3


def test_only_errors_that_may_have_made_the_object_are_reconciled(fake):
    client = make_client(fake, sleep=Recorder())
    policy = {'name': 'taken', 'identities': [], 'resources': [{'urn': fake.account_urn()}],
              'permissions': {'allow': [{'action': 'account:apiovh:me/get'}]}}
    client.post('/v2/iam/policy', policy)
    looked = []
    with pytest.raises(OvhApiError) as info:
        client.post_reconciled('/v2/iam/policy', policy, looked.append)
    assert info.value.is_already_exists and looked == []  # a conflict made nothing: nothing to look for
    with pytest.raises(OvhApiError):
        client.post_reconciled('/v2/iam/policy', policy, looked.append, adopt_existing=True, resends=1)
    assert [error.status for error in looked] == [409]  # looked up, not found, and never resent
    assert len([r for r in fake.requests() if r['method'] == 'POST']) == 3
