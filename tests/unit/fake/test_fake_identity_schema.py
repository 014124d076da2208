"""The fake's identity.py routes against OVHcloud's schemas (../shared/ovh-api/me.json and iam.json)."""

import pytest

from tests.ovh_fake import identity
from tests.unit.fake.test_fake_schema import Exerciser, iam_json, me_json, pytestmark, quoted  # noqa: F401  # pylint: disable=unused-import  # pytest fixtures


@pytest.mark.parametrize('table, doc_name', [(identity.V1_ROUTES, 'me.json'), (identity.V2_ROUTES, 'iam.json')])
def test_identity_route_tables_match_the_schemas(table, doc_name, me_json, iam_json):  # noqa: F811
    doc = {'me.json': me_json, 'iam.json': iam_json}[doc_name]
    for route in table:
        operation = doc.operation(route.method, route.template)
        required = [action['name'] for action in operation.get('x-iam-actions') or () if action.get('required')]
        assert required[:1] == ([route.action] if route.action else []), (route.method, route.template)


def test_every_identity_response_conforms(fake, me_json, iam_json):  # noqa: F811
    check = Exerciser(fake, me_json, iam_json)
    groups, one_group = '/me/identity/group', '/me/identity/group/{group}'
    users, one_user = '/me/identity/user', '/me/identity/user/{user}'
    check.call('/1.0', 'POST', groups, groups, {'name': 'ops', 'description': 'Ops', 'role': 'NONE'})
    check.call('/1.0', 'GET', groups, groups)
    check.call('/1.0', 'GET', one_group, groups + '/ops')
    check.call('/1.0', 'PUT', one_group, groups + '/ops', {'description': 'Operators', 'role': 'REGULAR'})
    alice = {'login': 'alice', 'email': 'a@example.com', 'group': 'ops', 'password': 'Pw-1', 'description': 'Alice'}
    check.call('/1.0', 'POST', users, users, alice)
    check.call('/1.0', 'GET', users, users)
    check.call('/1.0', 'GET', one_user, users + '/alice')
    check.call('/1.0', 'PUT', one_user, users + '/alice', {'email': 'b@example.com', 'description': 'B', 'group': 'ops'})
    check.call('/1.0', 'POST', one_user + '/disable', users + '/alice/disable')
    check.call('/1.0', 'POST', one_user + '/enable', users + '/alice/enable')
    check.call('/1.0', 'DELETE', one_user, users + '/alice')
    check.call('/1.0', 'DELETE', one_group, groups + '/ops')
    urn = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'
    check.call('/v2', 'POST', '/iam/resource/{resourceURN}/tag', '/iam/resource/%s/tag' % quoted(urn), {'key': 'env', 'value': 'x'})
    check.call('/v2', 'DELETE', '/iam/resource/{resourceURN}/tag/{key}', '/iam/resource/%s/tag/env' % quoted(urn))
    check.call('/v2', 'POST', '/iam/resource/{resourceURN}/authorization/check',
               '/iam/resource/%s/authorization/check' % quoted(urn), {'actions': ['vps:apiovh:get']})
    implemented = {(route.method, route.template) for route in identity.V1_ROUTES + identity.V2_ROUTES}
    assert implemented - check.seen == set()
