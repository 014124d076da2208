"""The fake against OVHcloud's own OpenAPI 3 schemas (../shared/ovh-api/me.json and iam.json).

Every response body of every implemented route is validated against the operation's 200 response schema,
objects strictly (no field the schema does not define); request bodies the fake accepts follow the request
schemas, and bodies missing a field the schema requires are refused. Skipped when the schemas are absent.
"""

import json
import os
import re

import pytest
import requests

from tests.ovh_fake import reference_actions, v1, v2

jsonschema = pytest.importorskip('jsonschema')

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCHEMA_DIR = os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'ovh-api')
OPENAPI_ONLY_KEYWORDS = ('nullable', 'readOnly', 'writeOnly', 'example', 'externalDocs', 'xml', 'discriminator', 'deprecated')
V1_ROUTES_OUTSIDE_ME_JSON = ('/auth/time', '/auth/details')  # in OVHcloud's auth.json, not in me.json

pytestmark = pytest.mark.skipif(not os.path.isdir(SCHEMA_DIR), reason='OVHcloud OpenAPI schemas not found at %s' % SCHEMA_DIR)


def convert(node, strict):
    """An OpenAPI 3.0 schema as JSON Schema: ``$ref`` into definitions, ``nullable`` as null, closed objects if strict."""
    if isinstance(node, list):
        return [convert(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    if '$ref' in node:
        converted = {'$ref': '#/definitions/' + node['$ref'].rsplit('/', 1)[-1]}
    else:
        converted = {key: convert(value, strict) for key, value in node.items()
                     if key not in OPENAPI_ONLY_KEYWORDS and not key.startswith('x-')}
        if 'properties' in node:
            converted['properties'] = {name: convert(value, strict) for name, value in node['properties'].items()}
            if strict and 'additionalProperties' not in node:
                converted['additionalProperties'] = False
    if node.get('nullable'):
        return {'anyOf': [converted, {'type': 'null'}]}
    return converted


class OpenApi:
    def __init__(self, path):
        with open(path, encoding='utf-8') as handle:
            self.document = json.load(handle)
        components = self.document['components']['schemas']
        self._definitions = {strict: {name: convert(schema, strict) for name, schema in components.items()} for strict in (True, False)}

    def operation(self, method, template):
        return self.document['paths'][template][method.lower()]

    def _validate(self, instance, schema, strict):
        root = dict(convert(schema, strict), definitions=self._definitions[strict])
        validator = jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.path))
        assert not errors, '\n'.join('%s: %s' % (list(error.path), error.message) for error in errors[:5])

    def check_response(self, method, template, body):
        content = self.operation(method, template)['responses']['200'].get('content')
        if content is None:
            assert body is None, 'the schema defines no body for %s %s' % (method, template)
            return
        self._validate(body, content['application/json']['schema'], strict=True)

    def check_request(self, method, template, body):
        schema = self.operation(method, template)['requestBody']['content']['application/json']['schema']
        self._validate(body, schema, strict=False)

    def request_schema(self, method, template):
        ref = self.operation(method, template)['requestBody']['content']['application/json']['schema']['$ref']
        return self.document['components']['schemas'][ref.rsplit('/', 1)[-1]]


@pytest.fixture(scope='module')
def me_json():
    return OpenApi(os.path.join(SCHEMA_DIR, 'me.json'))


@pytest.fixture(scope='module')
def iam_json():
    return OpenApi(os.path.join(SCHEMA_DIR, 'iam.json'))


def quoted(urn):
    return requests.utils.quote(urn, safe='')


class Exerciser:
    """Calls a route as the owner, checks the answer against the schema and remembers which routes were seen."""

    def __init__(self, fake, me_json, iam_json):
        self.fake = fake
        self.docs = {'/1.0': me_json, '/v2': iam_json}
        self.seen = set()

    def call(self, prefix, method, template, path, body=None, headers=None, query=''):
        doc = self.docs[prefix]
        if body is not None:
            doc.check_request(method, template, body)
        response = self.fake.signed(method, prefix + path + query, body, headers)
        assert response.status_code == 200, response.text
        doc.check_response(method, template, response.json())
        self.seen.add((method, template))
        return response.json()


def test_every_response_conforms(fake, me_json, iam_json):
    check = Exerciser(fake, me_json, iam_json)
    clients = '/me/api/oauth2/client'
    check.call('/1.0', 'GET', '/me', '/me')
    web = {'name': 'web', 'description': 'd', 'flow': 'AUTHORIZATION_CODE', 'callbackUrls': ['https://app.example.com/cb']}
    created = check.call('/1.0', 'POST', clients, clients, web)
    one = clients + '/{clientId}'
    client_path = clients + '/' + created['clientId']
    check.call('/1.0', 'GET', clients, clients)
    check.call('/1.0', 'GET', one, client_path)
    check.call('/1.0', 'PUT', one, client_path, {'name': 'web2', 'description': 'd2', 'callbackUrls': ['https://b.example.com/cb']})
    expanded = fake.signed('GET', '/1.0' + clients, headers={'X-Pagination-Mode': 'CachedObjectList-Pages'}).json()
    for item in expanded:  # x-expanded-response: each item is what GET /{clientId} returns
        me_json.check_response('GET', one, item)
    check.call('/1.0', 'DELETE', one, client_path)

    identity = fake.identity_of(fake.create_client()['clientId'])
    group = check.call('/v2', 'POST', '/iam/permissionsGroup', '/iam/permissionsGroup',
                       {'name': 'readers', 'description': 'read', 'permissions': {'allow': [{'action': 'account:apiovh:*/get'}]}})
    group_one = '/iam/permissionsGroup/{permissionsGroupURN}'
    check.call('/v2', 'GET', '/iam/permissionsGroup', '/iam/permissionsGroup')
    check.call('/v2', 'GET', group_one, '/iam/permissionsGroup/' + quoted(group['urn']))
    check.call('/v2', 'PUT', group_one, '/iam/permissionsGroup/' + quoted(group['urn']),
               {'name': 'readers', 'description': 'read all', 'permissions': {'allow': [{'action': '*'}], 'deny': [{'action': 'vps:*'}]}})

    resources = check.call('/v2', 'GET', '/iam/resource', '/iam/resource')
    check.call('/v2', 'GET', '/iam/resource/{resourceURN}', '/iam/resource/' + quoted(resources[1]['urn']))
    check.call('/v2', 'GET', '/iam/reference/action', '/iam/reference/action', headers={'X-Pagination-Size': '1000'})
    check.call('/v2', 'GET', '/iam/reference/resource/type', '/iam/reference/resource/type')
    checked = ['account:apiovh:me/get', 'vps:apiovh:reboot']
    check.call('/v2', 'POST', '/iam/resource/{resourceURN}/authorization/check',
               '/iam/resource/%s/authorization/check' % quoted(resources[1]['urn']), {'actions': checked})
    check.call('/v2', 'POST', '/iam/authorization/check', '/iam/authorization/check',
               {'actions': checked, 'resourceURNs': [resources[0]['urn'], resources[1]['urn']]})

    resource_group = check.call('/v2', 'POST', '/iam/resourceGroup', '/iam/resourceGroup',
                                {'name': 'web', 'resources': [{'id': resources[1]['id']}]})
    group_path = '/iam/resourceGroup/' + resource_group['id']
    for query in ('', '?details=true'):
        check.call('/v2', 'GET', '/iam/resourceGroup', '/iam/resourceGroup', query=query)
        check.call('/v2', 'GET', '/iam/resourceGroup/{groupId}', group_path, query=query)
    check.call('/v2', 'PUT', '/iam/resourceGroup/{groupId}', group_path, {'name': 'web2', 'resources': [{'id': resources[2]['id']}]})

    policy_body = {
        'name': 'everything', 'description': 'all fields', 'identities': [identity],
        'resources': [{'urn': fake.account_urn}, {'urn': resource_group['urn']}, {'urn': 'urn:v1:eu:resource:vps:*'}],
        'permissions': {'allow': [{'action': 'account:apiovh:*'}], 'except': [{'action': 'account:apiovh:me/api/oauth2/client/delete'}],
                        'deny': [{'action': 'account:apiovh:iam/policy/delete'}]},
        'permissionsGroups': [{'urn': group['urn']}, {'urn': 'urn:v1:eu:permissionsGroup:ovh:globalAdmin'}],
        'conditions': {'operator': 'AND', 'conditions': [{'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.In': 'monday,tuesday'}}]},
        'expiredAt': '2999-01-01T00:00:00Z',
    }
    policy = check.call('/v2', 'POST', '/iam/policy', '/iam/policy', policy_body)
    policy_one = '/iam/policy/{policyId}'
    for query in ('', '?details=true'):
        check.call('/v2', 'GET', '/iam/policy', '/iam/policy', query=query)
        check.call('/v2', 'GET', policy_one, '/iam/policy/' + policy['id'], query=query)
    check.call('/v2', 'PUT', policy_one, '/iam/policy/' + policy['id'], dict(policy_body, name='renamed', description='changed'))
    check.call('/v2', 'DELETE', policy_one, '/iam/policy/' + policy['id'])
    check.call('/v2', 'DELETE', '/iam/resourceGroup/{groupId}', group_path)
    check.call('/v2', 'DELETE', group_one, '/iam/permissionsGroup/' + quoted(group['urn']))

    implemented = {(route.method, route.template) for route in v1.ROUTES + v2.ROUTES if route.template not in V1_ROUTES_OUTSIDE_ME_JSON}
    assert implemented - check.seen == set()


def test_auth_time_is_an_integer(fake):
    assert isinstance(requests.get(fake.url + '/1.0/auth/time').json(), int)


@pytest.mark.parametrize('table, doc_name', [(v1.ROUTES, 'me.json'), (v2.ROUTES, 'iam.json')])
def test_route_tables_match_the_schemas(table, doc_name, me_json, iam_json):
    doc = {'me.json': me_json, 'iam.json': iam_json}[doc_name]
    for route in table:
        if route.template in V1_ROUTES_OUTSIDE_ME_JSON:
            continue
        operation = doc.operation(route.method, route.template)
        required = [action['name'] for action in operation.get('x-iam-actions') or () if action.get('required')]
        assert required[:1] == ([route.action] if route.action else []), (route.method, route.template)


def test_embedded_account_actions_are_the_schemas_actions(me_json, iam_json):
    in_schemas = set()
    for doc in (me_json, iam_json):
        for operations in doc.document['paths'].values():
            for operation in operations.values():
                if isinstance(operation, dict):
                    in_schemas.update(action['name'] for action in operation.get('x-iam-actions') or ())
    embedded = [action for action, _description in reference_actions.ACCOUNT_ACTIONS]
    assert len(embedded) == len(set(embedded))
    assert set(embedded) == {action for action in in_schemas if action.startswith('account:')}


def _valid_bodies(fake):
    identity = 'urn:v1:eu:identity:group:xx1111-ovh/admins'
    policy = fake.policy_body([identity], ['*'])
    return [
        ('/1.0', 'POST', '/me/api/oauth2/client', '/me/api/oauth2/client', {'name': 'n', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'}),
        ('/v2', 'POST', '/iam/policy', '/iam/policy', policy),
        ('/v2', 'POST', '/iam/permissionsGroup', '/iam/permissionsGroup', {'name': 'g', 'description': 'd', 'permissions': {}}),
        ('/v2', 'POST', '/iam/resourceGroup', '/iam/resourceGroup', {'name': 'g'}),
    ]


def test_bodies_missing_a_required_field_are_refused(fake, me_json, iam_json):
    docs = {'/1.0': me_json, '/v2': iam_json}
    for prefix, method, template, path, body in _valid_bodies(fake):
        docs[prefix].check_request(method, template, body)
        assert fake.signed(method, prefix + path, body).status_code == 200
        for field in docs[prefix].request_schema(method, template).get('required', ()):
            partial = {key: value for key, value in body.items() if key != field}
            error = fake.signed(method, prefix + path, partial)
            assert error.status_code == 400, (template, field, error.text)
            assert re.match(r'^\[%s\]' % field, error.json()['message'])


def test_put_bodies_follow_the_update_schemas(fake, iam_json):
    policy = fake.ok('POST', '/v2/iam/policy', fake.policy_body(['urn:v1:eu:identity:group:xx1111-ovh/admins'], ['*']))
    update = iam_json.request_schema('PUT', '/iam/policy/{policyId}')
    body = {key: policy[key] for key in update['required']}
    iam_json.check_request('PUT', '/iam/policy/{policyId}', body)
    assert fake.signed('PUT', '/v2/iam/policy/' + policy['id'], body).status_code == 200
    group = fake.ok('POST', '/v2/iam/resourceGroup', {'name': 'g'})
    for field in iam_json.request_schema('PUT', '/iam/resourceGroup/{groupId}')['required']:
        partial = {key: value for key, value in {'name': 'g', 'resources': []}.items() if key != field}
        assert fake.signed('PUT', '/v2/iam/resourceGroup/' + group['id'], partial).status_code == 400
