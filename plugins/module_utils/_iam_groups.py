# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""IAM resources, permissions groups and resource groups: lookups, API bodies and snake_case views.

Views are what modules return: plain dicts with snake_case keys. Tag keys are user data and are
never converted. Nothing here calls fail_json: lookups raise OvhError, checks return problems.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    ENTITY_NAME_RE,
    name_problems as _name_problems,
    resource_problems,
    unknown_action_problems,
)

RESOURCE_PATH = '/v2/iam/resource'
ACTION_REFERENCE_PATH = '/v2/iam/reference/action'
RESOURCE_TYPE_REFERENCE_PATH = '/v2/iam/reference/resource/type'
PERMISSIONS_GROUP_PATH = '/v2/iam/permissionsGroup'
RESOURCE_GROUP_PATH = '/v2/iam/resourceGroup'

PERMISSION_KINDS = ('allow', 'except', 'deny')
TAG_OPERATORS = ('EQ', 'NEQ', 'LIKE', 'ILIKE', 'EXISTS', 'NEXISTS')
VALUELESS_TAG_OPERATORS = ('EXISTS', 'NEXISTS')
# URNs resolved per GET /v2/iam/resource?resourceURN=...: keeps the query string short.
URN_LOOKUP_BATCH = 40

RESOURCE_FIELDS = ('id', 'urn', 'name', 'displayName', 'type', 'owner', 'tags')
MEMBER_FIELDS = ('id', 'urn', 'name', 'displayName', 'type')
ACTION_FIELDS = ('action', 'categories', 'description', 'resourceType', 'hasQueryParameters')

_UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
_CAMEL_BOUNDARY_RE = re.compile(r'(?<=[a-z0-9])(?=[A-Z])')
_RESOURCE_TYPE_RE = re.compile(r'^[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)?$')


def snake_case(name):
    """displayName -> display_name, hasQueryParameters -> has_query_parameters."""
    return _CAMEL_BOUNDARY_RE.sub('_', name).lower()


def _snake_fields(raw, names):
    return dict((snake_case(name), raw.get(name)) for name in names)


def unique(values):
    """The values without duplicates, in first-seen order."""
    seen = set()
    kept = []
    for value in values:
        if value not in seen:
            seen.add(value)
            kept.append(value)
    return kept


def merge_list(have, want, purge):
    """The wanted list: None leaves it as it is, purge replaces it, no purge adds to it."""
    if want is None:
        return list(have)
    if purge:
        return unique(want)
    return unique(list(have) + list(want))


def same_set(left, right):
    return set(left or ()) == set(right or ())


# ---------------------------------------------------------------- resources and the reference


def resource_view(raw):
    view = _snake_fields(raw, RESOURCE_FIELDS)
    view['tags'] = dict(raw.get('tags') or {})
    return view


def action_view(raw):
    view = _snake_fields(raw, ACTION_FIELDS)
    view['categories'] = list(view['categories'] or [])
    view['has_query_parameters'] = bool(view['has_query_parameters'])
    return view


def tag_filter_query(tags=None, tag_filters=None):
    """The ``tags`` query parameter: JSON of tag key -> [{operator, value}], as OVHcloud's Control Panel sends it.

    ``tags`` is a plain key -> value mapping (EQ); ``tag_filters`` items are {key, operator, value}.
    None when there is nothing to filter on.
    """
    query = {}
    for key in sorted(tags or {}):
        query.setdefault(key, []).append({'operator': 'EQ', 'value': str(tags[key])})
    for item in tag_filters or ():
        rule = {'operator': item.get('operator') or 'EQ'}
        if rule['operator'] not in VALUELESS_TAG_OPERATORS:
            rule['value'] = item.get('value') or ''
        query.setdefault(item['key'], []).append(rule)
    if not query:
        return None
    return json.dumps(query, separators=(',', ':'), sort_keys=True)


def tag_filter_problems(option, tag_filters):
    problems = []
    for index, item in enumerate(tag_filters or ()):
        where = '%s[%d]' % (option, index)
        operator = item.get('operator') or 'EQ'
        if not item.get('key'):
            problems.append('%s: key must be a non-empty tag key' % where)
        if operator in VALUELESS_TAG_OPERATORS and item.get('value') is not None:
            problems.append('%s: operator %s tests whether the key is set and takes no value' % (where, operator))
        if operator not in VALUELESS_TAG_OPERATORS and item.get('value') is None:
            problems.append('%s: operator %s needs a value (LIKE and ILIKE take %% as a wildcard)' % (where, operator))
    return problems


def resource_type_problems(option, values):
    problems = []
    for value in values or ():
        if not isinstance(value, str) or not _RESOURCE_TYPE_RE.match(value):
            hint = ''
            if isinstance(value, str) and value.startswith('urn:'):
                hint = '; give a resource type, not a URN'
            elif isinstance(value, str) and value.count(':') >= 2:
                hint = '; give the resource type (the part before the first colon, e.g. %r), not an action' % value.split(':')[0]
            problems.append('%s: %r is not a resource type such as account, vps or dnsZone%s' % (option, value, hint))
    return problems


def list_resources(client, types=None, names=None, urns=None, tags_query=None):
    """Every resource matching the server-side filters (all pages)."""
    params = {}
    if types:
        params['resourceType'] = list(types)
    if names:
        params['resourceName'] = list(names)
    if urns:
        params['resourceURN'] = list(urns)
    if tags_query:
        params['tags'] = tags_query
    return client.list_v2(RESOURCE_PATH, params=params or None)


def list_actions(client, resource_types):
    return client.list_v2(ACTION_REFERENCE_PATH, params={'resourceType': list(resource_types)})


def actions_to_check(named, held=None):
    """(option, [actions]) pairs reduced to what the action catalogue must confirm: actions the remote
    object does not hold yet (those it holds were written before), and not those whose resource type has
    a * (``*``, ``*get``), which the catalogue cannot be filtered on."""
    held = set(held or ())
    checked = []
    for option, actions in named:
        kept = [action for action in actions or () if action not in held and '*' not in action.split(':')[0]]
        if kept:
            checked.append((option, kept))
    return checked


def catalogue_problems(client, named):
    """Actions OVHcloud's catalogue does not know, with suggestions; one GET of /v2/iam/reference/action
    (filtered on the resource types named) when there is anything to check, none otherwise."""
    if not named:
        return []
    types = sorted(set(action.split(':')[0] for _option, actions in named for action in actions))
    catalogue = set(item.get('action') for item in list_actions(client, types) if isinstance(item, dict))
    problems = []
    for option, actions in named:
        problems.extend(unknown_action_problems(option, actions, catalogue))
    return problems


def list_resource_types(client):
    return client.list_v2(RESOURCE_TYPE_REFERENCE_PATH)


# ---------------------------------------------------------------- permissions groups


def permissions_group_path(urn):
    return '%s/%s' % (PERMISSIONS_GROUP_PATH, escape_path_segment(urn))


def list_permissions_groups(client):
    return client.list_v2(PERMISSIONS_GROUP_PATH)


def is_already_exists(exc):
    """The API's answer for a name already taken (``Client::Conflict::POLICY_ALREADY_EXISTS`` and the like):
    after a create whose first answer was lost, it means that create landed."""
    return exc.status == 409 or str(exc.error_class or '').endswith('ALREADY_EXISTS')


def create_permissions_group(client, body):
    """POST, reconciled: when the answer was lost but the group may exist, look it up by name."""
    try:
        return client.post(PERMISSIONS_GROUP_PATH, body)
    except OvhApiError as exc:
        if not exc.may_have_applied:
            raise
        created = single_by_name(list_permissions_groups(client), body['name'], 'permissions group', 'urn', 'urn')
        if created is None:
            raise
        return created


def get_permissions_group(client, urn):
    """The group with this URN, or None when there is none."""
    return client.get_or_none(permissions_group_path(urn))


def permissions_group_read_only(raw):
    """OVHcloud's own groups (owner ``ovh``) cannot be changed; the API may also flag a group readOnly."""
    return bool(raw.get('readOnly')) or raw.get('owner') == 'ovh'


def actions_of(permissions, kind):
    return [entry.get('action') for entry in (permissions or {}).get(kind) or () if entry.get('action')]


def permissions_group_view(raw):
    permissions = raw.get('permissions') or {}
    view = _snake_fields(raw, ('id', 'urn', 'name', 'description', 'owner'))
    view['description'] = view['description'] or ''
    for kind in PERMISSION_KINDS:
        view[kind] = actions_of(permissions, kind)
    view['read_only'] = permissions_group_read_only(raw)
    view.update(_snake_fields(raw, ('createdAt', 'updatedAt')))
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


def resource_group_path(group_id):
    return '%s/%s' % (RESOURCE_GROUP_PATH, escape_path_segment(group_id))


def list_resource_groups(client):
    return client.list_v2(RESOURCE_GROUP_PATH, params={'details': True})


def create_resource_group(client, body):
    """POST, reconciled like create_permissions_group (callers checked that no group had this name)."""
    try:
        return client.post(RESOURCE_GROUP_PATH, body)
    except OvhApiError as exc:
        if not exc.may_have_applied:
            raise
        created = single_by_name(list_resource_groups(client), body['name'], 'resource group', 'id', 'group_id')
        if created is None:
            raise
        return created


def get_resource_group(client, group_id):
    """The group with its members' details, or None when there is none."""
    return client.get_or_none(resource_group_path(group_id), params={'details': True})


def member_view(raw, known=None):
    """A member of a resource group; fields the answer lacks come from ``known`` (id -> member view)."""
    view = _snake_fields(raw, MEMBER_FIELDS)
    for key, value in ((known or {}).get(view['id']) or {}).items():
        if view.get(key) is None:
            view[key] = value
    return view


def resource_group_view(raw, known=None):
    view = _snake_fields(raw, ('id', 'urn', 'name', 'owner'))
    view['read_only'] = bool(raw.get('readOnly'))
    view['resources'] = [member_view(item, known) for item in raw.get('resources') or ()]
    view.update(_snake_fields(raw, ('createdAt', 'updatedAt')))
    return view


def resource_group_body(name, member_ids):
    return {'name': name, 'resources': [{'id': member_id} for member_id in member_ids]}


def resource_group_differs(before, after):
    return before['name'] != after['name'] or not same_set(member_ids(before), member_ids(after))


def member_ids(view):
    return [member['id'] for member in view['resources']]


def is_resource_id(value):
    return isinstance(value, str) and bool(_UUID_RE.match(value))


def resource_reference_problems(option, values):
    """Members of a resource group: resource ids (uuid) or exact resource URNs."""
    problems = []
    for value in values or ():
        if is_resource_id(value):
            continue
        if not isinstance(value, str) or not value.startswith('urn:'):
            problems.append('%s: %r is neither a resource id (a uuid) nor a resource URN such as urn:v1:eu:resource:vps:vps-1234.vps.ovh.net; '
                            'ovhcloud.iam.ovh_iam_resource_info lists both' % (option, value))
        elif ':resourceGroup:' in value:
            problems.append('%s: %r is a resource group; a resource group holds resources, not other groups' % (option, value))
        elif '*' in value:
            problems.append('%s: %r has a wildcard; a resource group holds named resources. List them with '
                            'ovhcloud.iam.ovh_iam_resource_info, or put the wildcard URN in the resources of a policy' % (option, value))
        else:
            problems.extend(resource_problems(option, [value]))
    return problems


def resolve_resource_references(client, references, known):
    """Resource ids for ``references`` (ids or URNs), plus what was learnt: (ids, id -> member view).

    ``known`` (id -> member view, e.g. the group's current members) saves lookups; the other URNs
    are resolved with GET /v2/iam/resource?resourceURN=... Unknown URNs raise one OvhError naming them all.
    """
    learnt = dict(known or {})
    by_urn = dict((view['urn'], view['id']) for view in learnt.values() if view.get('urn'))
    missing = unique(ref for ref in references if not is_resource_id(ref) and ref not in by_urn)
    for start in range(0, len(missing), URN_LOOKUP_BATCH):
        for raw in list_resources(client, urns=missing[start:start + URN_LOOKUP_BATCH]):
            view = member_view(raw)
            learnt[view['id']] = view
            by_urn[view['urn']] = view['id']
    unknown = [ref for ref in missing if ref not in by_urn]
    if unknown:
        raise OvhError('resources: no resource of this account has the URN %s; ovhcloud.iam.ovh_iam_resource_info lists the URNs '
                       'of your resources' % ', '.join(unknown))
    ids = unique(ref if is_resource_id(ref) else by_urn[ref] for ref in references)
    return ids, learnt


# ---------------------------------------------------------------- shared


def name_problems(option, value):
    """Empty names and names with NUL or control characters: surely mistakes."""
    return _name_problems(option, value)


def new_name_problems(option, value):
    """A name about to be written must also have the Control Panel's format (letters, digits, - _ / +)."""
    return _name_problems(option, value, ENTITY_NAME_RE)


def single_by_name(items, name, kind, key, option):
    """The one item named ``name`` (None if none); several raise an OvhError listing their ``key``."""
    matches = [item for item in items if item.get('name') == name]
    if len(matches) > 1:
        raise OvhError('%d %ss are named %r: %s. Choose one with the %s option' % (
            len(matches), kind, name, ', '.join(str(item.get(key)) for item in matches), option))
    return matches[0] if matches else None


def read_only_refusal(kind, name, address, action):
    """The message refusing to change or delete an OVHcloud-managed group."""
    return ('the %s %r (%s) is managed by OVHcloud and is read-only, so it cannot be %s. '
            'Reference it from a policy as it is, or give your own group another name' % (kind, name, address, action))
