"""API v2 (``/v2``): the /iam routes of iam.json (policies, resources, reference, permissions and resource groups)."""

import json
import re

from . import authz, catalog, conditions, fields, iam
from .common import ApiError, Reply, bad_request, forbidden, iso_utc, iso_v2, not_found, paginate_v2, parse_rfc3339, query_bool
from .routing import Route
from .store import public

ACTION = 'account:apiovh:iam/'
CONDITION_OPERATORS = ('AND', 'MATCH', 'NOT', 'OR')
PERMISSION_KINDS = ('allow', 'except', 'deny')
TAG_OPERATORS = ('EQ', 'EXISTS', 'ILIKE', 'LIKE', 'NEQ', 'NEXISTS')
RESERVED_PREFIX = 'ovh-'
# Names of policies and resource groups: the Control Panel's ENTITY_NAME_PATTERN (ovh/manager iam.constants.js);
# that the API enforces this very pattern, and the length limit, are assumptions (docs/api-fidelity.md).
NAME_PATTERN = re.compile(r'^[a-zA-Z0-9/_+-]+$')
NAME_MAX_LENGTH = 255
OPTIONAL_POLICY_FIELDS = ('description', 'conditions', 'expiredAt', '_expires_at')


def _page(call, items):
    """One cursor page of stored objects, rendered by the caller."""
    return paginate_v2(call.headers, [(item['_seq'], item) for item in items], call.state.knobs['v2_default_page_size'])


def _entity_name(body, kind):
    """A policy or resource group name: format and length (MC API_ERROR.POLICY.NAME codes)."""
    name = fields.string(body, 'name')
    if len(name) > NAME_MAX_LENGTH:
        raise fields.field_error('name', 'The %s name is longer than %d characters' % (kind, NAME_MAX_LENGTH), 'PARAMETER_TOO_LONG')
    if not NAME_PATTERN.match(name):
        raise fields.field_error('name', 'Invalid %s name %r: expected letters, digits, -, _, / and +' % (kind, name), 'INVALID_FORMAT')
    return name


def _details(call):
    return bool(query_bool(call.query, 'details'))


# -- shared body parts


def _permissions(body, path='permissions', required=True):
    """iam.policy.Permissions, keeping the non-empty ``allow``/``except``/``deny`` lists of ``{action}``."""
    found = fields.json_object(body, path, required)
    if found is fields.MISSING:
        return {}
    permissions = {}
    for kind in PERMISSION_KINDS:
        entries = fields.object_array(found, kind, required=False, prefix=path + '.')
        for index, entry in enumerate(entries if entries is not fields.MISSING else ()):
            if not iam.action_valid(entry.get('action')):
                raise fields.field_error('%s.%s.%d.action' % (path, kind, index),
                                         'Invalid action %r: %s' % (entry.get('action'), iam.ACTION_EXPECTED))
        if entries is not fields.MISSING and entries:
            permissions[kind] = [{'action': entry['action']} for entry in entries]
    return permissions


def _reject_readonly(item, kind):
    if item.get('readOnly') or item.get('owner') == 'ovh':
        raise forbidden('This %s is managed by OVHcloud and is read-only' % kind)


# -- policies


def _identities(body):
    identities = fields.string_array(body, 'identities')
    for index, urn in enumerate(identities):
        reason = iam.identity_urn_error(urn)
        if reason:
            raise fields.field_error('identities.%d' % index, 'Invalid identity URN %r: %s' % (urn, reason))
    return list(identities)


def _policy_resources(body):
    resources = fields.object_array(body, 'resources')
    for index, resource in enumerate(resources):
        urn = resource.get('urn')
        if not iam.resource_urn_valid(urn):
            raise fields.field_error('resources.%d.urn' % index, 'Invalid resource URN %r: %s' % (urn, iam.RESOURCE_URN_EXPECTED),
                                     'INVALID_RESOURCE_URN')
    return [{'urn': resource['urn']} for resource in resources]


def _policy_groups(state, body):
    links = fields.object_array(body, 'permissionsGroups', required=False)
    links = [] if links is fields.MISSING else links
    for index, link in enumerate(links):
        if link.get('urn') not in state.permissions_groups:
            raise fields.field_error('permissionsGroups.%d.urn' % index, 'Unknown permissions group %r' % (link.get('urn'),))
    return [{'urn': link['urn']} for link in links]


def _condition(condition, path):
    """A validated iam.policy.Condition, keeping only its ``operator``, ``values`` and ``conditions``."""
    if not isinstance(condition, dict):
        raise fields.field_error(path, 'Invalid type: expected an object')
    prefix = path + '.'
    clean = {'operator': fields.enum(condition, 'operator', CONDITION_OPERATORS, prefix=prefix)}
    values = fields.json_object(condition, 'values', required=False, prefix=prefix)
    if values is not fields.MISSING:
        if not all(isinstance(item, str) for item in values.values()):
            raise fields.field_error(prefix + 'values', 'Invalid type: expected an object of strings')
        for key in values:
            reason = conditions.key_error(key)
            if reason:
                raise fields.field_error(prefix + 'values', reason)
        clean['values'] = dict(values)
    children = fields.array(condition, 'conditions', required=False, prefix=prefix)
    if children is not fields.MISSING and children and clean['operator'] == 'MATCH':
        raise fields.field_error(prefix + 'conditions', 'A MATCH condition takes values, not nested conditions')
    if children is not fields.MISSING:
        clean['conditions'] = [_condition(child, '%s.conditions.%d' % (path, index)) for index, child in enumerate(children)]
    return clean


def _policy_fields(state, body):
    """A validated iam.policy.Creation/Update as the stored fields (every optional field absent when unset)."""
    name = _entity_name(body, 'policy')
    if name.lower().startswith(RESERVED_PREFIX):
        raise fields.field_error('name', "The '%s' prefix is reserved for policies managed by OVHcloud" % RESERVED_PREFIX)
    policy = {'name': name, 'identities': _identities(body), 'resources': _policy_resources(body),
              'permissions': _permissions(body), 'permissionsGroups': _policy_groups(state, body)}
    description = fields.string(body, 'description', required=False)
    if description is not fields.MISSING:
        policy['description'] = description
    if body.get('conditions') is not None:
        policy['conditions'] = _condition(body['conditions'], 'conditions')
    expired_at = fields.string(body, 'expiredAt', required=False)
    if expired_at is not fields.MISSING:
        try:
            policy['_expires_at'] = parse_rfc3339(expired_at)
        except ValueError:
            raise fields.field_error('expiredAt', 'Invalid date-time %r: expected RFC 3339' % expired_at) from None
        policy['expiredAt'] = expired_at if state.knobs['expiry_echo'] == 'as-sent' else iso_utc(policy['_expires_at'])
    return policy


def _name_taken(state, name, policy_id=None):
    """Policy names are unique (MC iam.constants.js POLICY_ALREADY_EXISTS; TF: the name "must be unique")."""
    for policy in state.policies.values():
        if policy['name'] == name and policy['id'] != policy_id:
            raise ApiError(409, 'Client::Conflict::POLICY_ALREADY_EXISTS', 'A policy named %r already exists' % name)


def _resource_details(state, urn):
    resource = state.resources.get(urn)
    if resource:
        return {'resource': {key: resource[key] for key in ('id', 'name', 'displayName', 'owner', 'type', 'tags')}}
    for group in state.resource_groups.values():
        if group['urn'] == urn:
            return {'group': {'id': group['id'], 'name': group['name'], 'readOnly': group['readOnly']}}
    return {}


def render_policy(state, policy, details=False):
    rendered = public(policy)
    rendered['resources'] = [dict(item) for item in policy['resources']]
    rendered['permissionsGroups'] = [dict(item) for item in policy['permissionsGroups']]
    if details:
        for item in rendered['resources']:
            item.update(_resource_details(state, item['urn']))
        for item in rendered['permissionsGroups']:
            group = state.permissions_groups[item['urn']]
            item.update({'name': group['name'], 'owner': group['owner'], 'permissions': group['permissions']})
    return rendered


def _policy_actions(policy):
    return {entry['action'] for kind in PERMISSION_KINDS for entry in policy['permissions'].get(kind, ())}


def _policy_filter(call):
    identities = set(call.query.get('identity', ()))
    urns = set(call.query.get('resourceURN', ()))
    actions = set(call.query.get('action', ()))
    read_only = query_bool(call.query, 'readOnly')

    def keep(policy):
        return ((not identities or identities & set(policy['identities']))
                and (not urns or urns & {item['urn'] for item in policy['resources']})
                and (not actions or actions & _policy_actions(policy))
                and (read_only is None or policy['readOnly'] == read_only))
    return keep


def list_policies(call):
    keep = _policy_filter(call)
    page, headers = _page(call, [policy for policy in call.state.policies.values() if keep(policy)])
    details = _details(call)
    return Reply(200, [render_policy(call.state, policy, details) for policy in page], headers)


def create_policy(call):
    fields_ = _policy_fields(call.state, call.json())
    _name_taken(call.state, fields_['name'])
    policy = call.state.add_policy(fields_)
    return render_policy(call.state, policy)


def _policy(call):
    policy = call.state.policies.get(call.params['policyId'])
    if policy is None:
        raise not_found('Policy %s does not exist' % call.params['policyId'])
    return policy


def get_policy(call):
    return render_policy(call.state, _policy(call), _details(call))


def edit_policy(call):
    """PUT replaces the policy. An optional field omitted or null is cleared (``--put-absent clear``) or
    kept (``--put-absent keep``): no public source says which the real API does."""
    policy = _policy(call)
    _reject_readonly(policy, 'policy')
    replacement = _policy_fields(call.state, call.json())
    _name_taken(call.state, replacement['name'], policy['id'])
    if call.state.knobs['put_absent'] == 'keep':
        for key in OPTIONAL_POLICY_FIELDS:
            if key not in replacement and key in policy:
                replacement[key] = policy[key]
    kept = {key: policy[key] for key in ('id', 'owner', 'readOnly', 'createdAt', '_seq')}
    policy.clear()
    policy.update(replacement, updatedAt=iso_v2(call.state.now()), **kept)
    return render_policy(call.state, policy)


def delete_policy(call):
    policy = _policy(call)
    _reject_readonly(policy, 'policy')
    del call.state.policies[policy['id']]
    return None


# -- resources


def _tag_filters(call):
    """``tags`` is a JSON object: tag key -> list of iam.resource.TagFilter ``{operator, value}``."""
    raw = call.query.get('tags')
    if not raw:
        return {}
    try:
        filters = json.loads(raw[-1])
    except ValueError:
        raise bad_request('Invalid tags filter: expected a JSON object of tag key -> [{"operator", "value"}]') from None
    if not isinstance(filters, dict) or not all(isinstance(rules, list) for rules in filters.values()):
        raise bad_request('Invalid tags filter: expected a JSON object of tag key -> [{"operator", "value"}]')
    for rules in filters.values():
        for rule in rules:
            if not isinstance(rule, dict) or rule.get('operator', 'EQ') not in TAG_OPERATORS:
                raise bad_request('Invalid tags filter rule %r: operator must be one of %s' % (rule, ', '.join(TAG_OPERATORS)))
    return filters


def _like(pattern, text, flags=0):
    regex = '^' + '.*'.join(re.escape(part) for part in pattern.split('%')) + '$'
    return re.match(regex, text, flags) is not None


def _tag_rule_holds(tags, key, rule):
    operator, expected = rule.get('operator', 'EQ'), rule.get('value', '')
    if operator == 'EXISTS':
        return key in tags
    if operator == 'NEXISTS':
        return key not in tags
    if key not in tags:
        return operator == 'NEQ'
    actual = tags[key]
    if operator == 'LIKE':
        return _like(expected, actual)
    if operator == 'ILIKE':
        return _like(expected, actual, re.IGNORECASE)
    return (actual == expected) == (operator == 'EQ')


def list_resources(call):
    names = set(call.query.get('resourceName', ()))
    types = set(call.query.get('resourceType', ()))
    urns = set(call.query.get('resourceURN', ()))
    tags = _tag_filters(call)

    def keep(item):
        return ((not names or item['name'] in names) and (not types or item['type'] in types)
                and (not urns or item['urn'] in urns)
                and all(_tag_rule_holds(item['tags'] or {}, key, rule) for key, rules in tags.items() for rule in rules))
    page, headers = _page(call, [item for item in call.state.resources.values() if keep(item)])
    return Reply(200, [public(item) for item in page], headers)


def get_resource(call):
    item = call.state.resources.get(call.params['resourceURN'])
    if item is None:
        raise not_found('Resource %s does not exist' % call.params['resourceURN'])
    return public(item)


# -- reference


def list_reference_actions(call):
    types = set(call.query.get('resourceType', ()))
    actions = [item for item in catalog.reference_actions() if not types or item['resourceType'] in types]
    page, headers = paginate_v2(call.headers, list(enumerate(actions, 1)), call.state.knobs['v2_default_page_size'])
    return Reply(200, page, headers)


def list_resource_types(call):
    page, headers = paginate_v2(call.headers, list(enumerate(catalog.RESOURCE_TYPES, 1)), call.state.knobs['v2_default_page_size'])
    return Reply(200, page, headers)


# -- permissions groups


def _permissions_group_body(body):
    return {'name': fields.string(body, 'name'), 'description': fields.string(body, 'description'),
            'permissions': _permissions(body)}


def _permissions_group_urn(state, name):
    """Custom groups are named ``urn:v1:<region>:permissionsGroup:<nic>:<name, URN-safe>``."""
    slug = re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-') or 'group'
    return 'urn:v1:%s:permissionsGroup:%s:%s' % (state.owner.region, state.owner.nic, slug)


def list_permissions_groups(call):
    page, headers = _page(call, call.state.permissions_groups.values())
    return Reply(200, [public(group) for group in page], headers)


def create_permissions_group(call):
    group = _permissions_group_body(call.json())
    urn = _permissions_group_urn(call.state, group['name'])
    if urn in call.state.permissions_groups:
        raise ApiError(409, 'Client::Conflict', 'A permissions group named %r already exists (%s)' % (group['name'], urn))
    return public(call.state.add_permissions_group(urn, group, owner=call.state.owner.nic))


def _permissions_group(call):
    group = call.state.permissions_groups.get(call.params['permissionsGroupURN'])
    if group is None:
        raise not_found('Permissions group %s does not exist' % call.params['permissionsGroupURN'])
    return group


def get_permissions_group(call):
    return public(_permissions_group(call))


def edit_permissions_group(call):
    group = _permissions_group(call)
    _reject_readonly(group, 'permissions group')
    group.update(_permissions_group_body(call.json()), updatedAt=iso_v2(call.state.now()))
    return public(group)


def delete_permissions_group(call):
    """Deleting a group also unlinks it from the policies that use it."""
    group = _permissions_group(call)
    _reject_readonly(group, 'permissions group')
    del call.state.permissions_groups[group['urn']]
    for policy in call.state.policies.values():
        policy['permissionsGroups'] = [link for link in policy['permissionsGroups'] if link['urn'] != group['urn']]
    return None


# -- resource groups


def _group_members(state, body, required):
    """iam.group.Resource items, each naming an existing resource by ``id`` (or ``urn``)."""
    items = fields.object_array(body, 'resources', required)
    if items is fields.MISSING:
        return []
    by_id = {item['id']: item for item in state.resources.values()}
    members = []
    for index, item in enumerate(items):
        found = by_id.get(item.get('id')) or state.resources.get(item.get('urn') or '')
        if found is None:
            raise fields.field_error('resources.%d' % index, 'Resource %r does not exist' % (item.get('id') or item.get('urn'),))
        members.append({'id': found['id'], 'urn': found['urn']})
    return members


def render_resource_group(state, group, details=False):
    rendered = public(group)
    if details:
        rendered['resources'] = [public(state.resources[member['urn']]) for member in group['resources']
                                 if member['urn'] in state.resources]
    else:
        rendered['resources'] = [dict(member) for member in group['resources']]
    return rendered


def list_resource_groups(call):
    page, headers = _page(call, call.state.resource_groups.values())
    details = _details(call)
    return Reply(200, [render_resource_group(call.state, group, details) for group in page], headers)


def create_resource_group(call):
    body = call.json()
    name = _entity_name(body, 'resource group')
    group = call.state.add_resource_group(name, _group_members(call.state, body, required=False))
    return render_resource_group(call.state, group)


def _resource_group(call):
    group = call.state.resource_groups.get(call.params['groupId'])
    if group is None:
        raise not_found('Resource group %s does not exist' % call.params['groupId'])
    return group


def get_resource_group(call):
    return render_resource_group(call.state, _resource_group(call), _details(call))


def edit_resource_group(call):
    group = _resource_group(call)
    _reject_readonly(group, 'resource group')
    body = call.json()
    name = _entity_name(body, 'resource group')
    group.update(name=name, resources=_group_members(call.state, body, required=True), updatedAt=iso_v2(call.state.now()))
    return render_resource_group(call.state, group)


def delete_resource_group(call):
    """Deleting a group also removes it from the resources of the policies that use it."""
    group = _resource_group(call)
    _reject_readonly(group, 'resource group')
    del call.state.resource_groups[group['id']]
    for policy in call.state.policies.values():
        policy['resources'] = [item for item in policy['resources'] if item['urn'] != group['urn']]
    return None


ROUTES = (
    Route('GET', '/iam/policy', list_policies, ACTION + 'policy/get'),
    Route('POST', '/iam/policy', create_policy, ACTION + 'policy/create'),
    Route('GET', '/iam/policy/{policyId}', get_policy, ACTION + 'policy/get'),
    Route('PUT', '/iam/policy/{policyId}', edit_policy, ACTION + 'policy/edit'),
    Route('DELETE', '/iam/policy/{policyId}', delete_policy, ACTION + 'policy/delete'),
    Route('GET', '/iam/resource', list_resources),
    Route('GET', '/iam/resource/{resourceURN}', get_resource),
    Route('GET', '/iam/reference/action', list_reference_actions),
    Route('GET', '/iam/reference/resource/type', list_resource_types),
    Route('GET', '/iam/permissionsGroup', list_permissions_groups, ACTION + 'permissionsGroup/get'),
    Route('POST', '/iam/permissionsGroup', create_permissions_group, ACTION + 'permissionsGroup/create'),
    Route('GET', '/iam/permissionsGroup/{permissionsGroupURN}', get_permissions_group, ACTION + 'permissionsGroup/get'),
    Route('PUT', '/iam/permissionsGroup/{permissionsGroupURN}', edit_permissions_group, ACTION + 'permissionsGroup/edit'),
    Route('DELETE', '/iam/permissionsGroup/{permissionsGroupURN}', delete_permissions_group, ACTION + 'permissionsGroup/delete'),
    Route('GET', '/iam/resourceGroup', list_resource_groups, ACTION + 'resourceGroup/get'),
    Route('POST', '/iam/resourceGroup', create_resource_group, ACTION + 'resourceGroup/create'),
    Route('GET', '/iam/resourceGroup/{groupId}', get_resource_group, ACTION + 'resourceGroup/get'),
    Route('PUT', '/iam/resourceGroup/{groupId}', edit_resource_group, ACTION + 'resourceGroup/edit'),
    Route('DELETE', '/iam/resourceGroup/{groupId}', delete_resource_group, ACTION + 'resourceGroup/delete'),
) + authz.ROUTES
