"""Behaviour of the fake OVH API over real HTTP: auth, IAM enforcement, routes, faults and control API."""

import re
import shutil
import subprocess
import time

import pytest
import requests

CLIENT_PATH = '/1.0/me/api/oauth2/client'
CLIENT_ACTION = 'account:apiovh:me/api/oauth2/client/'
POLICY_PATH = '/v2/iam/policy'


def error_of(response, status):
    assert response.status_code == status, response.text
    return response.json()


# -- startup and transport


def test_startup_line_describes_the_server(fake):
    info = fake.info
    assert re.match(r'^http://127\.0\.0\.1:\d+$', info['url'])
    assert info['endpoint'] == info['url'] + '/1.0'
    assert info['token_url'] == info['url'] + '/auth/oauth2/token'
    assert info['nic'] == 'xx1111-ovh'
    assert all(info[key] for key in ('application_key', 'application_secret', 'consumer_key'))


@pytest.mark.parametrize('prefix', ['/1.0', '/v1'])
def test_auth_time_is_public_and_tagged_with_a_query_id(fake, prefix):
    response = requests.get(fake.url + prefix + '/auth/time')
    assert response.status_code == 200
    assert abs(response.json() - time.time()) < 5
    assert re.match(r'^EU\.ext-\d\.', response.headers['X-Ovh-QueryID'])


def test_query_ids_are_unique(fake):
    ids = {requests.get(fake.url + '/1.0/auth/time').headers['X-Ovh-QueryID'] for _attempt in range(5)}
    assert len(ids) == 5


def test_unknown_path_is_404_and_wrong_method_is_405(fake):
    assert error_of(fake.signed('GET', '/1.0/nothing/here'), 404)['class'] == 'Client::NotFound'
    assert error_of(requests.get(fake.url + '/nothing'), 404)['class'] == 'Client::NotFound'
    assert error_of(fake.signed('PATCH', CLIENT_PATH), 405)['class'] == 'Client::MethodNotAllowed'


def test_keep_alive_serves_many_requests_over_one_connection(fake):
    session = requests.Session()
    for _attempt in range(5):
        assert session.get(fake.url + '/1.0/auth/time').status_code == 200
    fake.create_client()  # fake.http is a second connection
    assert fake.control('GET', 'stats') == {'connections': 2, 'requests': 6}
    session.close()


# -- classic signed requests


def test_signed_get_me(fake):
    me = fake.ok('GET', '/1.0/me')
    assert me['nichandle'] == fake.nic
    assert me['currency']['code'] == 'EUR'


def test_signed_auth_details_names_the_account(fake):
    details = fake.ok('GET', '/1.0/auth/details')
    assert details['account'] == fake.nic
    assert details['identities'] == ['urn:v1:eu:identity:account:xx1111-ovh']
    assert details['method'] == 'account'


def test_signed_post_and_query_string_are_part_of_the_signature(fake):
    fake.create_client()
    assert fake.signed('GET', POLICY_PATH + '?readOnly=true&details=false').status_code == 200


@pytest.mark.parametrize('credentials, status, code', [
    ({'application_key': 'unknown-key'}, 403, 'INVALID_KEY'),
    ({'consumer_key': 'unknown-consumer'}, 403, 'INVALID_CREDENTIAL'),
    ({'application_secret': 'wrong-secret'}, 400, 'INVALID_SIGNATURE'),
])
def test_signed_request_errors_are_auth_layer_bodies(fake, credentials, status, code):
    body = error_of(fake.signed('GET', '/1.0/me', **credentials), status)
    assert body['errorCode'] == code
    assert body['httpCode'] == {400: '400 Bad Request', 403: '403 Forbidden'}[status]
    assert body['message']


def test_tampered_body_breaks_the_signature(fake):
    response = fake.signed('POST', CLIENT_PATH, {'name': 'a', 'description': 'b', 'flow': 'CLIENT_CREDENTIALS'})
    assert response.status_code == 200
    prepared = response.request
    prepared.body = prepared.body.replace('"a"', '"z"')
    assert error_of(fake.http.send(prepared), 400)['errorCode'] == 'INVALID_SIGNATURE'


def test_missing_authentication(fake):
    assert error_of(requests.get(fake.url + '/1.0/me'), 401) == {'class': 'Client::Unauthorized', 'message': 'You must login first'}
    only_key = requests.get(fake.url + '/1.0/me', headers={'X-Ovh-Application': fake.info['application_key']})
    assert error_of(only_key, 403)['errorCode'] == 'NOT_CREDENTIAL'


def test_clock_skew_refuses_local_timestamps_and_moves_auth_time(fake):
    fake.control('POST', 'clock', {'skew_s': 600})
    server_time = requests.get(fake.url + '/1.0/auth/time').json()
    assert abs(server_time - (time.time() + 600)) < 5
    assert error_of(fake.signed('GET', '/1.0/me'), 400)['errorCode'] == 'QUERY_TIME_OUT'
    assert fake.signed('GET', '/1.0/me', timestamp=server_time).status_code == 200
    fake.control('POST', 'clock', {'skew_s': 0})
    assert fake.signed('GET', '/1.0/me', timestamp=int(time.time()) - 301).status_code == 400
    assert fake.signed('GET', '/1.0/me', timestamp=int(time.time()) - 250).status_code == 200


# -- OAuth2 token endpoint and bearer tokens


@pytest.mark.parametrize('basic', [True, False], ids=['basic-auth', 'form-fields'])
def test_token_endpoint_accepts_basic_auth_and_form_fields(fake, basic):
    client = fake.create_client()
    response = fake.token_response(client['clientId'], client['clientSecret'], basic=basic)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body['token_type'] == 'Bearer' and body['scope'] == 'all' and body['expires_in'] == 3599
    assert fake.bearer(body['access_token'], 'GET', '/1.0/auth/details').json()['identities'] == [fake.identity_of(client['clientId'])]


@pytest.mark.parametrize('scope', [None, '', 'openid', 'all openid'])
def test_token_endpoint_requires_scope_all(fake, scope):
    client = fake.create_client()
    assert error_of(fake.token_response(client['clientId'], client['clientSecret'], scope=scope), 400)['error'] == 'invalid_scope'


def test_token_endpoint_refuses_unknown_clients_and_wrong_secrets(fake):
    client = fake.create_client()
    for client_id, secret in ((client['clientId'], 'wrong'), ('EU.0000000000000000', client['clientSecret'])):
        body = error_of(fake.token_response(client_id, secret), 401)
        assert body == {'error': 'invalid_client', 'error_description': 'ovhcloud oauth2 client does not exists'}


def test_token_endpoint_refuses_other_grants_and_authorization_code_clients(fake):
    client = fake.create_client()
    response = requests.post(fake.info['token_url'], data={'grant_type': 'password', 'scope': 'all'},
                             auth=(client['clientId'], client['clientSecret']))
    assert error_of(response, 400)['error'] == 'unsupported_grant_type'
    web = fake.create_client(flow='AUTHORIZATION_CODE', callback_urls=['https://app.example.com/cb'])
    assert error_of(fake.token_response(web['clientId'], web['clientSecret']), 400)['error'] == 'unauthorized_client'


def test_unknown_bearer_token_is_401(fake):
    body = error_of(fake.bearer('not-a-token', 'GET', '/1.0/auth/details'), 401)
    assert body['class'] == 'Client::Unauthorized'


def test_tokens_expire_with_the_ttl_and_the_clock(fake):
    fake.control('POST', 'token-ttl', {'seconds': 60})
    client = fake.create_client()
    response = fake.token_response(client['clientId'], client['clientSecret'])
    assert response.json()['expires_in'] == 60
    token = response.json()['access_token']
    assert fake.bearer(token, 'GET', '/1.0/auth/details').status_code == 200
    fake.control('POST', 'clock', {'skew_s': 61})
    assert fake.bearer(token, 'GET', '/1.0/auth/details').status_code == 401


def test_expire_tokens_expires_every_issued_token(fake):
    _client, token = fake.service_account()
    assert fake.bearer(token, 'GET', '/1.0/auth/details').status_code == 200
    assert fake.control('POST', 'expire-tokens') == {'expired': 1}
    assert fake.bearer(token, 'GET', '/1.0/auth/details').status_code == 401


def test_deleting_a_client_revokes_its_tokens(fake):
    client, token = fake.service_account()
    fake.ok('DELETE', CLIENT_PATH + '/' + client['clientId'])
    assert fake.bearer(token, 'GET', '/1.0/auth/details').status_code == 401
    assert fake.token_response(client['clientId'], client['clientSecret']).status_code == 401


# -- IAM enforcement for service accounts


def test_service_account_without_policy_is_forbidden_with_the_action(fake):
    _client, token = fake.service_account()
    body = error_of(fake.bearer(token, 'GET', CLIENT_PATH), 403)
    assert body == {'class': 'Client::Forbidden', 'message': 'User not granted for this request',
                    'details': {'unauthorizedActionsByIAM': CLIENT_ACTION + 'get', 'unauthorizedActionsByAuthentication': ''}}


def test_allowed_action_only_opens_that_action(fake):
    _client, token = fake.service_account(allow=[CLIENT_ACTION + 'get'])
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 200
    denied = fake.bearer(token, 'POST', CLIENT_PATH, {'name': 'n', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'})
    assert error_of(denied, 403)['details']['unauthorizedActionsByIAM'] == CLIENT_ACTION + 'create'
    assert error_of(fake.bearer(token, 'GET', POLICY_PATH), 403)['details']['unauthorizedActionsByIAM'] == 'account:apiovh:iam/policy/get'


@pytest.mark.parametrize('pattern', ['*', 'account:*', 'account:apiovh:*', '*:apiovh:*', CLIENT_ACTION + '*'])
def test_wildcard_actions(fake, pattern):
    _client, token = fake.service_account(allow=[pattern])
    assert fake.bearer(token, 'POST', CLIENT_PATH, {'name': 'n', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'}).status_code == 200
    expected = 200 if pattern in ('*', 'account:*', 'account:apiovh:*', '*:apiovh:*') else 403
    assert fake.bearer(token, 'GET', POLICY_PATH).status_code == expected


def test_except_subtracts_from_allow(fake):
    _client, token = fake.service_account(
        allow=[CLIENT_ACTION + '*'], permissions={'allow': [{'action': CLIENT_ACTION + '*'}], 'except': [{'action': CLIENT_ACTION + 'delete'}]})
    created = fake.create_client(name='victim')
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 200
    assert fake.bearer(token, 'DELETE', CLIENT_PATH + '/' + created['clientId']).status_code == 403


def test_deny_in_any_policy_wins(fake):
    client, token = fake.service_account(allow=['account:apiovh:*'])
    identity = fake.identity_of(client['clientId'])
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 200
    fake.ok('POST', POLICY_PATH, fake.policy_body([identity], name='deny-list', permissions={'deny': [{'action': CLIENT_ACTION + 'get'}]}))
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 403
    assert fake.bearer(token, 'GET', POLICY_PATH).status_code == 200


def test_permissions_groups_grant_their_permissions(fake):
    client, token = fake.service_account()
    group = fake.ok('POST', '/v2/iam/permissionsGroup', {
        'name': 'client-readers', 'description': 'read clients', 'permissions': {'allow': [{'action': CLIENT_ACTION + 'get'}]}})
    fake.ok('POST', POLICY_PATH, fake.policy_body([fake.identity_of(client['clientId'])], permissionsGroups=[{'urn': group['urn']}]))
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 200
    assert fake.bearer(token, 'GET', POLICY_PATH).status_code == 403


@pytest.mark.parametrize('resource, status', [
    ('urn:v1:eu:resource:account:xx1111-ovh', 200),
    ('urn:v1:eu:resource:account:*', 200),
    ('urn:v1:eu:resource:*:*', 200),
    ('urn:v1:eu:resource:vps:*', 403),
    ('urn:v1:eu:resource:account:someone-else', 403),
])
def test_policy_resources_must_cover_the_account(fake, resource, status):
    _client, token = fake.service_account(allow=[CLIENT_ACTION + 'get'], resources=[resource])
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == status


def test_resource_groups_holding_the_account_cover_it(fake):
    state = fake.control('GET', 'state')
    account = [item for item in state['resources'] if item['type'] == 'account'][0]
    vps = [item for item in state['resources'] if item['type'] == 'vps'][0]
    with_account = fake.ok('POST', '/v2/iam/resourceGroup', {'name': 'with-account', 'resources': [{'id': account['id']}]})
    without = fake.ok('POST', '/v2/iam/resourceGroup', {'name': 'vps-only', 'resources': [{'id': vps['id']}]})
    _client, token = fake.service_account(allow=[CLIENT_ACTION + 'get'], resources=[without['urn']])
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 403
    _client, token = fake.service_account(allow=[CLIENT_ACTION + 'get'], resources=[with_account['urn']])
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 200


def test_wildcard_identities_and_expired_policies(fake):
    client, token = fake.service_account()
    fake.grant('urn:v1:eu:identity:credential:xx1111-ovh/*', [CLIENT_ACTION + 'get'], expiredAt='2001-01-01T00:00:00Z')
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 403
    policy = fake.grant('urn:v1:eu:identity:credential:xx1111-ovh/*', [CLIENT_ACTION + 'get'], expiredAt='2999-01-01T00:00:00+02:00')
    assert policy['expiredAt'] == '2998-12-31T22:00:00Z'
    assert fake.bearer(token, 'GET', CLIENT_PATH).status_code == 200
    assert fake.log()[-1]['identity'] == fake.identity_of(client['clientId'])


def test_routes_without_iam_actions_are_open_to_any_identity(fake):
    _client, token = fake.service_account()
    for path in ('/1.0/auth/details', '/v2/iam/resource', '/v2/iam/reference/action', '/v2/iam/reference/resource/type'):
        assert fake.bearer(token, 'GET', path).status_code == 200, path
    # GET /me has x-iam-actions account:apiovh:me/get in me.json: a service account needs it.
    assert error_of(fake.bearer(token, 'GET', '/1.0/me'), 403)['details']['unauthorizedActionsByIAM'] == 'account:apiovh:me/get'


# -- /me/api/oauth2/client


def test_client_lifecycle(fake):
    created = fake.create_client(name='deployer', description='CI deployer')
    assert set(created) == {'clientId', 'clientSecret'}
    client_id = created['clientId']
    assert re.match(r'^EU\.[0-9a-f]{16}$', client_id)
    assert fake.ok('GET', CLIENT_PATH) == [client_id]
    client = fake.ok('GET', CLIENT_PATH + '/' + client_id)
    assert client['identity'] == 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-' + client_id
    assert client['name'] == 'deployer' and client['flow'] == 'CLIENT_CREDENTIALS' and client['callbackUrls'] == []
    assert 'clientSecret' not in client and created['clientSecret'] not in fake.signed('GET', CLIENT_PATH + '/' + client_id).text
    assert fake.ok('PUT', CLIENT_PATH + '/' + client_id, {'description': 'renamed', 'flow': 'AUTHORIZATION_CODE', 'clientId': 'x'}) is None
    edited = fake.ok('GET', CLIENT_PATH + '/' + client_id)
    assert (edited['name'], edited['description'], edited['flow'], edited['clientId']) == ('deployer', 'renamed', 'CLIENT_CREDENTIALS', client_id)
    assert fake.ok('DELETE', CLIENT_PATH + '/' + client_id) is None
    assert fake.ok('GET', CLIENT_PATH) == []


def test_client_names_need_not_be_unique(fake):
    first, second = fake.create_client(name='same'), fake.create_client(name='same')
    assert first['clientId'] != second['clientId']
    assert len(fake.ok('GET', CLIENT_PATH)) == 2


def test_authorization_code_clients_need_callback_urls(fake):
    web = fake.create_client(flow='AUTHORIZATION_CODE', callback_urls=['https://app.example.com/cb'])
    assert fake.ok('GET', CLIENT_PATH + '/' + web['clientId'])['callbackUrls'] == ['https://app.example.com/cb']
    emptied = fake.signed('PUT', CLIENT_PATH + '/' + web['clientId'], {'callbackUrls': []})
    assert 'callbackUrls' in error_of(emptied, 400)['message']


@pytest.mark.parametrize('body, field', [
    ({'description': 'd', 'flow': 'CLIENT_CREDENTIALS'}, 'name'),
    ({'name': 'n', 'flow': 'CLIENT_CREDENTIALS'}, 'description'),
    ({'name': 'n', 'description': 'd'}, 'flow'),
    ({'name': 'n', 'description': 'd', 'flow': 'IMPLICIT'}, 'flow'),
    ({'name': 5, 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'}, 'name'),
    ({'name': 'n', 'description': 'd', 'flow': 'AUTHORIZATION_CODE'}, 'callbackUrls'),
    ({'name': 'n', 'description': 'd', 'flow': 'AUTHORIZATION_CODE', 'callbackUrls': ['not a url']}, 'callbackUrls.0'),
    ({'name': 'n', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': 'x'}, 'callbackUrls'),
])
def test_client_creation_validation_names_the_field(fake, body, field):
    error = error_of(fake.signed('POST', CLIENT_PATH, body), 400)
    assert error['class'] == 'Client::BadRequest'
    assert error['message'].startswith('[%s]' % field)


def test_invalid_json_body_is_400(fake):
    response = fake.http.post(fake.url + CLIENT_PATH, data='{oops', headers={'Authorization': 'Bearer x'})
    assert response.status_code == 401  # authentication comes first
    assert error_of(fake.signed('POST', '/v2/iam/policy', body=['not', 'an', 'object']), 400)['class'] == 'Client::BadRequest'


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_unknown_client_is_404(fake, method):
    body = error_of(fake.signed(method, CLIENT_PATH + '/EU.0123456789abcdef', {} if method == 'PUT' else None), 404)
    assert body['class'] == 'Client::NotFound' and 'EU.0123456789abcdef' in body['message']


def test_expanded_client_list_pages(fake):
    ids = [fake.create_client(name='c%d' % index)['clientId'] for index in range(5)]
    headers = {'X-Pagination-Mode': 'CachedObjectList-Pages', 'X-Pagination-Size': '2', 'X-Pagination-Number': '2'}
    response = fake.signed('GET', CLIENT_PATH, headers=headers)
    assert [client['clientId'] for client in response.json()] == ids[2:4]
    assert response.json()[0]['identity'] == fake.identity_of(ids[2])
    assert (response.headers['X-Pagination-Elements'], response.headers['X-Pagination-Number'], response.headers['X-Pagination-Size']) == ('5', '2', '2')
    everything = fake.signed('GET', CLIENT_PATH, headers={'X-Pagination-Mode': 'CachedObjectList-Pages'})
    assert [client['clientId'] for client in everything.json()] == ids
    bad = fake.signed('GET', CLIENT_PATH, headers=dict(headers, **{'X-Pagination-Number': '0'}))
    assert bad.status_code == 400
    assert fake.log()[-2]['pagination'] == {'X-Pagination-Mode': 'CachedObjectList-Pages'}


def test_no_expansion_flag_region_and_cli_latency(start_fake):
    other = start_fake('--no-expansion', '--region', 'ca', '--nic', 'ab123-ovh', '--latency-ms', '150').client()
    assert other.info['nic'] == 'ab123-ovh' and other.region == 'ca'
    created = other.create_client()
    assert created['clientId'].startswith('CA.')
    assert other.ok('GET', CLIENT_PATH + '/' + created['clientId'])['identity'] == 'urn:v1:ca:identity:credential:ab123-ovh/oauth2-' + created['clientId']
    response = other.signed('GET', CLIENT_PATH, headers={'X-Pagination-Mode': 'CachedObjectList-Pages'})
    assert response.json() == [created['clientId']] and 'X-Pagination-Elements' not in response.headers
    assert response.elapsed.total_seconds() >= 0.15
    policies = other.ok('GET', POLICY_PATH)
    assert policies[0]['identities'] == ['urn:v1:ca:identity:account:ab123-ovh']


# -- /v2/iam/policy


def test_seeded_ovh_default_policy_is_read_only(fake):
    policies = fake.ok('GET', POLICY_PATH)
    assert [policy['name'] for policy in policies] == ['ovh-default']
    default = policies[0]
    assert default['readOnly'] is True and default['owner'] == fake.nic
    assert default['identities'] == ['urn:v1:eu:identity:account:xx1111-ovh']
    assert default['resources'][0]['urn'].startswith('urn:v1:eu:resourceGroup:')
    assert default['permissions'] == {'allow': [{'action': '*'}]}
    body = fake.policy_body(['urn:v1:eu:identity:account:xx1111-ovh'], ['*'], name='anything')
    assert error_of(fake.signed('PUT', POLICY_PATH + '/' + default['id'], body), 403)['class'] == 'Client::Forbidden'
    assert error_of(fake.signed('DELETE', POLICY_PATH + '/' + default['id']), 403)['class'] == 'Client::Forbidden'


def test_policy_lifecycle(fake):
    client = fake.create_client()
    identity = fake.identity_of(client['clientId'])
    body = fake.policy_body([identity], [CLIENT_ACTION + 'get'], name='readers', description='can read',
                            expiredAt='2999-12-31T23:59:59Z', conditions={'operator': 'MATCH', 'values': {'request.IP': '10.0.0.0/8'}})
    created = fake.ok('POST', POLICY_PATH, body)
    assert re.match(r'^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$', created['id'])
    assert (created['owner'], created['readOnly'], created['description']) == (fake.nic, False, 'can read')
    assert created['permissionsGroups'] == [] and 'updatedAt' not in created and created['createdAt'].endswith('Z')
    assert fake.ok('GET', POLICY_PATH + '/' + created['id']) == created
    replaced = fake.ok('PUT', POLICY_PATH + '/' + created['id'], fake.policy_body([identity], ['account:apiovh:iam/policy/get'], name='renamed'))
    assert replaced['name'] == 'renamed' and replaced['createdAt'] == created['createdAt'] and replaced['updatedAt']
    assert 'description' not in replaced and 'expiredAt' not in replaced and 'conditions' not in replaced
    assert fake.ok('DELETE', POLICY_PATH + '/' + created['id']) is None
    assert error_of(fake.signed('GET', POLICY_PATH + '/' + created['id']), 404)['class'] == 'Client::NotFound'


def test_policy_list_filters(fake):
    first, second = fake.create_client(), fake.create_client()
    one, two = fake.identity_of(first['clientId']), fake.identity_of(second['clientId'])
    fake.ok('POST', POLICY_PATH, fake.policy_body([one], [CLIENT_ACTION + 'get'], name='p1'))
    fake.ok('POST', POLICY_PATH, fake.policy_body([two], ['vps:apiovh:reboot'], ['urn:v1:eu:resource:vps:*'], name='p2'))

    def names(query):
        return sorted(policy['name'] for policy in fake.ok('GET', POLICY_PATH + query))
    assert names('?identity=' + one) == ['p1']
    assert names('?identity=%s&identity=%s' % (one, two)) == ['p1', 'p2']
    assert names('?identity%5B%5D=' + two) == ['p2']
    assert names('?resourceURN=urn:v1:eu:resource:vps:*') == ['p2']
    assert names('?action=vps:apiovh:reboot') == ['p2']
    assert names('?readOnly=true') == ['ovh-default']
    assert names('?readOnly=false') == ['p1', 'p2']
    assert error_of(fake.signed('GET', POLICY_PATH + '?readOnly=maybe'), 400)['message'].startswith('Invalid value for query parameter readOnly')
    detailed = fake.ok('GET', POLICY_PATH + '?details=true&identity=' + one)[0]
    assert detailed['resources'][0]['resource']['type'] == 'account'
    assert 'resource' not in fake.ok('GET', POLICY_PATH + '?identity=' + one)[0]['resources'][0]


def test_policy_cursor_pagination(fake):
    fake.control('POST', 'seed', {'policies': 249})
    seen, cursor, pages = [], None, 0
    while True:
        headers = {'X-Pagination-Cursor': cursor} if cursor else {}
        response = fake.signed('GET', POLICY_PATH, headers=headers)
        seen.extend(policy['id'] for policy in response.json())
        pages += 1
        cursor = response.headers.get('X-Pagination-Cursor-Next')
        if not cursor:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 250
    small = fake.signed('GET', POLICY_PATH + '?readOnly=false', headers={'X-Pagination-Size': '7'})
    assert len(small.json()) == 7 and small.headers['X-Pagination-Cursor-Next']
    assert fake.log()[-1]['pagination'] == {'X-Pagination-Size': '7'}
    assert error_of(fake.signed('GET', POLICY_PATH, headers={'X-Pagination-Cursor': 'garbage!'}), 400)['message'] == 'invalid cursor'
    assert fake.signed('GET', POLICY_PATH, headers={'X-Pagination-Size': '0'}).status_code == 400


@pytest.mark.parametrize('resource', ['*', 'urn:v1:eu:resource:vps', 'urn:v1:eu:resource:v*s:name', 'urn:v1:eu:resource:vps:a*b',
                                      'urn:v1:xx:resource:vps:name', 'urn:v1:eu:identity:account:xx1111-ovh', ''])
def test_invalid_resource_urns_are_refused(fake, resource):
    body = fake.policy_body([fake.identity_of('EU.0000000000000000')], ['*'], [resource])
    error = error_of(fake.signed('POST', POLICY_PATH, body), 400)
    assert error['class'] == 'Client::BadRequest::INVALID_RESOURCE_URN'
    assert error['message'].endswith('expected urn:v1:region:(resource|resourceGroup):(*|group_id|resource_type):(*|resource_name)')


@pytest.mark.parametrize('resource', ['urn:v1:eu:resource:vps:*', 'urn:v1:eu:resource:vps:vps-*', 'urn:v1:eu:resource:*:*',
                                      'urn:v1:ca:resource:dnsZone:*.example.com', 'urn:v1:eu:resourceGroup:*',
                                      'urn:v1:us:resource:publicCloudProject:0123456789abcdef0123456789abcdef'])
def test_valid_resource_urns_are_accepted(fake, resource):
    assert fake.signed('POST', POLICY_PATH, fake.policy_body([fake.identity_of('EU.0000000000000000')], ['*'], [resource])).status_code == 200


@pytest.mark.parametrize('change, field', [
    ({'identities': ['xx1111-ovh']}, 'identities.0'),
    ({'identities': ['urn:v1:eu:identity:robot:xx1111-ovh/r2']}, 'identities.0'),
    ({'identities': ['urn:v1:eu:identity:user:xx1111-ovh']}, 'identities.0'),
    ({'permissions': {'allow': [{'action': 'me/get'}]}}, 'permissions.allow.0.action'),
    ({'permissions': {'deny': [{'action': 'account:get'}]}}, 'permissions.deny.0.action'),
    ({'permissions': {'allow': [{}]}}, 'permissions.allow.0.action'),
    ({'name': 'ovh-mine'}, 'name'),
    ({'name': None}, 'name'),
    ({'identities': None}, 'identities'),
    ({'resources': None}, 'resources'),
    ({'permissions': None}, 'permissions'),
    ({'expiredAt': 'tomorrow'}, 'expiredAt'),
    ({'expiredAt': '2030-01-01T00:00:00'}, 'expiredAt'),
    ({'conditions': {'operator': 'XOR'}}, 'conditions.operator'),
    ({'conditions': {'operator': 'AND', 'conditions': [{'operator': 'NAND'}]}}, 'conditions.conditions.0.operator'),
    ({'conditions': {'operator': 'MATCH', 'values': {'request.IP': 1}}}, 'conditions.values'),
    ({'permissions': {'allow': 'everything'}}, 'permissions.allow'),
    ({'permissionsGroups': [{'urn': 'urn:v1:eu:permissionsGroup:xx1111-ovh:missing'}]}, 'permissionsGroups.0.urn'),
])
def test_policy_validation_names_the_field(fake, change, field):
    body = fake.policy_body(['urn:v1:eu:identity:group:xx1111-ovh/admins'], ['*'])
    body.update(change)
    error = error_of(fake.signed('POST', POLICY_PATH, body), 400)
    assert error['class'] in ('Client::BadRequest::INVALID_FORMAT', 'Client::BadRequest::MISSING_PARAMETER')
    assert error['message'].startswith('[%s]' % field), error['message']


def test_policy_accepts_every_identity_kind_and_action_form(fake):
    identities = ['urn:v1:eu:identity:account:xx1111-ovh', 'urn:v1:eu:identity:user:xx1111-ovh/alice',
                  'urn:v1:eu:identity:group:xx1111-ovh/admin@example.com', 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.1']
    actions = ['*', 'webHosting:*', 'account:apiovh:*', '*:apiovh:*', 'dnsZone:apiovh:record/*',
               'publicCloudProject:openstack:administrator', 'publicCloudProject:ai:aiTrainingRead']
    body = fake.policy_body(identities, actions, permissionsGroups=[{'urn': 'urn:v1:eu:permissionsGroup:ovh:globalAdmin'}])
    created = fake.ok('POST', POLICY_PATH, body)
    assert created['identities'] == identities
    assert [entry['action'] for entry in created['permissions']['allow']] == actions
    detailed = fake.ok('GET', POLICY_PATH + '/' + created['id'] + '?details=true')
    assert detailed['permissionsGroups'][0]['owner'] == 'ovh'


def test_policy_names_are_unique_and_have_a_format(fake):
    body = fake.policy_body(['urn:v1:eu:identity:group:xx1111-ovh/admins'], ['*'], name='twice')
    first = fake.ok('POST', POLICY_PATH, body)
    error = error_of(fake.signed('POST', POLICY_PATH, body), 409)
    assert error['class'] == 'Client::Conflict::POLICY_ALREADY_EXISTS'
    other = fake.ok('POST', POLICY_PATH, dict(body, name='other'))
    assert error_of(fake.signed('PUT', POLICY_PATH + '/' + other['id'], body), 409)['class'].endswith('POLICY_ALREADY_EXISTS')
    assert fake.ok('PUT', POLICY_PATH + '/' + first['id'], body)['name'] == 'twice'  # its own name is no clash
    for name, code in (('with space', 'INVALID_FORMAT'), ('nul\x00', 'INVALID_FORMAT'), ('x' * 256, 'PARAMETER_TOO_LONG')):
        assert error_of(fake.signed('POST', POLICY_PATH, dict(body, name=name)), 400)['class'] == 'Client::BadRequest::' + code
    assert fake.ok('POST', POLICY_PATH, dict(body, name='a-b_c/d+e'))['name'] == 'a-b_c/d+e'


# -- other IAM routes


def test_resources_list_filters_and_lookup(fake):
    resources = fake.ok('GET', '/v2/iam/resource')
    assert fake.account_urn in [item['urn'] for item in resources]
    assert {item['type'] for item in resources} >= {'account', 'vps', 'dnsZone', 'publicCloudProject'}
    assert [item['type'] for item in fake.ok('GET', '/v2/iam/resource?resourceType=dnsZone')] == ['dnsZone']
    assert [item['name'] for item in fake.ok('GET', '/v2/iam/resource?resourceName=example.com&resourceName=nope')] == ['example.com']
    assert len(fake.ok('GET', '/v2/iam/resource?resourceURN=' + fake.account_urn)) == 1
    staging = fake.ok('GET', '/v2/iam/resource?tags=' + requests.utils.quote('{"environment":[{"operator":"EQ","value":"staging"}]}'))
    assert sorted(item['type'] for item in staging) == ['publicCloudProject', 'vps']
    like = fake.ok('GET', '/v2/iam/resource?tags=' + requests.utils.quote('{"environment":[{"operator":"LIKE","value":"prod%"}]}'))
    assert len(like) == 2
    assert fake.signed('GET', '/v2/iam/resource?tags=notjson').status_code == 400
    account = fake.ok('GET', '/v2/iam/resource/' + requests.utils.quote(fake.account_urn, safe=''))
    assert account['type'] == 'account' and account['owner'] == fake.nic
    assert fake.signed('GET', '/v2/iam/resource/urn:v1:eu:resource:vps:missing').status_code == 404


def test_resources_are_paginated(fake):
    fake.control('POST', 'seed', {'resources': 10})
    first = fake.signed('GET', '/v2/iam/resource', headers={'X-Pagination-Size': '10'})
    second = fake.signed('GET', '/v2/iam/resource', headers={'X-Pagination-Cursor': first.headers['X-Pagination-Cursor-Next']})
    assert len(first.json()) == 10 and len(second.json()) == 5 and 'X-Pagination-Cursor-Next' not in second.headers


def test_reference_actions_and_resource_types(fake):
    account = fake.ok('GET', '/v2/iam/reference/action?resourceType=account', headers={'X-Pagination-Size': '1000'})
    names = {item['action'] for item in account}
    for operation in ('get', 'create', 'edit', 'delete'):
        assert CLIENT_ACTION + operation in names
        assert 'account:apiovh:iam/policy/' + operation in names
    assert all(item['resourceType'] == 'account' for item in account)
    creating = [item for item in account if item['action'] == CLIENT_ACTION + 'create'][0]
    assert creating['categories'] == ['CREATE'] and creating['hasQueryParameters'] is False
    cloud = {item['action'] for item in fake.ok('GET', '/v2/iam/reference/action?resourceType%5B%5D=publicCloudProject')}
    assert 'publicCloudProject:openstack:objectstoreOperator' in cloud and 'publicCloudProject:ai:aiTrainingOperator' in cloud
    first_page = fake.signed('GET', '/v2/iam/reference/action')
    assert len(first_page.json()) == 100 and first_page.headers['X-Pagination-Cursor-Next']
    types = fake.ok('GET', '/v2/iam/reference/resource/type')
    assert {'account', 'vps', 'dnsZone', 'publicCloudProject'} <= set(types)


def test_permissions_group_lifecycle(fake):
    groups = fake.ok('GET', '/v2/iam/permissionsGroup')
    assert [group['urn'] for group in groups] == ['urn:v1:eu:permissionsGroup:ovh:globalAdmin']
    body = {'name': 'dns operators', 'description': 'edit records', 'permissions': {'allow': [{'action': 'dnsZone:apiovh:record/*'}]}}
    created = fake.ok('POST', '/v2/iam/permissionsGroup', body)
    assert created['urn'] == 'urn:v1:eu:permissionsGroup:xx1111-ovh:dns-operators' and created['owner'] == fake.nic
    assert fake.signed('POST', '/v2/iam/permissionsGroup', body).status_code == 409
    path = '/v2/iam/permissionsGroup/' + requests.utils.quote(created['urn'], safe='')
    assert fake.ok('GET', path) == created
    edited = fake.ok('PUT', path, dict(body, description='changed'))
    assert edited['description'] == 'changed' and edited['urn'] == created['urn']
    fake.ok('POST', POLICY_PATH, fake.policy_body(['urn:v1:eu:identity:group:xx1111-ovh/ops'], permissionsGroups=[{'urn': created['urn']}]))
    assert fake.ok('DELETE', path) is None
    assert fake.signed('GET', path).status_code == 404
    assert fake.ok('GET', POLICY_PATH + '?readOnly=false')[0]['permissionsGroups'] == []
    ovh = '/v2/iam/permissionsGroup/urn:v1:eu:permissionsGroup:ovh:globalAdmin'
    assert fake.signed('DELETE', ovh).status_code == 403
    assert fake.signed('PUT', ovh, body).status_code == 403
    assert error_of(fake.signed('POST', '/v2/iam/permissionsGroup', {'name': 'x', 'permissions': {}}), 400)['message'].startswith('[description]')


def test_resource_group_lifecycle(fake):
    groups = fake.ok('GET', '/v2/iam/resourceGroup')
    assert len(groups) == 1 and groups[0]['readOnly'] is True and groups[0]['name'] == 'ovh-default'
    resources = {item['type']: item for item in fake.ok('GET', '/v2/iam/resource')}
    created = fake.ok('POST', '/v2/iam/resourceGroup', {'name': 'web', 'resources': [{'id': resources['vps']['id']}]})
    assert created['urn'] == 'urn:v1:eu:resourceGroup:' + created['id'] and created['readOnly'] is False
    path = '/v2/iam/resourceGroup/' + created['id']
    detailed = fake.ok('GET', path + '?details=true')
    assert detailed['resources'][0]['type'] == 'vps' and detailed['resources'][0]['name'] == resources['vps']['name']
    edited = fake.ok('PUT', path, {'name': 'dns', 'resources': [{'urn': resources['dnsZone']['urn']}]})
    assert edited['name'] == 'dns' and edited['resources'] == [{'id': resources['dnsZone']['id'], 'urn': resources['dnsZone']['urn']}]
    assert error_of(fake.signed('PUT', path, {'name': 'dns'}), 400)['message'].startswith('[resources]')
    assert fake.signed('POST', '/v2/iam/resourceGroup', {'name': 'bad', 'resources': [{'id': 'nope'}]}).status_code == 400
    assert fake.ok('DELETE', path) is None
    assert fake.signed('GET', path).status_code == 404
    assert fake.signed('DELETE', '/v2/iam/resourceGroup/' + groups[0]['id']).status_code == 403


# -- fault injection


def test_status_fault_answers_once_then_clears(fake):
    fake.control('POST', 'faults', {'method': 'GET', 'path': CLIENT_PATH, 'status': 503})
    body = error_of(fake.signed('GET', CLIENT_PATH), 503)
    assert body['class'] == 'Server::ServiceUnavailable'
    assert fake.signed('GET', CLIENT_PATH).status_code == 200
    entries = fake.log()
    assert [(entry['status'], entry['fault']) for entry in entries] == [(503, True), (200, False)]


def test_fault_with_retry_after_and_times(fake):
    fake.control('POST', 'faults', {'method': 'GET', 'path': '/1.0/me*', 'status': 429, 'retry_after': 2, 'times': 2})
    for _attempt in range(2):
        response = fake.signed('GET', '/1.0/me')
        assert response.status_code == 429 and response.headers['Retry-After'] == '2'
        assert response.json()['class'] == 'Client::TooManyRequests'
    assert fake.signed('GET', '/1.0/me').status_code == 200


def test_fault_matches_method_and_glob(fake):
    fake.control('POST', 'faults', {'method': 'DELETE', 'path': CLIENT_PATH + '/*', 'status': 500})
    created = fake.create_client()
    assert fake.signed('GET', CLIENT_PATH + '/' + created['clientId']).status_code == 200
    assert fake.signed('DELETE', CLIENT_PATH + '/' + created['clientId']).status_code == 500
    assert fake.ok('GET', CLIENT_PATH) == [created['clientId']]


def test_fault_delay(fake):
    fake.control('POST', 'faults', {'method': '*', 'path': '/1.0/auth/time', 'status': 200, 'delay_ms': 300, 'apply': True})
    started = time.time()
    response = requests.get(fake.url + '/1.0/auth/time')
    assert time.time() - started >= 0.3
    assert response.status_code == 200 and isinstance(response.json(), int)


def test_apply_true_carries_the_request_out_then_fails(fake):
    fake.control('POST', 'faults', {'method': 'POST', 'path': CLIENT_PATH, 'status': 502, 'apply': True})
    response = fake.signed('POST', CLIENT_PATH, {'name': 'ghost', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'})
    assert error_of(response, 502)['class'] == 'Server::BadGateway'
    assert 'clientSecret' not in response.text
    assert [client['name'] for client in fake.control('GET', 'state')['clients']] == ['ghost']
    assert fake.log()[-1]['identity'] == 'urn:v1:eu:identity:account:xx1111-ovh'


def test_status_zero_closes_the_connection_without_answer(fake):
    fake.control('POST', 'faults', {'method': 'POST', 'path': CLIENT_PATH, 'status': 0, 'apply': True})
    with pytest.raises(requests.ConnectionError):
        fake.signed('POST', CLIENT_PATH, {'name': 'lost', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'})
    assert len(fake.ok('GET', CLIENT_PATH)) == 1
    assert fake.log()[0]['status'] == 0 and fake.log()[0]['fault'] is True


def test_faults_can_be_listed_cleared_and_are_validated(fake):
    fake.control('POST', 'faults', {'path': '/v2/*', 'status': 500, 'times': 5})
    assert fake.control('GET', 'faults')[0]['method'] == '*'
    assert fake.signed('GET', POLICY_PATH).status_code == 500
    fake.control('DELETE', 'faults')
    assert fake.signed('GET', POLICY_PATH).status_code == 200
    for spec in ({'status': 500}, {'path': '/x', 'status': 99}, {'path': '/x', 'status': 500, 'times': 0}, {'path': '/x', 'status': 500, 'oops': 1}):
        assert requests.post(fake.url + '/_fake/faults', json=spec).status_code == 400


def test_token_endpoint_faults(fake):
    client = fake.create_client()
    fake.control('POST', 'faults', {'method': 'POST', 'path': '/auth/oauth2/token', 'status': 503})
    assert fake.token_response(client['clientId'], client['clientSecret']).status_code == 503
    assert fake.token_response(client['clientId'], client['clientSecret']).status_code == 200


# -- control API


def test_seed_fills_a_big_account_quickly(fake):
    started = time.time()
    assert fake.control('POST', 'seed', {'clients': 5000, 'policies': 5000}) == {'clients': 5000, 'policies': 5000, 'resources': 0}
    assert time.time() - started < 10
    ids = fake.ok('GET', CLIENT_PATH)
    assert len(ids) == 5000
    first = fake.ok('GET', CLIENT_PATH + '/' + ids[0])
    assert first['name'] == 'filler-client-0001'
    page = fake.ok('GET', POLICY_PATH + '?readOnly=false')
    assert page[0]['name'] == 'filler-policy-0001' and page[0]['identities'] == [first['identity']]
    fake.control('POST', 'seed', {'clients': 1})
    assert fake.control('GET', 'state')['clients'][-1]['name'] == 'filler-client-5001'


def test_reset_returns_to_the_fresh_state_with_the_same_credentials(fake):
    fake.create_client()
    fake.control('POST', 'clock', {'skew_s': 1000})
    fake.control('POST', 'faults', {'path': '/x', 'status': 500})
    fake.control('POST', 'reset')
    state = fake.control('GET', 'state')
    assert state['clients'] == [] and state['skew_s'] == 0 and state['faults'] == []
    assert [policy['name'] for policy in state['policies']] == ['ovh-default']
    assert fake.log() == []
    assert fake.ok('GET', CLIENT_PATH) == []


def test_request_log_records_every_api_request(fake):
    _client, token = fake.service_account()
    fake.control('DELETE', 'requests')
    requests.get(fake.url + '/1.0/auth/time?x=1')
    fake.signed('GET', POLICY_PATH + '?readOnly=false')
    fake.bearer(token, 'GET', '/1.0/auth/details')
    requests.get(fake.url + '/1.0/me')
    fake.control('GET', 'stats')
    entries = fake.log()
    assert [(entry['method'], entry['path'], entry['query'], entry['status'], entry['auth']) for entry in entries] == [
        ('GET', '/1.0/auth/time', 'x=1', 200, 'none'),
        ('GET', '/v2/iam/policy', 'readOnly=false', 200, 'signed'),
        ('GET', '/1.0/auth/details', '', 200, 'oauth2'),
        ('GET', '/1.0/me', '', 401, 'none'),
    ]
    assert [entry['identity'] for entry in entries] == [None, 'urn:v1:eu:identity:account:xx1111-ovh', fake.identity_of(_client['clientId']), None]
    assert not any(entry['fault'] for entry in entries)
    assert entries[1]['action'] == 'account:apiovh:iam/policy/get'


def test_secrets_lists_every_secret_issued(fake):
    client, token = fake.service_account()
    secrets = fake.control('GET', 'secrets')
    for value in (client['clientSecret'], token, fake.info['application_secret'], fake.info['consumer_key']):
        assert value in secrets
    assert fake.control('GET', 'state')['clients'][0]['clientSecret'] == client['clientSecret']


def test_latency_applies_to_api_requests_only(fake):
    fake.control('POST', 'latency', {'ms': 200})
    started = time.time()
    requests.get(fake.url + '/1.0/auth/time')
    assert time.time() - started >= 0.2
    started = time.time()
    fake.control('GET', 'stats')
    assert time.time() - started < 0.2


def test_control_errors(fake):
    assert requests.get(fake.url + '/_fake/nothing').status_code == 404
    assert requests.post(fake.url + '/_fake/clock', json={'skew_s': 'x'}).status_code == 400
    assert requests.post(fake.url + '/_fake/seed', data='not json').status_code == 400
    assert requests.post(fake.url + '/_fake/token-ttl', json={'seconds': 0}).status_code == 400


# -- process


@pytest.mark.skipif(shutil.which('openssl') is None, reason='openssl is needed to make a test certificate')
def test_tls(start_fake, tmp_path):
    cert, key = str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem')
    command = ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
               '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']
    subprocess.check_call(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    info = start_fake('--tls-cert', cert, '--tls-key', key).info
    assert info['url'].startswith('https://') and info['token_url'].startswith('https://')
    response = requests.get(info['endpoint'] + '/auth/time', verify=cert)
    assert response.status_code == 200


def test_sigterm_stops_the_server_cleanly(start_fake):
    fake = start_fake()
    fake.process.terminate()
    assert fake.process.wait(timeout=10) == 0
    assert fake.process.stdout.read() == b''
