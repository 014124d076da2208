"""The fake's local users, user groups, resource tags and authorization check (identity.py), over HTTP."""

from urllib.parse import quote

USERS = '/1.0/me/identity/user'
GROUPS = '/1.0/me/identity/group'
USER_ACTION = 'account:apiovh:me/identity/user/'
VPS = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'
VPS_STAGING = 'urn:v1:eu:resource:vps:vps-1f2e3d4c.vps.ovh.net'


def tag_path(urn, key=None):
    return '/v2/iam/resource/%s/tag%s' % (quote(urn, safe=''), '' if key is None else '/' + quote(key, safe=''))


def check_path(urn):
    return '/v2/iam/resource/%s/authorization/check' % quote(urn, safe='')


def make_user(fake, login='alice', group='ops'):
    if group not in fake.ok('GET', GROUPS):
        fake.ok('POST', GROUPS, {'name': group, 'role': 'NONE'})
    fake.ok('POST', USERS, {'login': login, 'group': group, 'email': login + '@example.com', 'password': 'Pw-' + login})
    return fake.control('POST', 'user-token', {'login': login})['access_token']


def test_users_and_groups_have_the_schema_shapes(fake):
    assert fake.ok('GET', GROUPS) == ['ADMIN', 'DEFAULT', 'UNPRIVILEGED']
    group = fake.ok('POST', GROUPS, {'name': 'ops', 'description': 'Ops'})
    assert set(group) == {'name', 'description', 'role', 'defaultGroup', 'creation', 'lastUpdate', 'urn'}
    assert (group['role'], group['defaultGroup'], group['urn']) == ('NONE', False, 'urn:v1:eu:identity:group:%s/ops' % fake.nic)
    assert fake.ok('POST', USERS, {'login': 'alice', 'group': 'ops', 'password': 'x'}) is None
    user = fake.ok('GET', USERS + '/alice')
    assert set(user) == {'login', 'email', 'description', 'group', 'creation', 'lastUpdate', 'passwordLastUpdate',
                         'status', 'type', 'urn'}
    assert fake.signed('POST', USERS, {'login': 'alice'}).status_code == 409
    assert fake.signed('POST', USERS, {'login': 'bob', 'group': 'nope'}).status_code == 400
    assert fake.signed('PUT', GROUPS + '/DEFAULT', {'role': 'ADMIN'}).status_code == 403
    assert fake.signed('DELETE', GROUPS + '/ADMIN').status_code == 403
    assert fake.signed('DELETE', GROUPS + '/ops').status_code == 400  # alice is in it


def test_identity_routes_need_their_iam_actions(fake):
    client, token = fake.service_account(allow=[USER_ACTION + 'get'])
    assert fake.bearer(token, 'GET', USERS).status_code == 200
    refused = fake.bearer(token, 'POST', USERS, {'login': 'x'})
    assert refused.status_code == 403 and refused.json()['details']['unauthorizedActionsByIAM'] == USER_ACTION + 'create'
    assert fake.bearer(token, 'GET', GROUPS).json()['details']['unauthorizedActionsByIAM'] == 'account:apiovh:me/identity/group/get'
    refused = fake.bearer(token, 'POST', tag_path(VPS), {'key': 'a', 'value': 'b'})
    assert refused.json()['details']['unauthorizedActionsByIAM'] == 'account:apiovh:iam/resource/tag/add'
    assert client


def test_a_user_is_covered_by_policies_naming_its_group_and_a_group_deny_wins(fake):
    token = make_user(fake)
    group_urn = 'urn:v1:eu:identity:group:%s/ops' % fake.nic
    user_urn = 'urn:v1:eu:identity:user:%s/alice' % fake.nic
    assert fake.bearer(token, 'GET', USERS).status_code == 403
    fake.grant(group_urn, [USER_ACTION + 'get'])
    assert fake.bearer(token, 'GET', USERS).status_code == 200
    fake.grant(user_urn, ['account:apiovh:me/identity/*'])
    fake.grant(group_urn, [], permissions={'deny': [{'action': USER_ACTION + 'get'}]})
    assert fake.bearer(token, 'GET', USERS).status_code == 403
    assert fake.bearer(token, 'GET', GROUPS).status_code == 200


def test_disabled_or_deleted_users_cannot_act(fake):
    token = make_user(fake)
    fake.ok('POST', USERS + '/alice/disable')
    assert fake.ok('GET', USERS + '/alice')['status'] == 'DISABLED'
    assert fake.bearer(token, 'GET', USERS).status_code == 401
    assert fake.http.post(fake.url + '/_fake/user-token', json={'login': 'alice'}).status_code == 400
    fake.ok('POST', USERS + '/alice/enable')
    token = fake.control('POST', 'user-token', {'login': 'alice'})['access_token']
    fake.ok('DELETE', USERS + '/alice')
    assert fake.bearer(token, 'GET', USERS).status_code == 401


def test_tags_follow_addtag_and_ovh_tags_are_refused(fake):
    assert fake.ok('POST', tag_path(VPS), {'key': 'team/web', 'value': 'a@b'}) is None
    assert fake.ok('GET', '/v2/iam/resource/' + quote(VPS, safe=''))['tags']['team/web'] == 'a@b'
    assert fake.ok('DELETE', tag_path(VPS, 'team/web')) is None
    assert fake.signed('DELETE', tag_path(VPS, 'team/web')).status_code == 404
    for body in ({'key': 'bad key', 'value': 'x'}, {'key': 'k', 'value': 'x y'}, {'key': 'ovh:x', 'value': 'y'}, {'key': 'k'}):
        assert fake.signed('POST', tag_path(VPS), body).status_code == 400, body
    fake.control('POST', 'resource-tags', {'urn': VPS, 'tags': {'ovh:region': 'gra'}})
    assert fake.signed('DELETE', tag_path(VPS, 'ovh:region')).status_code == 400
    fake.control('POST', 'tag-post-existing', {'mode': 'conflict'})
    fake.ok('POST', tag_path(VPS), {'key': 'env', 'value': 'a'})
    assert fake.signed('POST', tag_path(VPS), {'key': 'env', 'value': 'b'}).status_code == 409


def test_authorization_check_evaluates_tag_conditions_on_the_resource_in_the_path(fake):
    token = make_user(fake)
    fake.grant('urn:v1:eu:identity:group:%s/ops' % fake.nic, ['vps:apiovh:reboot'], resources=['urn:v1:eu:resource:vps:*'],
               conditions={'operator': 'MATCH', 'values': {'resource.Tag(environment).EQ': 'production'}})
    body = {'actions': ['vps:apiovh:reboot', 'vps:apiovh:stop']}
    assert fake.bearer(token, 'POST', check_path(VPS), body).json() == {
        'authorizedActions': ['vps:apiovh:reboot'], 'unauthorizedActions': ['vps:apiovh:stop']}
    assert fake.bearer(token, 'POST', check_path(VPS_STAGING), body).json() == {
        'authorizedActions': [], 'unauthorizedActions': ['vps:apiovh:reboot', 'vps:apiovh:stop']}
    assert fake.ok('POST', check_path(VPS_STAGING), body)['unauthorizedActions'] == []  # the owner may do anything
