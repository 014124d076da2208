"""IAM policy conditions: the key grammar the Control Panel writes, and their evaluation for one request.

Keys are ``<subject>.<OPERATOR>`` with, per subject, the operators of ovh/manager
``components/conditions/conditionType/conditionType.constants.js``; a key without an operator is
taken as ``EQ`` (assumed). Values of ``IN`` and ``IN_RANGE`` are comma-separated lists, as the
Control Panel joins them.
"""

import datetime
import ipaddress
import re

try:
    import zoneinfo
except ImportError:  # Python 3.8: only UTC-like zones can be evaluated
    zoneinfo = None

OPERATORS = {
    'resource.Tag': ('EQ', 'STARTS_WITH', 'ENDS_WITH'),
    'resource.Name': ('EQ', 'STARTS_WITH', 'ENDS_WITH', 'IN'),
    'resource.Type': ('EQ', 'STARTS_WITH', 'ENDS_WITH', 'IN'),
    'request.IP': ('EQ', 'IN_RANGE'),
    'Date': ('EQ', 'IN', 'BEFORE', 'AFTER'),
    'WeekDay': ('EQ', 'BEFORE', 'AFTER', 'GE', 'GT', 'LE', 'LT', 'IN'),
    'Hour': ('EQ', 'BEFORE', 'AFTER', 'GE', 'GT', 'LE', 'LT', 'IN'),
}
WEEK_DAYS = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')

_TAG_KEY = re.compile(r'^resource\.Tag\(([^()\s]+)\)(?:\.([A-Za-z_]+))?$')
_DATE_KEY = re.compile(r'^date\(([^()\s]+)\)\.(Date|Hour|WeekDay)(?:\.([A-Za-z_]+))?$')
_PLAIN_KEY = re.compile(r'^(resource\.Name|resource\.Type|request\.IP)(?:\.([A-Za-z_]+))?$')


def parse_key(key):
    """(subject, OPERATOR, argument) where argument is the tag key or the zone; None when unknown."""
    match = _TAG_KEY.match(key)
    if match:
        subject, argument, operator = 'resource.Tag', match.group(1), match.group(2)
    else:
        match = _DATE_KEY.match(key)
        if match:
            argument, subject, operator = match.group(1), match.group(2), match.group(3)
        else:
            match = _PLAIN_KEY.match(key)
            if not match:
                return None
            subject, operator, argument = match.group(1), match.group(2), None
    operator = (operator or 'EQ').upper()
    if operator not in OPERATORS[subject]:
        return None
    return subject, operator, argument


def key_error(key):
    """Why a condition key is refused, or None."""
    if parse_key(key) is None:
        return ('Invalid condition key %r: expected resource.Tag(<key>).EQ|STARTS_WITH|ENDS_WITH, '
                'resource.Name|resource.Type.EQ|STARTS_WITH|ENDS_WITH|IN, request.IP.EQ|IN_RANGE, '
                'date(<zone>).Date.EQ|IN|BEFORE|AFTER or date(<zone>).WeekDay|Hour.EQ|BEFORE|AFTER|GE|GT|LE|LT|IN' % key)
    return None


def holds(condition, context):
    """Whether a stored condition tree holds for ``context`` (ip, now, resource)."""
    if not condition:
        return True
    operator = condition.get('operator')
    tests = [_value_holds(key, value, context) for key, value in sorted((condition.get('values') or {}).items())]
    tests += [holds(child, context) for child in condition.get('conditions') or ()]
    if operator == 'NOT':
        return not all(tests)
    if operator == 'OR':
        return any(tests) if tests else True
    return all(tests)  # AND and MATCH; an empty AND is no condition at all


def _compare(operator, actual, expected_items):
    expected = expected_items[0]
    if operator == 'IN':
        return actual in expected_items
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


def _local(now, zone):
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    if zone in ('UTC', 'GMT', 'Etc/UTC'):
        return moment
    if zoneinfo is None:
        return None
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _value_holds(key, value, context):
    parsed = parse_key(key)
    if parsed is None or not isinstance(value, str):
        return False
    subject, operator, argument = parsed
    items = [item.strip() for item in value.split(',')] if operator in ('IN', 'IN_RANGE') else [value.strip()]
    if subject == 'request.IP':
        return _ip_holds(operator, context.get('ip'), items)
    resource = context.get('resource') or {}
    if subject in ('resource.Name', 'resource.Type', 'resource.Tag'):
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
    local = _local(context['now'], argument)
    if local is None:
        return False
    if subject == 'Date':
        return _compare(operator, local.strftime('%Y-%m-%d'), items)
    if subject == 'Hour':
        try:
            return _compare(operator, local.hour, [int(item) for item in items])
        except ValueError:
            return False
    try:
        expected = [WEEK_DAYS.index(item.lower()) for item in items]
    except ValueError:
        return False
    return _compare(operator, local.weekday(), expected)


def _ip_holds(operator, ip, items):
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
        if operator == 'EQ':
            return address == ipaddress.ip_address(items[0])
        return any(address in ipaddress.ip_network(item, strict=False) for item in items)
    except ValueError:
        return False
