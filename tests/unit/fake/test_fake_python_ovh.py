"""The official python-ovh client, unchanged, against the fake with both authentication schemes.

python-ovh only takes endpoint names, so the fake is registered under a name in ``ovh.client.ENDPOINTS``
and ``ovh.client.OAUTH2_TOKEN_URLS`` (ovh-api.md section 1); OAuth2 over plain http needs
OAUTHLIB_INSECURE_TRANSPORT=1.
"""

import time

import pytest

ovh = pytest.importorskip('ovh')

ENDPOINT_NAME = 'ovh-fake-test'
CLIENT_ACTION = 'account:apiovh:me/api/oauth2/client/'


@pytest.fixture
def endpoint(fake, monkeypatch):
    monkeypatch.setitem(ovh.client.ENDPOINTS, ENDPOINT_NAME, fake.info['endpoint'])
    monkeypatch.setitem(ovh.client.OAUTH2_TOKEN_URLS, ENDPOINT_NAME, fake.info['token_url'])
    monkeypatch.setenv('OAUTHLIB_INSECURE_TRANSPORT', '1')
    for name in ('OVH_ENDPOINT', 'OVH_APPLICATION_KEY', 'OVH_APPLICATION_SECRET', 'OVH_CONSUMER_KEY', 'OVH_CLIENT_ID', 'OVH_CLIENT_SECRET'):
        monkeypatch.delenv(name, raising=False)
    return ENDPOINT_NAME


@pytest.fixture
def owner(fake, endpoint):
    info = fake.info
    return ovh.Client(endpoint, application_key=info['application_key'], application_secret=info['application_secret'],
                      consumer_key=info['consumer_key'], config_file='/nonexistent/ovh.conf')


def service_account(endpoint, client_id, client_secret):
    return ovh.Client(endpoint, client_id=client_id, client_secret=client_secret, config_file='/nonexistent/ovh.conf')


def test_signed_me_and_time_sync(fake, owner):
    assert owner.get('/me')['nichandle'] == fake.nic
    assert [entry['path'] for entry in fake.log()] == ['/1.0/auth/time', '/1.0/me']


def test_signed_oauth2_client_crud(fake, owner):
    created = owner.post('/me/api/oauth2/client', name='deployer', description='CI', flow='CLIENT_CREDENTIALS', callbackUrls=[])
    client_id = created['clientId']
    assert owner.get('/me/api/oauth2/client') == [client_id]
    client = owner.get('/me/api/oauth2/client/' + client_id)
    assert client['identity'] == fake.identity_of(client_id) and 'clientSecret' not in client
    assert owner.put('/me/api/oauth2/client/' + client_id, name='deployer', description='changed', callbackUrls=[]) is None
    assert owner.get('/me/api/oauth2/client/' + client_id)['description'] == 'changed'
    assert owner.delete('/me/api/oauth2/client/' + client_id) is None
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        owner.get('/me/api/oauth2/client/' + client_id)


def test_signed_v2_policies_and_pagination(fake, owner):
    identity = fake.identity_of(owner.post('/me/api/oauth2/client', name='sa', description='d', flow='CLIENT_CREDENTIALS')['clientId'])
    created = owner.post('/v2/iam/policy', name='readers', identities=[identity], resources=[{'urn': fake.account_urn}],
                         permissions={'allow': [{'action': CLIENT_ACTION + 'get'}]})
    assert owner.get('/v2/iam/policy/' + created['id'])['name'] == 'readers'
    assert [policy['name'] for policy in owner.get('/v2/iam/policy', readOnly=False)] == ['readers']
    first = owner.raw_call('GET', '/v2/iam/policy', headers={'X-Pagination-Size': '1'})
    assert first.url == fake.url + '/v2/iam/policy' and len(first.json()) == 1
    second = owner.raw_call('GET', '/v2/iam/policy', headers={'X-Pagination-Size': '1', 'X-Pagination-Cursor': first.headers['X-Pagination-Cursor-Next']})
    assert second.json()[0]['id'] == created['id'] and 'X-Pagination-Cursor-Next' not in second.headers
    with pytest.raises(ovh.exceptions.BadParametersError) as error:
        owner.post('/v2/iam/policy', name='bad', identities=[identity], resources=[{'urn': '*'}], permissions={})
    assert error.value.response.json()['class'] == 'Client::BadRequest::INVALID_RESOURCE_URN'
    assert owner.delete('/v2/iam/policy/' + created['id']) is None


def test_signed_errors_map_to_python_ovh_exceptions(fake, endpoint):
    info = fake.info
    wrong_key = ovh.Client(endpoint, application_key='nope', application_secret=info['application_secret'],
                           consumer_key=info['consumer_key'], config_file='/nonexistent/ovh.conf')
    with pytest.raises(ovh.exceptions.InvalidKey):
        wrong_key.get('/me')
    wrong_consumer = ovh.Client(endpoint, application_key=info['application_key'], application_secret=info['application_secret'],
                                consumer_key='nope', config_file='/nonexistent/ovh.conf')
    with pytest.raises(ovh.exceptions.InvalidCredential):
        wrong_consumer.get('/me')


def test_oauth2_service_account_with_a_policy(fake, owner, endpoint):
    created = owner.post('/me/api/oauth2/client', name='sa', description='d', flow='CLIENT_CREDENTIALS', callbackUrls=[])
    owner.post('/v2/iam/policy', name='sa-clients', identities=[fake.identity_of(created['clientId'])],
               resources=[{'urn': fake.account_urn}], permissions={'allow': [{'action': CLIENT_ACTION + 'get'}]})
    account = service_account(endpoint, created['clientId'], created['clientSecret'])
    assert account.get('/me/api/oauth2/client') == [created['clientId']]
    assert account.get('/auth/details')['identities'] == [fake.identity_of(created['clientId'])]
    with pytest.raises(ovh.exceptions.APIError) as error:
        account.post('/me/api/oauth2/client', name='x', description='d', flow='CLIENT_CREDENTIALS')
    assert error.value.response.status_code == 403
    assert error.value.response.json()['details']['unauthorizedActionsByIAM'] == CLIENT_ACTION + 'create'
    with pytest.raises(ovh.exceptions.APIError):
        account.get('/v2/iam/policy')
    entries = fake.log()
    assert [entry['auth'] for entry in entries if entry['path'] == '/1.0/me/api/oauth2/client'][-2:] == ['oauth2', 'oauth2']
    assert sum(entry['path'] == '/auth/oauth2/token' for entry in entries) == 1


def test_oauth2_token_is_refreshed_when_it_expires(fake, owner, endpoint):
    fake.control('POST', 'token-ttl', {'seconds': 1})
    created = owner.post('/me/api/oauth2/client', name='sa', description='d', flow='CLIENT_CREDENTIALS')
    account = service_account(endpoint, created['clientId'], created['clientSecret'])
    assert account.get('/auth/details')['account'] == fake.nic
    time.sleep(1.6)  # oauthlib rounds the local expiry time to the second
    assert account.get('/auth/details')['account'] == fake.nic
    assert sum(entry['path'] == '/auth/oauth2/token' for entry in fake.log()) == 2


def test_oauth2_wrong_secret_is_an_oauth2_failure(owner, endpoint):
    created = owner.post('/me/api/oauth2/client', name='sa', description='d', flow='CLIENT_CREDENTIALS')
    with pytest.raises(ovh.exceptions.OAuth2FailureError) as error:
        service_account(endpoint, created['clientId'], 'wrong').get('/auth/details')
    assert 'invalid_client' in str(error.value)
