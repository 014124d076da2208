"""IAM rules of the fake: URN and action syntax, and how policies grant a service account an action."""

import re

from . import conditions
from . import identity as identity_module

RESOURCE_URN_EXPECTED = 'expected urn:v1:region:(resource|resourceGroup):(*|group_id|resource_type):(*|resource_name)'
IDENTITY_URN_EXPECTED = 'expected urn:v1:region:identity:(account|user|group|credential):(nichandle|nichandle/name)'
ACTION_EXPECTED = ("expected '<resourceType>:<apiovh|openstack|ai|...>:<operation>' or a pattern starting or ending "
                   "with '*' ('*', '*get', '<resourceType>:*')")

_IDENTITY_URN = re.compile(r'^urn:v1:(eu|ca|us):identity:(account|user|group|credential):(\S+)$')
_RESOURCE_URN = re.compile(r'^urn:v1:(eu|ca|us):(resource|resourceGroup):(\S+)$')
_RESOURCE_TYPE = re.compile(r'^\*?[A-Za-z][A-Za-z0-9]*\*?$|^\*$')
_ACTION = re.compile(r'^[A-Za-z*][A-Za-z0-9*]*:[A-Za-z*][A-Za-z0-9*]*:[A-Za-z0-9_./{}*-]+$')
# The Control Panel's custom-action pattern (ovh/manager iam.constants.js CUSTOM_ACTION_PATTERN).
_ACTION_PATTERN = re.compile(r'^(\*[A-Za-z0-9_./{}*:-]*|[A-Za-z0-9_./{}:-]*\*)$')
_PATTERNS = {}


def _wildcards_at_ends(segment):
    """The DOCS allow a ``*`` wildcard only at the start or the end of a URN segment."""
    return bool(segment) and '*' not in segment[1:-1]


def identity_urn_error(urn):
    """Why ``urn`` is not an identity URN, or None when it is one."""
    match = _IDENTITY_URN.match(urn) if isinstance(urn, str) else None
    if not match:
        return IDENTITY_URN_EXPECTED
    kind, rest = match.group(2), match.group(3)
    if not all(_wildcards_at_ends(part) for part in rest.split('/')):
        return "'*' is only allowed at the start or the end of a URN segment"
    if kind == 'account' and '/' in rest:
        return 'an account identity is urn:v1:region:identity:account:<nichandle>'
    if kind != 'account' and rest.count('/') != 1 and not rest.endswith('*'):
        return 'a %s identity is urn:v1:region:identity:%s:<nichandle>/<name>' % (kind, kind)
    return None


def resource_urn_valid(urn):
    match = _RESOURCE_URN.match(urn) if isinstance(urn, str) else None
    if not match:
        return False
    kind, rest = match.group(2), match.group(3)
    if kind == 'resourceGroup':
        return ':' not in rest and _wildcards_at_ends(rest)
    resource_type, _sep, name = rest.partition(':')
    return bool(_RESOURCE_TYPE.match(resource_type)) and _wildcards_at_ends(name)


def action_valid(action):
    """A full action, or a pattern with a * at its start or end (``*get`` as in OVHcloud's globalReadOnly group)."""
    if not isinstance(action, str) or '::' in action or action.count(':') > 2:
        return False
    return bool(_ACTION.match(action) or _ACTION_PATTERN.match(action))


def pattern_match(pattern, value):
    """IAM wildcard matching: ``*`` stands for any run of characters, separators included."""
    regex = _PATTERNS.get(pattern)
    if regex is None:
        regex = re.compile('^' + '.*'.join(re.escape(part) for part in pattern.split('*')) + '$')
        _PATTERNS[pattern] = regex
    return bool(regex.match(value))


def _any_action(entries, action):
    return any(pattern_match(entry['action'], action) for entry in entries or ())


def _permission_sets(state, policy):
    """The policy's own permissions, then those of each permissions group it links."""
    yield policy.get('permissions') or {}
    for link in policy.get('permissionsGroups') or ():
        group = state.permissions_groups.get(link['urn'])
        if group:
            yield group.get('permissions') or {}


def _group_holds(group, resource_urn):
    return any(member.get('urn') == resource_urn for member in group['resources'])


def _covers(state, policy_urn, resource_urn):
    if ':resourceGroup:' in policy_urn:
        return any(pattern_match(policy_urn, group['urn']) and _group_holds(group, resource_urn)
                   for group in state.resource_groups.values())
    return pattern_match(policy_urn, resource_urn)


def _applies(state, policy, identity, resource_urn, context):
    if policy.get('_expires_at') is not None and policy['_expires_at'] <= context['now']:
        return False
    if not any(pattern_match(pattern, who) for pattern in policy['identities'] for who in context['identities']):
        return False
    if not any(_covers(state, resource['urn'], resource_urn) for resource in policy['resources']):
        return False
    return conditions.holds(policy.get('conditions'), context)


def is_allowed(state, identity, action, resource_urn, ip=None):
    """True when a live policy grants ``identity`` the ``action`` on ``resource_urn``.

    Per policy (and per linked permissions group), ``allow`` minus ``except`` grants; a matching
    ``deny`` in any applicable policy wins over every grant. A policy whose conditions do not hold
    for this request (source ``ip``, the fake clock, the target resource) does not apply at all.
    """
    context = {'now': state.now(), 'ip': state.source_ip or ip, 'resource': state.resources.get(resource_urn),
               'identities': identity_module.identities_of(state, identity)}
    granted = False
    for policy in state.policies.values():
        if not _applies(state, policy, identity, resource_urn, context):
            continue
        for permissions in _permission_sets(state, policy):
            if _any_action(permissions.get('deny'), action):
                return False
            if _any_action(permissions.get('allow'), action) and not _any_action(permissions.get('except'), action):
                granted = True
    return granted
