# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Who can do what: OVHcloud IAM policy evaluation, offline, with the reasons.

The rules (../shared/ovh-api.md section 12, TF docs/resources/iam_policy.md, ovh/docs IAM guides):
- a policy applies to a request when it is not expired, one of its identities matches the caller (a user
  is also covered by the policies of its group), one of its resources covers the target (directly, by a
  URN pattern, or through a resource group holding it) and its conditions hold;
- each permission set (the policy's own permissions, then each permissions group it links) is evaluated on
  its own: ``allow`` minus ``except`` of the SAME set grants; a policy's ``except`` does not take actions out
  of a permissions group it links;
- a matching ``deny`` in any applicable set beats every grant;
- ``*`` stands for any run of characters in actions and URNs (OVHcloud writes it at the start or the end).

Conditions are three-valued here: True, False, or None when they cannot be decided offline (the source IP
of a future request, a zone this Python cannot convert). A decision that rests on an undecided condition is
``depends``, never a guess.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import list_permissions_groups, list_resource_groups
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import list_policies
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import list_resources
from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import get_group, get_user
from ansible_collections.ovhcloud.iam.plugins.module_utils._oauth2 import list_clients
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    CONDITION_KEY_OPERATORS,
    WEEK_DAYS,
    _DATE_KEY_RE,
    _PLAIN_KEY_RE,
    _TAG_KEY_RE,
)

ALLOWED, DENIED, DEPENDS = 'allowed', 'denied', 'depends'
_PATTERNS = {}


# ---------------------------------------------------------------------------- wildcards

def pattern_match(pattern, value):
    """IAM wildcard matching: ``*`` stands for any run of characters, separators included."""
    if not isinstance(pattern, str) or not isinstance(value, str):
        return False
    regex = _PATTERNS.get(pattern)
    if regex is None:
        regex = re.compile('^' + '.*'.join(re.escape(part) for part in pattern.split('*')) + '$')
        _PATTERNS[pattern] = regex
    return bool(regex.match(value))


def expired(policy, now):
    """Whether the policy's ``expiredAt`` instant is at or before ``now`` (epoch seconds)."""
    moment = parse_instant(policy.get('expiredAt'))
    return moment is not None and moment <= now


def parse_instant(value):
    """Epoch seconds of an RFC 3339 date-time (``Z``, offsets, fractions), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace('z', 'Z')
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    match = re.match(r'^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2}:\d{2})?$', text)
    if not match:
        return None
    moment = datetime.datetime.strptime(match.group(1).replace(' ', 'T'), '%Y-%m-%dT%H:%M:%S')
    offset = match.group(3) or '+00:00'
    sign = -1 if offset[0] == '-' else 1
    delta = datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
    moment = moment.replace(tzinfo=datetime.timezone(delta))
    return moment.timestamp() + float(match.group(2) or 0)


# ---------------------------------------------------------------------------- conditions

def parse_condition_key(key):
    """(subject, OPERATOR, argument) -- argument is the tag key or the zone -- or None for an unknown key."""
    if not isinstance(key, str):
        return None
    match = _TAG_KEY_RE.match(key)
    if match:
        subject, argument, operator = 'resource.Tag', match.group('tag'), match.group('op')
    else:
        match = _DATE_KEY_RE.match(key)
        if match:
            subject, argument, operator = match.group('field'), match.group('zone'), match.group('op')
        else:
            match = _PLAIN_KEY_RE.match(key)
            if not match:
                return None
            subject, argument, operator = match.group('subject'), None, match.group('op')
    operator = (operator or 'EQ').upper()  # a key without an operator is taken as EQ
    if operator not in CONDITION_KEY_OPERATORS[subject]:
        return None
    return subject, operator, argument


def _three_valued(values, decisive):
    """Kleene logic: ``decisive`` (False for AND, True for OR) wins; else None when any value is unknown."""
    values = list(values)
    if any(value is decisive for value in values):
        return decisive
    if any(value is None for value in values):
        return None
    return not decisive


def _all3(values):
    return _three_valued(values, False)


def _any3(values):
    return _three_valued(values, True)


def condition_holds(condition, context):
    """True, False or None (undecidable offline) for a stored condition tree in ``context``.

    ``context``: ``now`` (epoch seconds), ``ip`` (None: unknown), ``resource`` (the IAM resource, None:
    unknown). AND and MATCH need every test, OR one, NOT is the negation of the AND of its tests; an empty
    AND or OR is no condition at all.
    """
    if not condition:
        return True
    operator = str(condition.get('operator') or 'AND').upper()
    tests = [value_holds(key, value, context) for key, value in sorted((condition.get('values') or {}).items())]
    tests += [condition_holds(child, context) for child in condition.get('conditions') or ()]
    if operator == 'NOT':
        every = _all3(tests)
        return None if every is None else not every
    if operator == 'OR':
        return _any3(tests) if tests else True
    return _all3(tests)


def _compare(operator, actual, expected_items):
    if operator == 'IN':
        return actual in expected_items
    expected = expected_items[0]
    if operator == 'EQ':
        return actual == expected
    if operator in ('BEFORE', 'LT'):
        return actual < expected
    if operator in ('AFTER', 'GT'):
        return actual > expected
    if operator == 'GE':
        return actual >= expected
    if operator == 'LE':
        return actual <= expected
    return False


def local_time(now, zone):
    """``now`` in the IANA ``zone``, or None when this Python cannot convert to it."""
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    if zone in ('UTC', 'GMT', 'Etc/UTC'):
        return moment
    try:
        import zoneinfo
    except ImportError:
        return None
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def value_holds(key, value, context):
    """One ``key: value`` test of a condition: True, False, or None when undecidable offline."""
    parsed = parse_condition_key(key)
    if parsed is None or not isinstance(value, str):
        return None
    subject, operator, argument = parsed
    items = [item.strip() for item in value.split(',')] if operator in ('IN', 'IN_RANGE') else [value.strip()]
    if subject == 'request.IP':
        return _ip_holds(operator, context.get('ip'), items)
    if subject.startswith('resource.'):
        resource = context.get('resource')
        if resource is None:
            return None
        if subject == 'resource.Tag':
            actual = (resource.get('tags') or {}).get(argument)
        else:
            actual = resource.get('name' if subject == 'resource.Name' else 'type')
        if actual is None:
            return False
        if operator == 'STARTS_WITH':
            return actual.startswith(items[0])
        if operator == 'ENDS_WITH':
            return actual.endswith(items[0])
        return _compare(operator, actual, items)
    if context.get('now') is None:
        return None
    local = local_time(context['now'], argument)
    if local is None:
        return None
    if subject == 'Date':
        return _compare(operator, local.strftime('%Y-%m-%d'), items)
    try:
        if subject == 'Hour':
            return _compare(operator, local.hour, [int(item) for item in items])
        return _compare(operator, local.weekday(), [WEEK_DAYS.index(item.lower()) for item in items])
    except ValueError:
        return False


def _ip_holds(operator, ip, items):
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
        if operator == 'EQ':
            return address == ipaddress.ip_address(items[0])
        return any(address in ipaddress.ip_network(item, strict=False) for item in items)
    except ValueError:
        return False


# ---------------------------------------------------------------------------- the account

class Account:
    """What evaluation needs, as the API returns it: policies, permissions groups (by URN), resource groups
    (with their members' URNs) and the known resources (by URN, with name, type and tags)."""

    def __init__(self, policies, permissions_groups=(), resource_groups=(), resources=()):
        self.policies = list(policies)
        self.permissions_groups = {group.get('urn'): group for group in permissions_groups if isinstance(group, dict)}
        self.resource_groups = [group for group in resource_groups if isinstance(group, dict)]
        self.resources = {item.get('urn'): item for item in resources if isinstance(item, dict)}

    def group_members(self, group):
        return [member.get('urn') for member in group.get('resources') or () if isinstance(member, dict)]

    def covering(self, resource_pattern, resource_urn):
        """None when the policy resource does not cover ``resource_urn``; else the resource group that does
        (its name) or '' when the URN (pattern) itself does."""
        if ':resourceGroup:' in resource_pattern:
            for group in self.resource_groups:
                if pattern_match(resource_pattern, group.get('urn')) and resource_urn in self.group_members(group):
                    return group.get('name') or group.get('urn')
            return None
        return '' if pattern_match(resource_pattern, resource_urn) else None

    def expand(self, resource_pattern):
        """The known resources a policy resource stands for: (urn, via resource group name or '')."""
        if ':resourceGroup:' in resource_pattern:
            found = []
            for group in self.resource_groups:
                if pattern_match(resource_pattern, group.get('urn')):
                    found.extend((urn, group.get('name') or group.get('urn')) for urn in self.group_members(group))
            return found
        if '*' not in resource_pattern:
            return [(resource_pattern, '')]
        return [(urn, '') for urn in self.resources if pattern_match(resource_pattern, urn)]

    def permission_sets(self, policy):
        """(None, the policy's own permissions), then (group URN, its permissions) for each linked group."""
        yield None, policy.get('permissions') or {}
        for link in policy.get('permissionsGroups') or ():
            urn = link.get('urn') if isinstance(link, dict) else link
            group = self.permissions_groups.get(urn)
            yield urn, (group or {}).get('permissions') or {}


def _actions(permissions, kind):
    return [entry.get('action') for entry in permissions.get(kind) or () if isinstance(entry, dict)]


def _first_match(patterns, action):
    for pattern in patterns:
        if pattern_match(pattern, action):
            return pattern
    return None


def identity_matches(policy, identities):
    return any(pattern_match(pattern, identity) for pattern in policy.get('identities') or () for identity in identities)


def _policy_ref(policy):
    return {'id': policy.get('id'), 'name': policy.get('name')}


# ---------------------------------------------------------------------------- one decision

def explain(account, identities, resource_urn, action, now, ip=None):
    """Allowed or denied, and why, for the identity URNs ``identities`` doing ``action`` on ``resource_urn``.

    Returns plain data: ``decision`` (allowed, denied, depends), ``allowed`` (bool: allowed for sure),
    ``reason`` (one sentence), and the contributing ``allowed_by``, ``excepted_by``, ``denied_by`` entries
    (policy, permissions group, matched pattern, covering resource pattern, resource group, conditions and
    whether they hold now), ``ignored`` expired policies, and ``inert_excepts``: excepts that match the action
    in a set whose own allow does not, so they take nothing out (not even from a linked permissions group).
    """
    context = {'now': now, 'ip': ip, 'resource': account.resources.get(resource_urn)}
    result = {'resource': resource_urn, 'action': action, 'allowed_by': [], 'excepted_by': [], 'denied_by': [],
              'ignored': [], 'inert_excepts': []}
    for policy in account.policies:
        if not identity_matches(policy, identities):
            continue
        coverage = None
        for resource in policy.get('resources') or ():
            pattern = resource.get('urn') if isinstance(resource, dict) else resource
            via = account.covering(pattern or '', resource_urn)
            if via is not None:
                coverage = (pattern, via)
                break
        if coverage is None:
            continue
        if expired(policy, now):
            result['ignored'].append(dict(_policy_ref(policy), reason='expired at %s' % policy.get('expiredAt')))
            continue
        holds = condition_holds(policy.get('conditions'), context)
        for group_urn, permissions in account.permission_sets(policy):
            entry = dict(policy=policy.get('name'), policy_id=policy.get('id'), permissions_group=group_urn,
                         resource_pattern=coverage[0], resource_group=coverage[1] or None,
                         conditions=policy.get('conditions') or None, conditions_hold=holds)
            denied = _first_match(_actions(permissions, 'deny'), action)
            if denied:
                result['denied_by'].append(dict(entry, pattern=denied))
                continue
            allowed = _first_match(_actions(permissions, 'allow'), action)
            excepted = _first_match(_actions(permissions, 'except'), action)
            if not allowed:
                if excepted:  # an except only trims the allow of its own set: here it takes nothing out
                    result['inert_excepts'].append(dict(entry, except_pattern=excepted))
                continue
            if excepted:
                result['excepted_by'].append(dict(entry, pattern=allowed, except_pattern=excepted))
            else:
                result['allowed_by'].append(dict(entry, pattern=allowed))
    result.update(_decide(result))
    return result


def _source(entry):
    where = 'policy %r' % entry['policy']
    if entry['permissions_group']:
        where += ' (permissions group %s)' % entry['permissions_group']
    return where


def _decide(result):
    sure_deny = [entry for entry in result['denied_by'] if entry['conditions_hold'] is True]
    maybe_deny = [entry for entry in result['denied_by'] if entry['conditions_hold'] is None]
    sure_allow = [entry for entry in result['allowed_by'] if entry['conditions_hold'] is True]
    maybe_allow = [entry for entry in result['allowed_by'] if entry['conditions_hold'] is None]
    if sure_deny:
        return dict(decision=DENIED, allowed=False,
                    reason='denied by %s (deny beats allow)' % _source(sure_deny[0]))
    if sure_allow and not maybe_deny:
        reason = 'allowed by %s' % _source(sure_allow[0])
        if result['inert_excepts']:
            inert = result['inert_excepts'][0]
            reason += ('; the except %r of %s does not apply: an except only trims the allow of its own permission set'
                       % (inert['except_pattern'], _source(inert)))
        return dict(decision=ALLOWED, allowed=True, reason=reason)
    if sure_allow or maybe_allow:
        undecided = (maybe_deny or maybe_allow)[0]
        return dict(decision=DEPENDS, allowed=False,
                    reason='depends on the conditions of %s, which cannot be decided offline' % _source(undecided))
    if result['excepted_by']:
        entry = result['excepted_by'][0]
        return dict(decision=DENIED, allowed=False,
                    reason='not granted: %r is taken out by except %r in %s' % (result['action'], entry['except_pattern'], _source(entry)))
    if result['allowed_by'] or result['denied_by']:
        return dict(decision=DENIED, allowed=False, reason='not granted: the conditions of every granting policy do not hold')
    if result['ignored']:
        return dict(decision=DENIED, allowed=False, reason='not granted: the only granting policies are expired')
    return dict(decision=DENIED, allowed=False, reason='not granted: no policy allows it')


# ---------------------------------------------------------------------------- everything an identity can do

def grants(account, identities, now, ip=None, catalogue=None):
    """Per resource (every known resource a live policy of ``identities`` covers; URN patterns kept as they
    are), the permission sets that apply -- each with its own allow, except and deny, as OVHcloud evaluates
    them -- and, given the action ``catalogue`` (``[{action, resourceType}]``), the concrete actions allowed."""
    by_resource = {}
    for policy in account.policies:
        if not identity_matches(policy, identities) or expired(policy, now):
            continue
        for resource in policy.get('resources') or ():
            pattern = (resource.get('urn') if isinstance(resource, dict) else resource) or ''
            targets = account.expand(pattern)
            if '*' in pattern and ':resourceGroup:' not in pattern:
                targets = [(pattern, '')] + targets
            for urn, via in targets:
                holds = condition_holds(policy.get('conditions'), {'now': now, 'ip': ip, 'resource': account.resources.get(urn)})
                if holds is False:
                    continue
                known = account.resources.get(urn) or {}
                row = by_resource.setdefault(urn, {'resource': urn, 'name': known.get('name'), 'type': known.get('type'),
                                                   'policies': [], 'permission_sets': []})
                if policy.get('name') not in row['policies']:
                    row['policies'].append(policy.get('name'))
                for group_urn, permissions in account.permission_sets(policy):
                    entry = {'policy': policy.get('name'), 'permissions_group': group_urn, 'resource_group': via or None,
                             'conditions_hold': holds}
                    entry.update((kind, sorted(set(_actions(permissions, kind)))) for kind in ('allow', 'except', 'deny'))
                    if entry not in row['permission_sets']:
                        row['permission_sets'].append(entry)
    rows = []
    for urn in sorted(by_resource):
        row = by_resource[urn]
        row['policies'].sort()
        row['allow'] = sorted(set(action for entry in row['permission_sets'] for action in entry['allow']))
        row['deny'] = sorted(set(action for entry in row['permission_sets'] for action in entry['deny']))
        row['conditional'] = any(entry['conditions_hold'] is None for entry in row['permission_sets'])
        row['actions'] = None
        if catalogue is not None and '*' not in urn:
            kind = row['type'] or resource_type_of(urn)
            row['actions'] = sorted(item['action'] for item in catalogue
                                    if item.get('resourceType') == kind
                                    and explain(account, identities, urn, item['action'], now, ip)['decision'] == ALLOWED)
        rows.append(row)
    return rows


def resource_type_of(urn):
    """The resource type a resource URN names (``vps`` in urn:v1:eu:resource:vps:vps-1), or None."""
    parts = (urn or '').split(':')
    return parts[4] if len(parts) > 5 and parts[3] == 'resource' else None


# ---------------------------------------------------------------------------- reading the account

def _needs_groups(policies):
    return any(policy.get('permissionsGroups') for policy in policies)


def _needs_resource_groups(policies):
    return any(':resourceGroup:' in ((resource.get('urn') if isinstance(resource, dict) else resource) or '')
               for policy in policies for resource in policy.get('resources') or ())


def read_account(api, identities, resource_urns=(), resource_types=(), all_resources=False):
    """An Account for ``identities``: every policy (one list), and only what those naming the identities need --
    permissions groups when one is linked, resource groups when one is named, the resources asked about."""
    policies = [policy for policy in list_policies(api) if identity_matches(policy, identities)]
    permissions_groups = list_permissions_groups(api) if _needs_groups(policies) else []
    resource_groups = list_resource_groups(api) if _needs_resource_groups(policies) else []
    resources = []
    if all_resources:
        resources = list_resources(api)
    elif resource_urns or resource_types:
        if resource_types:
            resources += list_resources(api, types=resource_types)
        if resource_urns:
            resources += list_resources(api, urns=resource_urns)
    return Account(policies, permissions_groups, resource_groups, resources)


class IdentityNotFound(OvhError):
    pass


def resolve_identity(api, service_account=None, user=None, group=None, urn=None):
    """The identity to evaluate: ``{kind, name, urn, client_id, group, identities}`` where ``identities`` are every
    URN whose policies apply (a local user's group included). Raises IdentityNotFound with the fix."""
    if service_account is not None:
        found = [item for item in list_clients(api) if service_account in (item.get('name'), item.get('client_id'))]
        if not found:
            raise IdentityNotFound('service_account: no service account has the name or client ID %r '
                                   '(ovhcloud.iam.ovh_oauth2_client_info lists them)' % service_account)
        if len(found) > 1:
            raise IdentityNotFound('service_account: several service accounts are named %r (%s); give the client ID of one'
                                   % (service_account, ', '.join(item['client_id'] for item in found)))
        return {'kind': 'service_account', 'name': found[0]['name'], 'client_id': found[0]['client_id'],
                'urn': found[0]['identity'], 'group': None, 'identities': [found[0]['identity']]}
    if group is not None:
        found = get_group(api, group)
        if not found:
            raise IdentityNotFound('group: the account has no local group %r' % group)
        return {'kind': 'group', 'name': group, 'client_id': None, 'urn': found.get('urn'), 'group': None,
                'role': found.get('role'), 'identities': [found.get('urn')]}
    login = user
    if urn is not None:
        parts = urn.split(':')
        if len(parts) < 6 or parts[4] != 'user' or '/' not in parts[5] or '*' in urn:
            kind = parts[4] if len(parts) > 4 else 'identity'
            return {'kind': kind, 'name': parts[5] if len(parts) > 5 else urn, 'client_id': None, 'urn': urn,
                    'group': None, 'identities': [urn]}
        login = parts[5].split('/', 1)[1]
    found = get_user(api, login)
    if not found:
        if urn is not None:  # a user this account does not hold (or cannot read): its own URN only
            return {'kind': 'user', 'name': login, 'client_id': None, 'urn': urn, 'group': None, 'identities': [urn]}
        raise IdentityNotFound('user: the account has no local user %r' % login)
    identities = [urn or found.get('urn')]
    group_urn = role = None
    if found.get('group'):
        group_found = get_group(api, found['group']) or {}
        group_urn, role = group_found.get('urn'), group_found.get('role')
        if group_urn:
            identities.append(group_urn)
    return {'kind': 'user', 'name': login, 'client_id': None, 'urn': identities[0],
            'group': {'name': found.get('group'), 'urn': group_urn, 'role': role} if found.get('group') else None,
            'identities': identities}
