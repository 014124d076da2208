# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""IAM resources (``/v2/iam/resource``), their tags, resource types and the action reference (the catalogue).

Shapes come from OVHcloud's iam.json (iam.resource.Resource, iam.resource.AddTag, iam.reference.Action).
Views are what modules return: plain dicts with snake_case keys. Tag keys are user data and are never
converted. Nothing here calls fail_json: API calls raise OvhError, checks return problems.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import resource_problems, unknown_action_problems

RESOURCE_PATH = '/v2/iam/resource'
ACTION_REFERENCE_PATH = '/v2/iam/reference/action'
RESOURCE_TYPE_REFERENCE_PATH = '/v2/iam/reference/resource/type'

TAG_OPERATORS = ('EQ', 'NEQ', 'LIKE', 'ILIKE', 'EXISTS', 'NEXISTS')
VALUELESS_TAG_OPERATORS = ('EXISTS', 'NEXISTS')
# URNs resolved per GET /v2/iam/resource?resourceURN=...: keeps the query string short.
URN_LOOKUP_BATCH = 40
# iam.resource.Resource.tags: "Tags that were internally computed are prefixed with ovh:"; the Terraform provider
# refuses to set them ("managed by OVH and cannot be set via the API") and never removes them.
MANAGED_TAG_PREFIX = 'ovh:'
# iam.resource.AddTag: key '^[a-zA-Z0-9_.:/=+@-]{1,128}\z', value '^[a-zA-Z0-9_.:/=+@-]{0,256}\z'.
TAG_KEY = re.compile(r'^[a-zA-Z0-9_.:/=+@-]{1,128}\Z')
TAG_VALUE = re.compile(r'^[a-zA-Z0-9_.:/=+@-]{0,256}\Z')

RESOURCE_FIELDS = ('id', 'urn', 'name', 'displayName', 'type', 'owner', 'tags')
MEMBER_FIELDS = ('id', 'urn', 'name', 'displayName', 'type')
ACTION_FIELDS = ('action', 'categories', 'description', 'resourceType', 'hasQueryParameters')

_UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
_CAMEL_BOUNDARY_RE = re.compile(r'(?<=[a-z0-9])(?=[A-Z])')
_RESOURCE_TYPE_RE = re.compile(r'^[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)?$')
_ONE_RESOURCE_URN_RE = re.compile(r'^urn:v1:(eu|ca|us):resource:[A-Za-z][A-Za-z0-9]*:[^*\s]+$')


def _resource_path(urn):
    return '%s/%s' % (RESOURCE_PATH, escape_path_segment(urn))


def _tag_path(urn, key):
    return '%s/tag/%s' % (_resource_path(urn), escape_path_segment(key))


# ---------------------------------------------------------------- views


def snake_case(name):
    """displayName -> display_name, hasQueryParameters -> has_query_parameters."""
    return _CAMEL_BOUNDARY_RE.sub('_', name).lower()


def snake_fields(raw, names):
    """The fields ``names`` of an API object, under snake_case keys."""
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


def merge_list(have, want, purge, distinct=unique):
    """The wanted value of a list option: None leaves the remote list as it is, purge replaces it, no purge adds to
    it; ``distinct`` drops the duplicates (in first-seen order by default)."""
    if want is None:
        return list(have)
    if purge:
        return distinct(want)
    return distinct(list(have) + list(want))


def resource_view(raw):
    view = snake_fields(raw, RESOURCE_FIELDS)
    view['tags'] = dict(raw.get('tags') or {})
    return view


def member_view(raw, known=None):
    """A resource as a member of a resource group; fields the answer lacks come from ``known`` (id -> member view)."""
    view = snake_fields(raw, MEMBER_FIELDS)
    for key, value in ((known or {}).get(view['id']) or {}).items():
        if view.get(key) is None:
            view[key] = value
    return view


def action_view(raw):
    view = snake_fields(raw, ACTION_FIELDS)
    view['categories'] = list(view['categories'] or [])
    view['has_query_parameters'] = bool(view['has_query_parameters'])
    return view


# ---------------------------------------------------------------- input checks


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


def tag_problems(tags):
    """Keys and values OVHcloud would refuse (iam.resource.AddTag)."""
    problems = []
    for key, value in sorted((tags or {}).items(), key=lambda item: str(item[0])):
        if not isinstance(key, str):
            problems.append('tags: the key %r must be a string; quote it in YAML.' % (key,))
        elif not TAG_KEY.match(key):
            problems.append("tags: key %r must be 1 to 128 of the characters a-z A-Z 0-9 _ . : / = + @ -." % key)
        if not isinstance(value, str):
            problems.append('tags: the value of %r must be a string, got %r; quote it in YAML.' % (key, value))
        elif not TAG_VALUE.match(value):
            problems.append("tags: the value %r of %r must be 0 to 256 of the characters a-z A-Z 0-9 _ . : / = + @ -."
                            % (value, key))
    return problems


def resource_urn_problems(urn):
    """Tags belong to one resource: a wildcard or a resource group URN names none."""
    if not isinstance(urn, str) or not _ONE_RESOURCE_URN_RE.match(urn):
        return ['urn %r is not the URN of one resource; expected urn:v1:<eu|ca|us>:resource:<type>:<name> without a '
                'wildcard, e.g. urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net (ovhcloud.iam.ovh_iam_resource_info '
                'lists the URNs of your resources).' % (urn,)]
    return []


def managed_tag_problems(current, wanted):
    """Tags OVHcloud manages (ovh: prefix) that the task would set or change: OVHcloud computes them itself."""
    current = current or {}
    return ['tags: %r is managed by OVHcloud (keys prefixed with ovh: are computed by OVHcloud and cannot be set, changed '
            'or removed; the resource has %s); remove it from tags.'
            % (key, '%s=%r' % (key, current[key]) if key in current else 'no such tag')
            for key, value in sorted((wanted or {}).items())
            if key.startswith(MANAGED_TAG_PREFIX) and current.get(key) != value]


# ---------------------------------------------------------------- decisions


def tag_plan(current, wanted, purge):
    """(tags to set {key: value}, keys to delete, tags after) for one resource.

    ``wanted`` keys are set when absent or different; with ``purge`` every other key is deleted, except the
    tags OVHcloud manages (ovh: prefix), which a purge never touches.
    """
    current = dict(current or {})
    wanted = dict(wanted or {})
    to_set = dict((key, value) for key, value in sorted(wanted.items()) if current.get(key) != value)
    to_delete = []
    if purge:
        to_delete = sorted(key for key in current if key not in wanted and not key.startswith(MANAGED_TAG_PREFIX))
    after = dict((key, value) for key, value in current.items() if key not in to_delete)
    after.update(to_set)
    return to_set, to_delete, after


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


# ---------------------------------------------------------------- reads


def list_resources(api, types=None, names=None, urns=None, tags_query=None):
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
    return api.list_v2(RESOURCE_PATH, params=params or None)


def get_resource(api, urn):
    """The iam.resource.Resource with this URN, or None when there is none."""
    return api.get_or_none(_resource_path(urn))


def list_actions(api, resource_types):
    return api.list_v2(ACTION_REFERENCE_PATH, params={'resourceType': list(resource_types)})


def list_resource_types(api):
    return api.list_v2(RESOURCE_TYPE_REFERENCE_PATH)


def catalogue_problems(api, named):
    """Actions OVHcloud's catalogue does not know, with suggestions; one GET of /v2/iam/reference/action
    (filtered on the resource types named) when there is anything to check, none otherwise."""
    if not named:
        return []
    types = sorted(set(action.split(':')[0] for _option, actions in named for action in actions))
    catalogue = set(item.get('action') for item in list_actions(api, types) if isinstance(item, dict))
    problems = []
    for option, actions in named:
        problems.extend(unknown_action_problems(option, actions, catalogue))
    return problems


def resolve_resource_references(api, references, known):
    """Resource ids for ``references`` (ids or URNs), plus what was learnt: (ids, id -> member view).

    ``known`` (id -> member view, e.g. the group's current members) saves lookups; the other URNs
    are resolved with GET /v2/iam/resource?resourceURN=... Unknown URNs raise one OvhError naming them all.
    """
    learnt = dict(known or {})
    by_urn = dict((view['urn'], view['id']) for view in learnt.values() if view.get('urn'))
    missing = unique(ref for ref in references if not is_resource_id(ref) and ref not in by_urn)
    for start in range(0, len(missing), URN_LOOKUP_BATCH):
        for raw in list_resources(api, urns=missing[start:start + URN_LOOKUP_BATCH]):
            view = member_view(raw)
            learnt[view['id']] = view
            by_urn[view['urn']] = view['id']
    unknown = [ref for ref in missing if ref not in by_urn]
    if unknown:
        raise OvhError('resources: no resource of this account has the URN %s; ovhcloud.iam.ovh_iam_resource_info lists the URNs '
                       'of your resources' % ', '.join(unknown))
    ids = unique(ref if is_resource_id(ref) else by_urn[ref] for ref in references)
    return ids, learnt


# ---------------------------------------------------------------- tag writes


def _has_tag(api, urn, key, value):
    found = get_resource(api, urn)
    return found is not None and (found.get('tags') or {}).get(key) == value


def add_tag(api, urn, key, value, replacing=False):
    """POST one tag. Whether a POST replaces the value of an existing key is not settled by any public source:
    when it answers 409 Conflict for a key being changed, the old tag is deleted and the POST sent again.

    A POST whose answer was lost may have been carried out: the resource is read back, and the tag it
    carries then means the POST took."""
    def landed(_error):
        return True if _has_tag(api, urn, key, value) else None

    body = {'key': key, 'value': value}
    try:
        api.post_reconciled('%s/tag' % _resource_path(urn), body, landed)
    except OvhApiError as exc:
        if not (replacing and exc.status == 409):
            raise
        api.delete_if_exists(_tag_path(urn, key))
        api.post_reconciled('%s/tag' % _resource_path(urn), body, landed)


def remove_tag(api, urn, key):
    """DELETE one tag; False when it was already gone."""
    return api.delete_if_exists(_tag_path(urn, key))
