# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Checks of IAM inputs (URNs, actions, conditions, dates) made before any API call.

Every checker returns a list of problems (plain sentences naming the option and the fix),
so a module can report every bad item at once.
"""

from __future__ import annotations

import datetime
import re

REGIONS = ('eu', 'ca', 'us')
_REGION = r'(?P<region>[a-z]+)'
IDENTITY_KINDS = ('account', 'user', 'group', 'credential')

_IDENTITY_RE = re.compile(r'^urn:v1:' + _REGION + r':identity:(?P<kind>[a-zA-Z]+):(?P<rest>[^\s:]+)$')
_RESOURCE_RE = re.compile(r'^urn:v1:' + _REGION + r':resource:(?P<type>\*|[a-zA-Z][a-zA-Z0-9]*(?::[a-zA-Z][a-zA-Z0-9]*)?):(?P<name>\S+)$')
_RESOURCE_GROUP_RE = re.compile(r'^urn:v1:' + _REGION + r':resourceGroup:(?P<id>\*|[0-9a-fA-F-]{8,})$')
_PERMISSIONS_GROUP_RE = re.compile(r'^urn:v1:' + _REGION + r':permissionsGroup:(?P<owner>[^\s:]+):(?P<name>[^\s]+)$')
_ACTION_SEGMENT_RE = re.compile(r'^(\*|[a-zA-Z][a-zA-Z0-9]*\*?)$')
_ACTION_OPERATION_RE = re.compile(r'^[a-zA-Z0-9_./{}*-]+$')
CONDITION_OPERATORS = ('AND', 'OR', 'NOT', 'MATCH')
_CONDITION_KEY_RE = re.compile(
    # The key names are exact; only the operator suffix is written in any case (OVHcloud's own examples use .In).
    r'^(date\([A-Za-z0-9_+/-]+\)\.(Date|Hour|WeekDay)|resource\.Tag\([^()\s]+\)|request\.IP)'
    r'(\.(?i:EQ|BEFORE|AFTER|GE|LE|GT|LT|IN))?$')
_DATE_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$', re.IGNORECASE)

RESOURCE_EXAMPLE = 'urn:v1:eu:resource:account:xx1111-ovh, urn:v1:eu:resource:vps:*, or urn:v1:eu:resourceGroup:<uuid>'


def _region_problem(option, value, region):
    if region not in REGIONS:
        return '%s: %r has region %r; use one of %s (the region of your endpoint)' % (option, value, region, ', '.join(REGIONS))
    return None


def _wildcard_problem(option, value, name):
    if '*' in name.strip('*'):
        return '%s: %r has a * inside its name; a wildcard may only start or end it' % (option, value)
    return None


def identity_problems(option, values):
    problems = []
    for value in values or []:
        if not isinstance(value, str) or not value:
            problems.append('%s: every identity must be a non-empty URN string, got %r' % (option, value))
            continue
        match = _IDENTITY_RE.match(value)
        if not match:
            problems.append('%s: %r is not an identity URN; expected urn:v1:<eu|ca|us>:identity:<account|user|group|credential>:<nic>[/<name>], '
                            'e.g. the identity returned by ovhcloud.iam.ovh_oauth2_client' % (option, value))
            continue
        problems.extend(p for p in (_region_problem(option, value, match.group('region')),) if p)
        if match.group('kind') not in IDENTITY_KINDS:
            problems.append('%s: %r has identity kind %r; use one of %s' % (option, value, match.group('kind'), ', '.join(IDENTITY_KINDS)))
    return problems


def resource_problems(option, values):
    problems = []
    for value in values or []:
        if not isinstance(value, str) or not value:
            problems.append('%s: every resource must be a non-empty URN string, got %r' % (option, value))
            continue
        if value.strip() == '*' or not value.startswith('urn:'):
            problems.append('%s: %r is not a resource URN; OVHcloud rejects it (INVALID_RESOURCE_URN). Write a URN such as %s; '
                            'ovhcloud.iam.ovh_iam_resource_info lists the URNs of your resources' % (option, value, RESOURCE_EXAMPLE))
            continue
        match = _RESOURCE_RE.match(value) or _RESOURCE_GROUP_RE.match(value)
        if not match:
            problems.append('%s: %r is not a valid resource URN; expected '
                            'urn:v1:<eu|ca|us>:(resource|resourceGroup):(*|group_id|resource_type):(*|resource_name), '
                            'e.g. %s' % (option, value, RESOURCE_EXAMPLE))
            continue
        problems.extend(p for p in (_region_problem(option, value, match.group('region')),) if p)
        if 'name' in match.groupdict():
            problems.extend(p for p in (_wildcard_problem(option, value, match.group('name')),) if p)
    return problems


def permissions_group_problems(option, values):
    problems = []
    for value in values or []:
        match = _PERMISSIONS_GROUP_RE.match(value) if isinstance(value, str) else None
        if not match:
            problems.append('%s: %r is not a permissions group URN; expected urn:v1:<eu|ca|us>:permissionsGroup:<owner>:<name>, '
                            'e.g. urn:v1:eu:permissionsGroup:ovh:globalAdmin' % (option, value))
            continue
        problems.extend(p for p in (_region_problem(option, value, match.group('region')),) if p)
    return problems


def action_problems(option, values):
    problems = []
    for value in values or []:
        if not isinstance(value, str) or not value.strip():
            problems.append('%s: every action must be a non-empty string, got %r' % (option, value))
            continue
        if value.startswith('urn:'):
            problems.append('%s: %r is a URN, not an action; actions look like account:apiovh:me/api/oauth2/client/get '
                            '(URNs go in identities or resources)' % (option, value))
            continue
        if not _action_is_valid(value):
            problems.append('%s: %r is not an IAM action; expected <resourceType>:<apiovh|openstack|...>:<operation> or a wildcard '
                            '(*, account:apiovh:*, vps:apiovh:reboot). ovhcloud.iam.ovh_iam_resource_info with actions_for lists valid actions'
                            % (option, value))
    return problems


def _action_is_valid(value):
    parts = value.split(':')
    if len(parts) > 3 or any(not part for part in parts):
        return False
    if len(parts) < 3 and parts[-1] != '*':
        return False
    if not _ACTION_SEGMENT_RE.match(parts[0]):
        return False
    if len(parts) >= 2 and not _ACTION_SEGMENT_RE.match(parts[1]):
        return False
    return len(parts) < 3 or bool(_ACTION_OPERATION_RE.match(parts[2]))


def condition_problems(option, condition, path=None):
    """Check a condition tree at any depth; path names the failing node (conditions.conditions[1])."""
    path = path or option
    if not isinstance(condition, dict):
        return ['%s: a condition must be a mapping with operator, values and/or conditions, got %r' % (path, condition)]
    problems = []
    unknown = sorted(set(condition) - {'operator', 'values', 'conditions'})
    if unknown:
        problems.append('%s: unknown key(s) %s; a condition has operator, values and conditions' % (path, ', '.join(unknown)))
    operator = condition.get('operator')
    if operator not in CONDITION_OPERATORS:
        problems.append('%s.operator: %r is not one of %s' % (path, operator, ', '.join(CONDITION_OPERATORS)))
    values = condition.get('values') or {}
    children = condition.get('conditions') or []
    if not isinstance(values, dict):
        problems.append('%s.values: must be a mapping of condition keys to strings' % path)
        values = {}
    if not isinstance(children, list):
        problems.append('%s.conditions: must be a list of conditions' % path)
        children = []
    problems.extend(_condition_value_problems(path, values))
    if operator == 'MATCH':
        if not values:
            problems.append('%s: a MATCH condition needs values, e.g. {"request.IP.IN": "192.0.2.0/24"}' % path)
        if children:
            problems.append('%s: a MATCH condition takes values, not nested conditions' % path)
    elif operator == 'NOT' and len(children) + (1 if values else 0) != 1:
        problems.append('%s: a NOT condition negates exactly one nested condition (or one set of values)' % path)
    elif operator in ('AND', 'OR') and not values and not children:
        problems.append('%s: an %s condition needs nested conditions or values' % (path, operator))
    for index, child in enumerate(children):
        problems.extend(condition_problems(option, child, '%s.conditions[%d]' % (path, index)))
    return problems


def _condition_value_problems(path, values):
    problems = []
    for key, value in values.items():
        if not _CONDITION_KEY_RE.match(str(key)):
            problems.append('%s.values: %r is not a known condition key; use date(<timezone>).Date|Hour|WeekDay, resource.Tag(<key>) '
                            'or request.IP, optionally followed by .EQ, .BEFORE, .AFTER, .GE, .LE, .GT, .LT or .IN' % (path, key))
        if not isinstance(value, str):
            problems.append('%s.values[%r]: must be a string, got %r' % (path, key, value))
    return problems


def normalize_datetime(value):
    """Parse an RFC 3339 date or date-time (or a bare date) and return it in UTC as 2026-01-31T00:00:00Z; None if unparsable."""
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    else:
        match = _DATE_RE.match(str(value).strip())
        if not match:
            return None
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        try:
            moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                       int((fraction or '0')[:6].ljust(6, '0')), tzinfo=_zone(zone))
        except ValueError:
            return None
    moment = moment.astimezone(datetime.timezone.utc).replace(microsecond=0)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def _zone(text):
    if not text or text.upper() == 'Z':
        return datetime.timezone.utc
    sign = 1 if text[0] == '+' else -1
    digits = text[1:].replace(':', '')
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def datetime_problems(option, value):
    if value in (None, ''):
        return []
    if normalize_datetime(value) is None:
        return ['%s: %r is not a date; use RFC 3339, e.g. 2026-12-31T23:59:59Z or 2026-12-31' % (option, value)]
    return []


def build_urn(region, kind, *parts):
    """urn:v1:<region>:<kind>:<part>[:<part>...]; the parts are joined with ':'."""
    return ':'.join(['urn', 'v1', region, kind] + [str(p) for p in parts])


def problems_message(problems, what='the options'):
    """One failure message listing every problem, numbered, for a task that sent nothing."""
    return '%d problem%s in %s, so nothing was sent to OVHcloud: %s' % (
        len(problems), '' if len(problems) == 1 else 's', what,
        ' '.join('(%d) %s.' % (number, problem.rstrip('.')) for number, problem in enumerate(problems, 1)))
