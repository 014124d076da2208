# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""IAM permissions groups (``/v2/iam/permissionsGroup``) and resource groups (``/v2/iam/resourceGroup``).

Named API calls, API bodies and snake_case views. Views are what modules return: plain dicts with
snake_case keys. API calls raise OvhError and checks return problems; nothing here ends a task (the steps both
group modules take are in ``_iam_groups_module``). Resources, their tags and the action reference live in
``_iam_resources``.
"""

from __future__ import annotations

import collections

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import member_view, snake_fields

PERMISSIONS_GROUP_PATH = '/v2/iam/permissionsGroup'
RESOURCE_GROUP_PATH = '/v2/iam/resourceGroup'

PERMISSION_KINDS = ('allow', 'except', 'deny')


def same_set(left, right):
    return set(left or ()) == set(right or ())


# ---------------------------------------------------------------- permissions groups


def _permissions_group_path(urn):
    return '%s/%s' % (PERMISSIONS_GROUP_PATH, escape_path_segment(urn))


def list_permissions_groups(api):
    return api.list_v2(PERMISSIONS_GROUP_PATH)


def get_permissions_group(api, urn):
    """The group with this URN, or None when there is none."""
    return api.get_or_none(_permissions_group_path(urn))


def create_permissions_group(api, body):
    """POST; when the answer was lost but the group may exist, the group of that name is the answer."""
    return _create_named(api, PERMISSIONS_GROUP_PATH, body, PERMISSIONS_GROUPS)


def update_permissions_group(api, urn, body):
    """PUT the whole group (permissions_group_body); the API's answer."""
    return api.put(_permissions_group_path(urn), body)


def delete_permissions_group(api, urn):
    """DELETE; False when it was already gone."""
    return api.delete_if_exists(_permissions_group_path(urn))


def permissions_group_read_only(raw):
    """OVHcloud's own groups (owner ``ovh``) cannot be changed; the API may also flag a group readOnly."""
    return bool(raw.get('readOnly')) or raw.get('owner') == 'ovh'


def actions_of(permissions, kind):
    return [entry.get('action') for entry in (permissions or {}).get(kind) or () if entry.get('action')]


def permissions_group_view(raw):
    permissions = raw.get('permissions') or {}
    view = snake_fields(raw, ('id', 'urn', 'name', 'description', 'owner'))
    view['description'] = view['description'] or ''
    for kind in PERMISSION_KINDS:
        view[kind] = actions_of(permissions, kind)
    view['read_only'] = permissions_group_read_only(raw)
    view.update(snake_fields(raw, ('createdAt', 'updatedAt')))
    return view


def permissions_body(view):
    """iam.policy.Permissions from a view's allow/except/deny lists (empty lists left out)."""
    return dict((kind, [{'action': action} for action in view[kind]]) for kind in PERMISSION_KINDS if view[kind])


def permissions_group_body(view):
    """The full iam.PermissionsGroup body the API wants on POST and PUT."""
    return {'name': view['name'], 'description': view['description'] or '', 'permissions': permissions_body(view)}


def permissions_group_differs(before, after):
    if before['name'] != after['name'] or (before['description'] or '') != (after['description'] or ''):
        return True
    return any(not same_set(before[kind], after[kind]) for kind in PERMISSION_KINDS)


# ---------------------------------------------------------------- resource groups


def _resource_group_path(group_id):
    return '%s/%s' % (RESOURCE_GROUP_PATH, escape_path_segment(group_id))


def list_resource_groups(api):
    return api.list_v2(RESOURCE_GROUP_PATH, params={'details': True})


def get_resource_group(api, group_id):
    """The group with its members' details, or None when there is none."""
    return api.get_or_none(_resource_group_path(group_id), params={'details': True})


def create_resource_group(api, body):
    """POST, reconciled like create_permissions_group (callers checked that no group had this name)."""
    return _create_named(api, RESOURCE_GROUP_PATH, body, RESOURCE_GROUPS)


def update_resource_group(api, group_id, body):
    """PUT the whole group (resource_group_body); the API's answer."""
    return api.put(_resource_group_path(group_id), body)


def delete_resource_group(api, group_id):
    """DELETE; False when it was already gone."""
    return api.delete_if_exists(_resource_group_path(group_id))


def resource_group_view(raw, known=None):
    view = snake_fields(raw, ('id', 'urn', 'name', 'owner'))
    view['read_only'] = bool(raw.get('readOnly'))
    view['resources'] = [member_view(item, known) for item in raw.get('resources') or ()]
    view.update(snake_fields(raw, ('createdAt', 'updatedAt')))
    return view


def resource_group_body(name, member_ids):
    return {'name': name, 'resources': [{'id': member_id} for member_id in member_ids]}


def resource_group_differs(before, after):
    return before['name'] != after['name'] or not same_set(member_ids(before), member_ids(after))


def member_ids(view):
    return [member['id'] for member in view['resources']]


# ---------------------------------------------------------------- both kinds

# What the two kinds of groups differ in: how they are called, the key of a module's result, the field and
# option that address one (OVHcloud chooses both when it creates a group), their view and their API calls.
GroupKind = collections.namedtuple('GroupKind', 'label result_key address address_label option view get list_all create update delete')
PERMISSIONS_GROUPS = GroupKind('permissions group', 'permissions_group', 'urn', 'URN', 'urn', permissions_group_view,
                               get_permissions_group, list_permissions_groups, create_permissions_group,
                               update_permissions_group, delete_permissions_group)
RESOURCE_GROUPS = GroupKind('resource group', 'resource_group', 'id', 'id', 'group_id', resource_group_view,
                            get_resource_group, list_resource_groups, create_resource_group,
                            update_resource_group, delete_resource_group)


def find_group(api, kind, address=None, name=None):
    """The group at ``address`` when given, else the one named ``name``; None when there is none."""
    if address:
        return kind.get(api, address)
    return single_by_name(kind.list_all(api), name, kind.label, kind.address, kind.option)


def matching_groups(api, kind, address=None, name=None):
    """The groups an _info module returns: the one at ``address``, or those named ``name``, or all."""
    if address:
        found = kind.get(api, address)
        return [found] if found else []
    return [group for group in kind.list_all(api) if name is None or group.get('name') == name]


def _create_named(api, path, body, kind):
    """POST a new group. When the answer was lost, the group named ``body['name']`` is the one this POST made
    (callers checked that no group had that name)."""
    return api.post_reconciled(path, body, lambda _error: find_group(api, kind, name=body['name']))


def missing_group_refusal(kind, address):
    """The message refusing to create a group at an address: OVHcloud chooses it."""
    return ('no %s has the %s %s. OVHcloud chooses the %s of a new group: give its name (without %s) to create one'
            % (kind.label, kind.address_label, address, kind.address_label, kind.option))


def read_only_refusal(kind, view, action):
    """The message refusing to change or delete an OVHcloud-managed group."""
    return ('the %s %r (%s) is managed by OVHcloud and is read-only, so it cannot be %s. '
            'Reference it from a policy as it is, or give your own group another name'
            % (kind.label, view['name'], view[kind.address], action))


# ---------------------------------------------------------------- shared


def single_by_name(items, name, kind, key, option):
    """The one item named ``name`` (None if none); several raise an OvhError listing their ``key``."""
    matches = [item for item in items if item.get('name') == name]
    if len(matches) > 1:
        raise OvhError('%d %ss are named %r: %s. Choose one with the %s option' % (
            len(matches), kind, name, ', '.join(str(item.get(key)) for item in matches), option))
    return matches[0] if matches else None
