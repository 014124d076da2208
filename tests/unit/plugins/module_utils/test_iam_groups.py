"""Permissions groups and resource groups (_iam_groups.py): views, set merging, bodies, checks, named API calls."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _iam_groups as groups
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError

ACCOUNT_ID = '6d375624-1230-5b56-9ac6-ebaa18f0edeb'
VPS_ID = '5d0e28e2-306e-11ee-8dad-0050568ce122'
ACCOUNT_URN = 'urn:v1:eu:resource:account:xx1111-ovh'
VPS_URN = 'urn:v1:eu:resource:vps:vps-1.vps.ovh.net'
OPS_BODY = {'name': 'ops', 'description': 'operators', 'permissions': {'allow': [{'action': 'account:apiovh:me/get'}]}}


def seeded_resource(fake, resource_type, **tags):
    """A resource the fake holds from its start (read from its state, which the request log leaves out)."""
    return next(item for item in fake.state()['resources']
                if item['type'] == resource_type and all((item.get('tags') or {}).get(key) == value for key, value in tags.items()))


def group_names(fake, kind):
    return [group['name'] for group in fake.state()[kind]]


# ---------------------------------------------------------------- permissions groups


PG_RAW = {
    'id': 'e04eef98-6155-5ebc-9e9d-311570e5bc1e', 'urn': 'urn:v1:eu:permissionsGroup:xx1111-ovh:ops', 'name': 'ops',
    'owner': 'xx1111-ovh', 'createdAt': '2024-01-01T00:00:00Z', 'updatedAt': None,
    'permissions': {'allow': [{'action': 'a:apiovh:x'}, {'action': 'a:apiovh:y'}], 'except': None},
}


def test_permissions_group_view_and_body():
    view = groups.permissions_group_view(PG_RAW)
    assert view == {'id': PG_RAW['id'], 'urn': PG_RAW['urn'], 'name': 'ops', 'description': '', 'owner': 'xx1111-ovh',
                    'allow': ['a:apiovh:x', 'a:apiovh:y'], 'except': [], 'deny': [], 'read_only': False,
                    'created_at': '2024-01-01T00:00:00Z', 'updated_at': None}
    assert groups.permissions_group_body(view) == {
        'name': 'ops', 'description': '', 'permissions': {'allow': [{'action': 'a:apiovh:x'}, {'action': 'a:apiovh:y'}]}}


def test_permissions_group_read_only_for_ovh_groups():
    assert groups.permissions_group_read_only({'owner': 'ovh'})
    assert groups.permissions_group_read_only({'owner': 'xx1111-ovh', 'readOnly': True})
    assert not groups.permissions_group_read_only({'owner': 'xx1111-ovh'})


def test_permissions_group_differs_compares_sets():
    before = groups.permissions_group_view(PG_RAW)
    after = dict(before, allow=['a:apiovh:y', 'a:apiovh:x', 'a:apiovh:x'])
    assert not groups.permissions_group_differs(before, after)
    assert groups.permissions_group_differs(before, dict(before, deny=['a:apiovh:z']))
    assert groups.permissions_group_differs(before, dict(before, description='new'))
    assert groups.permissions_group_differs(before, dict(before, name='other'))


def test_get_permissions_group_returns_none_when_missing(fake, api):
    urn = 'urn:v1:%s:permissionsGroup:%s:ops' % (fake.region(), fake.nic)
    assert groups.get_permissions_group(api, urn) is None
    assert fake.v2_requests() == [('GET', '/v2/iam/permissionsGroup/' + urn.replace(':', '%3A'), [], 404)]
    api.post(groups.PERMISSIONS_GROUP_PATH, OPS_BODY)
    found = groups.get_permissions_group(api, urn)
    assert (found['urn'], found['name']) == (urn, 'ops')


def test_create_permissions_group_reconciles_a_lost_answer(fake, api):
    fake.fault(method='POST', path=groups.PERMISSIONS_GROUP_PATH, status=503, times=1, apply=True)
    created = groups.create_permissions_group(api, OPS_BODY)
    assert (created['name'], created['urn']) == ('ops', 'urn:v1:%s:permissionsGroup:%s:ops' % (fake.region(), fake.nic))
    assert group_names(fake, 'permissionsGroups').count('ops') == 1
    assert fake.v2_requests() == [('POST', groups.PERMISSIONS_GROUP_PATH, [], 503), ('GET', groups.PERMISSIONS_GROUP_PATH, [], 200)]


def test_create_permissions_group_raises_a_lost_answer_that_created_nothing(fake, api):
    fake.fault(method='POST', path=groups.PERMISSIONS_GROUP_PATH, status=503, times=1)
    with pytest.raises(OvhApiError) as caught:
        groups.create_permissions_group(api, OPS_BODY)
    assert caught.value.status == 503 and caught.value.may_have_applied
    assert 'ops' not in group_names(fake, 'permissionsGroups')
    assert fake.v2_requests() == [('POST', groups.PERMISSIONS_GROUP_PATH, [], 503), ('GET', groups.PERMISSIONS_GROUP_PATH, [], 200)]


def test_create_permissions_group_does_not_reconcile_a_refusal(fake, api):
    api.post(groups.PERMISSIONS_GROUP_PATH, OPS_BODY)
    fake.clear_requests()
    with pytest.raises(OvhApiError) as caught:
        groups.create_permissions_group(api, OPS_BODY)
    assert caught.value.status == 409 and not caught.value.may_have_applied
    assert fake.v2_requests() == [('POST', groups.PERMISSIONS_GROUP_PATH, [], 409)]


# ---------------------------------------------------------------- resource groups


def test_resource_group_view_fills_members_from_what_is_known():
    raw = {'id': 'g', 'urn': 'urn:v1:eu:resourceGroup:g', 'name': 'grp', 'owner': 'xx1111-ovh', 'readOnly': False,
           'resources': [{'id': ACCOUNT_ID, 'urn': ACCOUNT_URN}, {'id': VPS_ID}], 'createdAt': 'c', 'updatedAt': 'u'}
    known = {VPS_ID: {'id': VPS_ID, 'urn': VPS_URN, 'name': 'vps-1', 'display_name': 'VPS-1', 'type': 'vps'}}
    view = groups.resource_group_view(raw, known)
    assert view['resources'] == [
        {'id': ACCOUNT_ID, 'urn': ACCOUNT_URN, 'name': None, 'display_name': None, 'type': None},
        known[VPS_ID],
    ]
    assert view['read_only'] is False and view['created_at'] == 'c'
    assert groups.member_ids(view) == [ACCOUNT_ID, VPS_ID]
    assert groups.resource_group_body('grp', [VPS_ID]) == {'name': 'grp', 'resources': [{'id': VPS_ID}]}


def test_resource_group_differs_on_members_as_a_set_and_on_name():
    before = {'name': 'g', 'resources': [{'id': 'a'}, {'id': 'b'}]}
    assert not groups.resource_group_differs(before, {'name': 'g', 'resources': [{'id': 'b'}, {'id': 'a'}]})
    assert groups.resource_group_differs(before, {'name': 'g', 'resources': [{'id': 'a'}]})
    assert groups.resource_group_differs(before, {'name': 'h', 'resources': [{'id': 'a'}, {'id': 'b'}]})


def test_create_resource_group_reconciles_a_lost_answer(fake, api):
    vps = seeded_resource(fake, 'vps')
    fake.fault(method='POST', path=groups.RESOURCE_GROUP_PATH, status=503, times=1, apply=True)
    created = groups.create_resource_group(api, groups.resource_group_body('web', [vps['id']]))
    assert created['name'] == 'web'
    assert groups.member_ids(groups.resource_group_view(created)) == [vps['id']]
    assert group_names(fake, 'resourceGroups').count('web') == 1
    assert fake.v2_requests() == [('POST', groups.RESOURCE_GROUP_PATH, [], 503),
                                  ('GET', groups.RESOURCE_GROUP_PATH, [('details', 'true')], 200)]


def test_create_resource_group_raises_a_lost_answer_that_created_nothing(fake, api):
    vps = seeded_resource(fake, 'vps')
    fake.fault(method='POST', path=groups.RESOURCE_GROUP_PATH, status=503, times=1)
    with pytest.raises(OvhApiError) as caught:
        groups.create_resource_group(api, groups.resource_group_body('web', [vps['id']]))
    assert caught.value.status == 503
    assert 'web' not in group_names(fake, 'resourceGroups')
    assert [(method, status) for method, _path, _query, status in fake.v2_requests()] == [('POST', 503), ('GET', 200)]


def test_get_resource_group_asks_for_details_and_returns_none_when_missing(fake, api):
    vps = seeded_resource(fake, 'vps')
    created = api.post(groups.RESOURCE_GROUP_PATH, groups.resource_group_body('web', [vps['id']]))
    fake.clear_requests()
    found = groups.get_resource_group(api, created['id'])
    assert [(member['id'], member['type']) for member in found['resources']] == [(vps['id'], 'vps')]
    assert groups.get_resource_group(api, 'no/such-group') is None
    assert fake.v2_requests() == [('GET', groups.RESOURCE_GROUP_PATH + '/' + created['id'], [('details', 'true')], 200),
                                  ('GET', '/v2/iam/resourceGroup/no%2Fsuch-group', [('details', 'true')], 404)]


def test_single_by_name_fails_listing_every_match():
    items = [{'name': 'a', 'id': '1'}, {'name': 'a', 'id': '2'}, {'name': 'b', 'id': '3'}]
    assert groups.single_by_name(items, 'b', 'resource group', 'id', 'group_id')['id'] == '3'
    assert groups.single_by_name(items, 'c', 'resource group', 'id', 'group_id') is None
    with pytest.raises(OvhError) as caught:
        groups.single_by_name(items, 'a', 'resource group', 'id', 'group_id')
    assert '1, 2' in str(caught.value) and 'group_id' in str(caught.value)


# ---------------------------------------------------------------- named calls and both kinds


def test_update_and_delete_permissions_group_by_urn(fake, api):
    created = groups.create_permissions_group(api, OPS_BODY)
    updated = groups.update_permissions_group(api, created['urn'], dict(OPS_BODY, description='changed'))
    assert updated['description'] == 'changed'
    assert groups.delete_permissions_group(api, created['urn']) is True
    assert groups.delete_permissions_group(api, created['urn']) is False
    escaped = created['urn'].replace(':', '%3A')
    assert [(method, path) for method, path, _query, _status in fake.v2_requests()][1:] == [
        ('PUT', groups.PERMISSIONS_GROUP_PATH + '/' + escaped), ('DELETE', groups.PERMISSIONS_GROUP_PATH + '/' + escaped),
        ('DELETE', groups.PERMISSIONS_GROUP_PATH + '/' + escaped)]


def test_update_and_delete_resource_group_by_id(fake, api):
    vps = seeded_resource(fake, 'vps')
    created = groups.create_resource_group(api, groups.resource_group_body('web', []))
    updated = groups.update_resource_group(api, created['id'], groups.resource_group_body('web', [vps['id']]))
    assert groups.member_ids(groups.resource_group_view(updated)) == [vps['id']]
    assert groups.delete_resource_group(api, created['id']) is True
    assert groups.delete_resource_group(api, created['id']) is False


def test_find_group_by_address_or_name_and_matching_groups(fake, api):
    created = groups.create_permissions_group(api, OPS_BODY)
    kind = groups.PERMISSIONS_GROUPS
    assert groups.find_group(api, kind, created['urn'])['name'] == 'ops'
    assert groups.find_group(api, kind, name='ops')['urn'] == created['urn']
    assert groups.find_group(api, kind, name='nothing') is None
    assert [group['urn'] for group in groups.matching_groups(api, kind, name='ops')] == [created['urn']]
    assert groups.matching_groups(api, kind, created['urn'] + 'x') == []
    assert len(groups.matching_groups(api, kind)) == len(fake.state()['permissionsGroups'])


def test_refusals_name_the_group_and_the_option():
    view = groups.permissions_group_view(dict(PG_RAW, owner='ovh'))
    message = groups.read_only_refusal(groups.PERMISSIONS_GROUPS, view, 'deleted')
    assert "permissions group 'ops'" in message and PG_RAW['urn'] in message and 'cannot be deleted' in message
    message = groups.missing_group_refusal(groups.RESOURCE_GROUPS, VPS_ID)
    assert message.startswith('no resource group has the id %s' % VPS_ID) and 'without group_id' in message
