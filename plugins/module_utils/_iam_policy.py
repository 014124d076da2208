# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""IAM v2 policies (``/v2/iam/policy``): the flat snake_case shape modules show, set comparison, the one
PUT/POST body, lookups, writes, and the identities a policy lists (attach, detach, replace).

A policy has two shapes here:
- the API shape (``iam.policy.Response`` / ``iam.policy.Update``): camelCase, resources and
  permissions groups as ``[{urn}]``, actions as ``permissions.allow[{action}]``;
- the flat shape (``flatten_policy``): snake_case and flattened like the module options, so a
  returned policy can be fed back to ``ovh_iam_policy``. Lists are sorted and deduplicated because
  the API treats them as sets; empty and null are the same thing.
"""

from __future__ import annotations

import json

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import merge_list
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    action_problems,
    condition_problems,
    datetime_problems,
    identity_problems,
    name_problems,
    normalize_datetime,
    past_expiry_problems,
    permissions_group_problems,
    region_mismatch_problems,
    resource_problems,
)

POLICY_PATH = '/v2/iam/policy'
RESERVED_NAME_PREFIX = 'ovh-'

ACTION_FIELDS = ('allow', 'except', 'deny')
LIST_FIELDS = ('identities', 'resources') + ACTION_FIELDS + ('permissions_groups',)
# The fields a user manages; the others (id, owner, read_only, dates) are set by OVHcloud.
MANAGED_FIELDS = ('name', 'description') + LIST_FIELDS + ('conditions', 'expired_at')


def _policy_path(policy_id):
    return '%s/%s' % (POLICY_PATH, escape_path_segment(policy_id))


# ---------------------------------------------------------------------------- API -> flat shape

def unique_sorted(values):
    """A list option or API list as the set it stands for, in a stable order."""
    return sorted(set(value for value in values or () if value not in (None, '')))


def _urns(entries):
    return unique_sorted(entry.get('urn') if isinstance(entry, dict) else entry for entry in entries or ())


def _actions(entries):
    return unique_sorted(entry.get('action') if isinstance(entry, dict) else entry for entry in entries or ())


# What the Control Panel sends for "no condition" (ovh/manager createPolicy.controller.js toAPI()). Sent
# instead of null, it clears the conditions whether the API takes an omitted or null field as "clear" or "keep".
NO_CONDITIONS = {'operator': 'AND', 'conditions': []}


def normalize_conditions(condition):
    """A condition tree in canonical form, or None for no condition.

    Empty ``values`` and ``conditions`` are dropped (the API answers null or omits them), and nested
    conditions are sorted: AND / OR do not depend on their order, NOT and MATCH hold at most one.
    An AND or OR with nothing in it (the Control Panel's empty group) is no condition at all.
    """
    if not condition:
        return None
    if condition.get('operator') in ('AND', 'OR') and not condition.get('values') and not any(
            normalize_conditions(child) for child in condition.get('conditions') or ()):
        return None
    canonical = {'operator': condition.get('operator')}
    values = condition.get('values')
    if values:
        canonical['values'] = dict(sorted((str(key), value) for key, value in values.items()))
    children = [normalize_conditions(child) for child in condition.get('conditions') or ()]
    children = [child for child in children if child]
    if children:
        canonical['conditions'] = sorted(children, key=lambda child: json.dumps(child, sort_keys=True))
    return canonical


def normalize_expiry(value):
    """expired_at in UTC at second precision (2026-12-31T23:59:59Z), or None for no expiry."""
    if value in (None, ''):
        return None
    return normalize_datetime(value) or value


def flatten_policy(api_policy):
    """The flat snake_case view of an API policy; {} for no policy."""
    if not api_policy:
        return {}
    permissions = api_policy.get('permissions') or {}
    return {
        'id': api_policy.get('id'),
        'name': api_policy.get('name'),
        'description': api_policy.get('description') or '',
        'identities': unique_sorted(api_policy.get('identities')),
        'resources': _urns(api_policy.get('resources')),
        'allow': _actions(permissions.get('allow')),
        'except': _actions(permissions.get('except')),
        'deny': _actions(permissions.get('deny')),
        'permissions_groups': _urns(api_policy.get('permissionsGroups')),
        'conditions': normalize_conditions(api_policy.get('conditions')),
        'expired_at': normalize_expiry(api_policy.get('expiredAt')),
        'owner': api_policy.get('owner'),
        'read_only': bool(api_policy.get('readOnly')),
        'created_at': api_policy.get('createdAt'),
        'updated_at': api_policy.get('updatedAt'),
    }


# ---------------------------------------------------------------------------- wanted state

def desired_policy(current, params):
    """The flat policy the task asks for: the remote one (or {} to create) plus the wanted changes.

    An option left out (None) keeps the remote value. ``remove_identities`` is applied last, so it
    wins over ``identities``. ``description: ''``, ``conditions: {}`` and ``expired_at: ''`` clear
    the field.
    """
    desired = dict(current) if current else dict((field, []) for field in LIST_FIELDS)
    desired.setdefault('description', '')
    desired.setdefault('conditions', None)
    desired.setdefault('expired_at', None)
    for field in LIST_FIELDS:
        desired[field] = merge_list(desired.get(field) or [], params.get(field), params.get('purge_' + field, True),
                                    distinct=unique_sorted)
    removed = set(params.get('remove_identities') or ())
    desired['identities'] = [identity for identity in desired['identities'] if identity not in removed]
    if params.get('name') is not None:
        desired['name'] = params['name']
    if params.get('description') is not None:
        desired['description'] = params['description']
    if params.get('conditions') is not None:
        desired['conditions'] = normalize_conditions(params['conditions'])
    if params.get('expired_at') is not None:
        desired['expired_at'] = normalize_expiry(params['expired_at'])
    return desired


def changed_fields(current, desired):
    """Names of the managed fields that differ (both sides in flat, canonical form)."""
    return [field for field in MANAGED_FIELDS if (current or {}).get(field) != desired.get(field)]


def api_body(flat):
    """The full iam.policy.Update (= Creation) object: the API replaces the whole policy on PUT.

    The one body every policy POST and PUT sends. Only writable fields are built (read-only details
    such as resource names are not); an API policy goes through ``flatten_policy`` first.
    """
    return {
        'name': flat['name'],
        'description': flat.get('description') or '',
        'identities': list(flat['identities']),
        'resources': [{'urn': urn} for urn in flat['resources']],
        'permissions': dict((field, [{'action': action} for action in flat[field]]) for field in ACTION_FIELDS),
        'permissionsGroups': [{'urn': urn} for urn in flat['permissions_groups']],
        'conditions': flat.get('conditions') or dict(NO_CONDITIONS),
        'expiredAt': flat.get('expired_at'),
    }


def untaken_fields(desired, answered):
    """Managed fields the API answered otherwise than they were sent (both flat): a write that did not take."""
    return changed_fields(answered, desired)


def untaken_message(desired, answered, fields, verb):
    """Why a write that OVHcloud accepted is reported as failed: each field that did not take, named."""
    details = []
    for field in fields:
        hint = ''
        if field == 'expired_at' and desired.get(field) is None:
            hint = (' (OVHcloud kept the expiry when sent null: set a later date instead, or delete the policy and '
                    'create it again without expired_at)')
        sent, kept = (json.dumps(flat.get(field), sort_keys=True) for flat in (desired, answered))
        details.append('%s: sent %s, OVHcloud kept %s%s' % (field, sent, kept, hint))
    return ('OVHcloud accepted the %s of policy %r but did not apply every field, so running again would not help: %s'
            % (verb, desired.get('name'), '; '.join(details)))


class UntakenWriteError(OvhError):
    """OVHcloud accepted a policy write but did not apply every field: running again would not help."""

    def __init__(self, message, policy, fields):
        super().__init__(message)
        self.policy = policy
        self.fields = fields


def answered_policy(desired, answered, verb):
    """The flat policy the API answered to a write of ``desired`` (flat); UntakenWriteError names each field that
    did not take."""
    flat = flatten_policy(answered)
    untaken = untaken_fields(desired, flat)
    if untaken:
        raise UntakenWriteError(untaken_message(desired, flat, untaken, verb), flat, untaken)
    return flat


# ---------------------------------------------------------------------------- checks

def endpoint_region(params):
    """The URN region of the endpoint the task talks to, or None (a custom URL, or a configuration error
    that OvhModule.api reports itself)."""
    try:
        return resolve_connection(params).region
    except OvhError:
        return None


def option_problems(params, region=None):
    """Every bad item in the options of ovh_iam_policy / ovh_iam_policy_info, as sentences."""
    problems = []
    problems.extend(identity_problems('identities', params.get('identities')))
    problems.extend(identity_problems('remove_identities', params.get('remove_identities')))
    problems.extend(resource_problems('resources', params.get('resources')))
    problems.extend(permissions_group_problems('permissions_groups', params.get('permissions_groups')))
    for field in ACTION_FIELDS:
        problems.extend(action_problems(field, params.get(field)))
    if params.get('conditions'):
        problems.extend(condition_problems('conditions', params['conditions']))
    problems.extend(datetime_problems('expired_at', params.get('expired_at')))
    if not datetime_problems('expired_at', params.get('expired_at')):
        problems.extend(past_expiry_problems('expired_at', params.get('expired_at')))
    problems.extend(reserved_name_problems('name', params.get('name')))
    problems.extend(region_mismatch_problems(region, [
        (option, params.get(option)) for option in ('identities', 'remove_identities', 'resources', 'permissions_groups')]))
    return problems


def reserved_name_problems(option, name):
    if name is not None and name.lower().startswith(RESERVED_NAME_PREFIX):
        return ['%s: %r starts with %r, a prefix OVHcloud reserves for the policies it manages; '
                'choose another name' % (option, name, RESERVED_NAME_PREFIX)]
    return name_problems(option, name)


def protection_problem(flat):
    """Why this remote policy must not be changed or deleted, or None."""
    if flat.get('read_only'):
        reason = 'is read-only (managed by OVHcloud)'
    elif (flat.get('name') or '').lower().startswith(RESERVED_NAME_PREFIX):
        reason = 'has a name starting with %r, a prefix OVHcloud reserves' % RESERVED_NAME_PREFIX
    else:
        return None
    return ('policy %r (id %s) %s: ovhcloud.iam.ovh_iam_policy refuses to change or delete it; '
            'ovhcloud.iam.ovh_iam_policy_info still lists it' % (flat.get('name'), flat.get('id'), reason))


def creation_problems(params, desired):
    """What is missing to create the policy (the API requires name, identities, resources, permissions)."""
    problems = []
    if not desired.get('name'):
        problems.append('name is required to create a policy')
    if params.get('identities') is None:
        problems.append('identities is required to create a policy (it may be [] to add identities later)')
    if not desired.get('resources'):
        problems.append('resources is required to create a policy: at least one resource URN, e.g. the account '
                        '(urn:v1:eu:resource:account:<nic>)')
    if not (desired.get('allow') or desired.get('deny') or desired.get('permissions_groups')):
        problems.append('a policy needs permissions: give allow, deny or permissions_groups')
    return problems


def asks_only_removal(params):
    """True when a task only takes identities out: nothing to do on a policy that does not exist."""
    fields = LIST_FIELDS + ('description', 'conditions', 'expired_at')
    return bool(params.get('remove_identities')) and all(params.get(field) is None for field in fields)


# ---------------------------------------------------------------------------- reading

def get_policy(api, policy_id):
    """The API policy with this id, or None when there is none."""
    try:
        return api.get(_policy_path(policy_id))
    except OvhApiError as exc:
        if exc.is_not_found:
            return None
        raise


def list_policies(api, identities=None, resources=None, actions=None, read_only=None):
    """Every policy matching the server-side filters (repeated query parameters), every page."""
    params = {}
    if identities:
        params['identity'] = list(identities)
    if resources:
        params['resourceURN'] = list(resources)
    if actions:
        params['action'] = list(actions)
    if read_only is not None:
        params['readOnly'] = read_only
    return api.list_v2(POLICY_PATH, params=params or None)


def find_by_name(api, name):
    """Every editable policy with exactly this name (the API has no name filter).

    Only ``readOnly=false`` narrows the list safely: an identity, resource or action filter built
    from the task's options would hide the policy as soon as it lacks the value being added.
    OVHcloud's read-only policies use the reserved ``ovh-`` prefix, refused before any call.
    """
    return [policy for policy in list_policies(api, read_only=False) if policy.get('name') == name]


def policies_with_identity(api, urn):
    """Every policy (all pages) whose identities list ``urn`` exactly, as the API returns them.

    The server filter (``?identity=``) may also match wildcard identities, which cannot be
    detached one URN at a time, so the exact membership is checked here too.
    """
    return [p for p in list_policies(api, identities=[urn]) if urn in (p.get('identities') or [])]


# ---------------------------------------------------------------------------- writing

def _landed_policy(api, desired):
    """After a POST that may have made the policy (5xx, lost answer, or "already exists"): the policy it made,
    or None when nothing carries its name.

    A namesake identical to the policy asked for is that create, landed although its answer was lost: it is
    adopted. A different namesake means another writer took the name meanwhile: the error stands (names are
    unique), never a second policy.
    """
    def landed(error):
        namesakes = find_by_name(api, desired['name'])
        for policy in namesakes:
            if not changed_fields(flatten_policy(policy), desired):
                return policy
        if namesakes:
            raise error
        return None
    return landed


def create_policy(api, desired, warn):
    """POST the policy (flat ``desired``); the API's answer, or the identical policy a lost answer made.

    Sent once more only when the API answered an error and the lookup shows nothing was created; after no
    answer at all the request may still land later, so the task fails and the next run adopts the policy.
    """
    def resent(error, _attempt):
        warn('creating policy %r failed (%s) and created nothing; it was sent once more' % (desired['name'], error))
    return api.post_reconciled(POLICY_PATH, api_body(desired), _landed_policy(api, desired), adopt_existing=True,
                               resends=1, on_resend=resent)


def update_policy(api, policy_id, desired):
    """PUT the full policy (flat ``desired``); the policy as the API answered it (read back when the answer has
    no policy)."""
    updated = api.put(_policy_path(policy_id), api_body(desired))
    if not (isinstance(updated, dict) and updated.get('id')):
        updated = get_policy(api, policy_id)
    return updated


def delete_policy(api, policy_id):
    """DELETE a policy; True when deleted, False when it was already gone."""
    return api.delete_if_exists(_policy_path(policy_id))


def rewrite_policy(api, policy, identities=None):
    """PUT one policy (API shape) back whole: as it was, or with ``identities`` instead of its own."""
    flat = flatten_policy(policy)
    # The API's order, not the flat sorted one: a policy put back as it was reads back the same.
    flat['identities'] = list(policy.get('identities') or [] if identities is None else identities)
    api.put(_policy_path(policy['id']), api_body(flat))


def detach_identity(api, policy, urn, delete_if_empty=False, check_mode=False):
    """Remove ``urn`` from one policy (API shape, not readOnly) with a full PUT.

    When no identity would remain and ``delete_if_empty`` is true, the policy is deleted instead.
    Returns ``{'id', 'name', 'deleted'}``. In check mode nothing is sent.
    """
    remaining = [identity for identity in policy.get('identities') or [] if identity != urn]
    deleted = not remaining and delete_if_empty
    if not check_mode:
        if deleted:
            delete_policy(api, policy['id'])
        else:
            rewrite_policy(api, policy, remaining)
    return {'id': policy['id'], 'name': policy['name'], 'deleted': deleted}


def replace_identity(api, policy, old_urn, new_urn, check_mode=False):
    """Point one policy (API shape, not readOnly) at ``new_urn`` instead of ``old_urn`` (full PUT).

    Returns ``{'id', 'name'}``. In check mode nothing is sent.
    """
    identities = []
    for identity in policy.get('identities') or []:
        replacement = new_urn if identity == old_urn else identity
        if replacement not in identities:
            identities.append(replacement)
    if not check_mode:
        rewrite_policy(api, policy, identities)
    return {'id': policy['id'], 'name': policy['name']}


def add_identity(api, policy, urn):
    """Add ``urn`` to one policy (API shape) with a full PUT; the policy as it is now (API shape)."""
    identities = list(policy.get('identities') or [])
    if urn not in identities:
        identities.append(urn)
        rewrite_policy(api, policy, identities)
    return dict(policy, identities=identities)
