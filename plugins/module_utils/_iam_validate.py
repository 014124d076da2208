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
_ACTION_SEGMENT_RE = re.compile(r'^[a-zA-Z*][a-zA-Z0-9*]*$')
_ACTION_OPERATION_RE = re.compile(r'^[a-zA-Z0-9_./{}*-]+$')
CONDITION_OPERATORS = ('AND', 'OR', 'NOT', 'MATCH')
# Condition keys and, per subject, the operators OVHcloud's Control Panel writes (ovh/manager
# conditionType.constants.js). The operator suffix is matched in any case (OVHcloud's guides write .In).
_TAG_KEY_RE = re.compile(r'^resource\.Tag\((?P<tag>[^()\s]+)\)(?:\.(?P<op>[A-Za-z_]+))?$')
_DATE_KEY_RE = re.compile(r'^date\((?P<zone>[^()\s]+)\)\.(?P<field>Date|Hour|WeekDay)(?:\.(?P<op>[A-Za-z_]+))?$')
_PLAIN_KEY_RE = re.compile(r'^(?P<subject>resource\.Name|resource\.Type|request\.IP)(?:\.(?P<op>[A-Za-z_]+))?$')
CONDITION_KEY_OPERATORS = {
    'resource.Tag': ('EQ', 'STARTS_WITH', 'ENDS_WITH'),
    'resource.Name': ('EQ', 'STARTS_WITH', 'ENDS_WITH', 'IN'),
    'resource.Type': ('EQ', 'STARTS_WITH', 'ENDS_WITH', 'IN'),
    'request.IP': ('EQ', 'IN_RANGE'),
    'Date': ('EQ', 'IN', 'BEFORE', 'AFTER'),
    'WeekDay': ('EQ', 'BEFORE', 'AFTER', 'GE', 'GT', 'LE', 'LT', 'IN'),
    'Hour': ('EQ', 'BEFORE', 'AFTER', 'GE', 'GT', 'LE', 'LT', 'IN'),
}
CONDITION_KEYS_HELP = ('resource.Tag(<key>), resource.Name, resource.Type, request.IP, date(<IANA zone>).Date, '
                       'date(<IANA zone>).WeekDay or date(<IANA zone>).Hour, followed by an operator such as .EQ')
WEEK_DAYS = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')
_ZONE_RE = re.compile(r'^(UTC|GMT|[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){1,2})$')
_PLAIN_DATE_RE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
_CONTROL_RE = re.compile(r'[\x00-\x1f\x7f]')
# The Control Panel's pattern for the names of policies and resource groups (ovh/manager iam.constants.js).
ENTITY_NAME_RE = re.compile(r'^[a-zA-Z0-9/_+-]+$')
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
    """<type>:<api>:<operation>, or a pattern starting or ending with * (*, *get, account:apiovh:*, webHosting:*).

    OVHcloud's own globalReadOnly group allows ``*get`` and the Control Panel takes a custom action with
    a * at its start or end; a * elsewhere is kept as written (see docs/api-fidelity.md).
    """
    parts = value.split(':')
    if len(parts) > 3 or any(not part for part in parts):
        return False
    if value.startswith('*'):
        return all(_ACTION_OPERATION_RE.match(part) for part in parts)
    if len(parts) < 3 and not value.endswith('*'):
        return False
    if not _ACTION_SEGMENT_RE.match(parts[0]):
        return False
    if len(parts) >= 2 and not _ACTION_SEGMENT_RE.match(parts[1]):
        return False
    return len(parts) < 3 or bool(_ACTION_OPERATION_RE.match(parts[2]))


def action_pattern_regex(pattern):
    """How a * in an action matches (the fake does the same): any run of characters, separators included."""
    return re.compile('^' + '.*'.join(re.escape(part) for part in pattern.split('*')) + '$')


def unknown_action_problems(option, actions, catalogue):
    """Actions absent from OVHcloud\'s action catalogue, with the closest known ones; wildcards must match one.

    ``catalogue`` is the set of known action strings for the resource types of ``actions``; actions whose
    resource type has a * (``*``, ``*get``) are not checked.
    """
    import difflib
    known = sorted(catalogue)
    by_lower = {}
    for action in known:
        by_lower.setdefault(action.lower(), []).append(action)
    problems = []
    for action in actions:
        if '*' in action.split(':')[0]:
            continue
        if '*' in action:
            regex = action_pattern_regex(action)
            if not any(regex.match(candidate) for candidate in known):
                problems.append('%s: %r matches no action in OVHcloud\'s action catalogue; check the spelling '
                                '(ovhcloud.iam.ovh_iam_resource_info with actions_for lists them), or set validate_actions: false '
                                'for actions newer than the catalogue' % (option, action))
            continue
        if action in catalogue:
            continue
        close = by_lower.get(action.lower()) or difflib.get_close_matches(action, known, n=3, cutoff=0.75)
        resource_type = action.split(':')[0]
        if close:
            hint = 'did you mean %s?' % ' or '.join(repr(candidate) for candidate in close)
        elif not any(candidate.split(':')[0] == resource_type for candidate in known):
            hint = 'OVHcloud lists no action for the resource type %r' % resource_type
        else:
            hint = 'no close match'
        problems.append('%s: %r is not in OVHcloud\'s action catalogue (%s); a policy with it would grant nothing. '
                        'Set validate_actions: false only for an action newer than the catalogue' % (option, action, hint))
    return problems


def name_problems(option, value, pattern=None):
    """A name that is surely a mistake: empty, blank, or holding NUL or other control characters.

    With ``pattern`` (a name about to be written), also the format OVHcloud's Control Panel enforces.
    """
    if value is None:
        return []
    if not value.strip():
        return ['%s: must not be empty' % option]
    if _CONTROL_RE.search(value):
        return ['%s: %r holds a control character (NUL, tab, newline...); remove it' % (option, value)]
    if pattern is not None and not pattern.match(value):
        return ['%s: %r has characters OVHcloud refuses in a name (INVALID_FORMAT); use letters, digits and - _ / + only'
                % (option, value)]
    return []


def new_name_problems(option, value):
    """A name about to be written (create or rename) must also have the Control Panel's format (INVALID_FORMAT)."""
    return name_problems(option, value, ENTITY_NAME_RE)


def region_mismatch_problems(region, named):
    """URNs of another region than the endpoint's (or, endpoint region unknown, than each other).

    ``named`` is a list of (option, values). A policy of one region never matches another region's
    identities or resources, so it would grant nothing.
    """
    found = []
    for option, values in named:
        for value in values or ():
            if isinstance(value, str) and value.startswith('urn:v1:'):
                value_region = value.split(':')[2]
                if value_region in REGIONS:
                    found.append((option, value, value_region))
    problems = []
    if region:
        for option, value, value_region in found:
            if value_region != region:
                problems.append('%s: %r is a URN of region %r but the endpoint is in region %r; write urn:v1:%s:...'
                                % (option, value, value_region, region, region))
    elif len(set(value_region for _option, _value, value_region in found)) > 1:
        regions = sorted(set(value_region for _option, _value, value_region in found))
        problems.append('the URNs mix the regions %s; an account lives in one region, so use the region of your endpoint '
                        'everywhere (%s)' % (', '.join(regions), '; '.join('%s: %s' % (o, v) for o, v, _r in found)))
    return problems


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
            problems.append('%s: a MATCH condition needs values, e.g. {"request.IP.IN_RANGE": "192.0.2.0/24"}' % path)
        if children:
            problems.append('%s: a MATCH condition takes values, not nested conditions' % path)
    elif operator == 'NOT' and len(children) + (1 if values else 0) != 1:
        problems.append('%s: a NOT condition negates exactly one nested condition (or one set of values)' % path)
    for index, child in enumerate(children):
        problems.extend(condition_problems(option, child, '%s.conditions[%d]' % (path, index)))
    return problems


def _condition_value_problems(path, values):
    problems = []
    for key, value in values.items():
        where = '%s.values[%r]' % (path, key)
        if not isinstance(value, str):
            problems.append('%s: must be a string, got %r' % (where, value))
            value = None
        subject, operator, zone = _parse_condition_key(str(key))
        if subject is None:
            problems.append('%s.values: %r is not a known condition key; use %s' % (path, key, CONDITION_KEYS_HELP))
            continue
        allowed = CONDITION_KEY_OPERATORS[subject]
        label = 'date(<zone>).' + subject if subject in ('Date', 'Hour', 'WeekDay') else subject
        if operator is not None and operator not in allowed:
            hint = ' (a CIDR goes with request.IP.IN_RANGE)' if subject == 'request.IP' and operator == 'IN' else ''
            problems.append('%s.values: %r: %s takes the operators %s, not %s%s' % (
                path, key, label, ', '.join(allowed), operator, hint))
            continue
        if zone is not None and not _zone_is_known(zone):
            problems.append('%s.values: %r: %r is not an IANA time zone such as Europe/Paris or UTC' % (path, key, zone))
        if value is not None:
            problems.extend('%s: %s' % (where, problem) for problem in _condition_value_format_problems(subject, operator or 'EQ', value))
    return problems


def _parse_condition_key(key):
    """(subject, OPERATOR or None, zone or None), or (None, None, None) for an unknown key."""
    match = _TAG_KEY_RE.match(key)
    if match:
        return 'resource.Tag', _upper(match.group('op')), None
    match = _DATE_KEY_RE.match(key)
    if match:
        return match.group('field'), _upper(match.group('op')), match.group('zone')
    match = _PLAIN_KEY_RE.match(key)
    if match:
        return match.group('subject'), _upper(match.group('op')), None
    return None, None, None


def _upper(text):
    return text.upper() if text else None


def _zone_is_known(zone):
    if not _ZONE_RE.match(zone):
        return False
    try:
        import zoneinfo
        zones = zoneinfo.available_timezones()
    except ImportError:  # Python < 3.9: the shape check above is all we can do
        return True
    return not zones or zone in zones or zone in ('UTC', 'GMT')


def _condition_value_format_problems(subject, operator, value):
    """Per operator, the value shape that can only be a mistake when it is not met."""
    listed = operator in ('IN', 'IN_RANGE')  # the Control Panel joins several values with commas
    items = [item.strip() for item in value.split(',')] if listed else [value.strip()]
    if not value.strip() or any(not item for item in items):
        return ['an empty value matches nothing']
    if subject == 'request.IP':
        import ipaddress
        for item in items:
            try:
                if operator == 'EQ':
                    ipaddress.ip_address(item)
                else:
                    ipaddress.ip_network(item, strict=False)
            except ValueError:
                if operator == 'EQ':
                    return ['%r is not one IP address; for a CIDR such as 192.0.2.0/24 use request.IP.IN_RANGE' % item]
                return ['%r is not an IP address or CIDR such as 192.0.2.0/24' % item]
    elif subject == 'WeekDay':
        for item in items:
            if item.lower() not in WEEK_DAYS:
                return ['%r is not a week day; write Monday ... Sunday (comma-separated with IN)' % item]
    elif subject == 'Hour':
        for item in items:
            if not item.isdigit() or int(item) > 23:
                return ['%r is not an hour from 0 to 23' % item]
    elif subject == 'Date':
        for item in items:
            if not _PLAIN_DATE_RE.match(item) or normalize_datetime(item) is None:
                return ['%r is not a date such as 2026-12-31' % item]
    return []


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


def past_expiry_problems(option, value, now=None):
    """An expiry already past (by this machine's clock): the policy would grant nothing from the start."""
    normalized = normalize_datetime(value) if value not in (None, '') else None
    if normalized is None:
        return []
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if normalized <= now.strftime('%Y-%m-%dT%H:%M:%SZ'):
        return ['%s: %r is already past (%s UTC now), so the policy would grant nothing; give a future date, '
                "or '' for no expiry" % (option, value, now.strftime('%Y-%m-%dT%H:%M:%SZ'))]
    return []


def build_urn(region, kind, *parts):
    """urn:v1:<region>:<kind>:<part>[:<part>...]; the parts are joined with ':'."""
    return ':'.join(['urn', 'v1', region, kind] + [str(p) for p in parts])
