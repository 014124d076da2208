# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that build OVHcloud IAM URNs from their parts: ovhcloud.iam.urn and ovhcloud.iam.identity_urn.

Their documentation is in the sidecar files urn.yml and identity_urn.yml.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    REGIONS,
    build_urn,
    identity_problems,
    permissions_group_problems,
    resource_problems,
)

import re

DEFAULT_REGION = 'eu'
CLIENT_ID_PREFIX = 'oauth2-'
# OVHcloud client IDs start with the region they live in: EU.0f0f0f0f0f0f0f0f (ovh/docs IAM guides write
# urn:v1:eu:identity:credential:xx11111-ovh/oauth2-EU.xxxxxxxxxxxxxxxx). Older IDs carry no prefix.
CLIENT_ID_REGION = re.compile(r'^(?:%s)?(EU|CA|US)\.' % re.escape(CLIENT_ID_PREFIX), re.IGNORECASE)

# kind: (its parts in positional order, the parts that may be left out)
KINDS = {
    'resource': (('type', 'name'), ()),
    'resourceGroup': (('id',), ()),
    'identity': (('type', 'nic', 'name'), ('name',)),
    'permissionsGroup': (('owner', 'name'), ()),
}
IDENTITY_TYPES = ('account', 'user', 'group', 'credential')


def _fail(filter_name, problems):
    raise AnsibleFilterError('%s: %s' % (filter_name, '; '.join(problems)))


def _text(value):
    return value.strip() if isinstance(value, str) else value


def _identity_tail(parts):
    """account: <nic>; user, group, credential: <nic>/<name> (a credential's name is oauth2-<client_id>)."""
    name = parts.get('name') or parts.get('client_id')
    if parts['type'] == 'credential' and not name.startswith(CLIENT_ID_PREFIX):
        name = CLIENT_ID_PREFIX + name
    parts['name'] = name
    return [parts['nic'] + ('/' + parts['name'] if parts.get('name') else '')]


def _urn_parts(kind, parts):
    if kind == 'identity':
        return [parts['type']] + _identity_tail(parts)
    return [parts[field] for field in KINDS[kind][0]]


def _problems_of(urn_value, kind):
    if kind == 'identity':
        return identity_problems('built URN', [urn_value])
    if kind == 'permissionsGroup':
        return permissions_group_problems('built URN', [urn_value])
    return resource_problems('built URN', [urn_value])


def _implied_kind(parts):
    """The kind a mapping without ``kind`` stands for, from the parts only that kind has."""
    for kind, marker in (('identity', 'nic'), ('permissionsGroup', 'owner'), ('resource', 'type'), ('resourceGroup', 'id')):
        if marker in parts:
            return kind
    return None


def _collect_parts(filter_name, data, args, kwargs):
    """kind, region and named parts from a mapping input or from a kind with positional/keyword parts."""
    if isinstance(data, Mapping):
        if args:
            _fail(filter_name, ['give the parts either in the mapping or as arguments, not both'])
        parts = dict((str(key), _text(value)) for key, value in data.items())
        parts.update((key, _text(value)) for key, value in kwargs.items())
        kind = parts.pop('kind', None) or _implied_kind(parts)
    else:
        kind = _text(data)
        if kind not in KINDS:
            _fail(filter_name, ['the input must be a mapping of URN parts or one of the kinds %s, got %r' % (', '.join(KINDS), data)])
        names = KINDS[kind][0]
        if len(args) > len(names):
            _fail(filter_name, ['a %s URN takes at most %d parts (%s), got %d' % (kind, len(names), ', '.join(names), len(args))])
        parts = dict(zip(names, (_text(arg) for arg in args)))
        for key, value in kwargs.items():
            if key in parts:
                _fail(filter_name, ['%s is given twice (as an argument and as %s=)' % (key, key)])
            parts[key] = _text(value)
    if kind not in KINDS:
        _fail(filter_name, ['kind must be one of %s, got %r' % (', '.join(KINDS), kind)])
    region = parts.pop('region', None) or None
    region = region.lower() if isinstance(region, str) else region
    return kind, _region_of_client_id(filter_name, kind, region, parts), parts


def _region_of_client_id(filter_name, kind, region, parts):
    """The region a service account's client ID names (EU., CA., US.); a different region given is a mistake."""
    client_id = parts.get('client_id') or parts.get('name')
    if kind != 'identity' or parts.get('type') != 'credential' or not isinstance(client_id, str):
        return region or DEFAULT_REGION
    match = CLIENT_ID_REGION.match(client_id)
    if not match:
        return region or DEFAULT_REGION
    own = match.group(1).lower()
    if region is not None and region not in REGIONS:
        return region  # reported with the other problems
    if region not in (None, own):
        _fail(filter_name, ['client_id %s is a service account of region %s (its %s. prefix), but region=%r was given: '
                            'omit region, or give the client ID of that region' % (client_id, own, match.group(1), region)])
    return own


def _part_problems(kind, region, parts):
    names, optional = KINDS[kind]
    accepted = set(names) | ({'client_id'} if kind == 'identity' else set())
    problems = []
    if region not in REGIONS:
        problems.append('region must be one of %s, got %r' % (', '.join(REGIONS), region))
    unknown = sorted(set(parts) - accepted)
    if unknown:
        problems.append('a %s URN has no part named %s; its parts are %s' % (kind, ', '.join(unknown), ', '.join(sorted(accepted))))
    for name in names:
        value = parts.get(name)
        if value in (None, '') and name not in optional:
            problems.append('%s is missing' % name)
        elif value not in (None, '') and not isinstance(value, str):
            problems.append('%s must be a string, got %r' % (name, value))
        elif value not in (None, '') and ':' in value and (kind, name) != ('resource', 'name'):
            problems.append('%s must not contain ":", got %r' % (name, value))
    if kind == 'identity' and not problems:
        problems.extend(_identity_part_problems(parts))
    return problems


def _identity_part_problems(parts):
    if parts['type'] not in IDENTITY_TYPES:
        return ['type of an identity must be one of %s, got %r' % (', '.join(IDENTITY_TYPES), parts['type'])]
    named = parts.get('name') or parts.get('client_id')
    if parts['type'] == 'account' and named:
        return ['an account identity has no name: it is urn:v1:<region>:identity:account:<nic>']
    if parts['type'] != 'account' and not named:
        return ['a %s identity needs a name (the %s)' % (
            parts['type'], 'client_id of the service account' if parts['type'] == 'credential' else parts['type'] + ' name')]
    return []


def _checked_urn(filter_name, data, args, kwargs):
    kind, region, parts = _collect_parts(filter_name, data, args, kwargs)
    problems = _part_problems(kind, region, parts)
    if problems:
        _fail(filter_name, problems)
    value = build_urn(region, kind, *_urn_parts(kind, parts))
    problems = _problems_of(value, kind)
    if problems:
        _fail(filter_name, problems)
    return value


def urn(data, *args, **kwargs):
    """An IAM URN from its parts, checked like ovhcloud.iam modules check their options."""
    return _checked_urn('urn', data, args, kwargs)


def identity_urn(nic, client_id=None, region=None, user=None, group=None):
    """The identity URN of a service account (client_id), a user, a group, or the account itself."""
    named = [(kind, value) for kind, value in (('credential', client_id), ('user', user), ('group', group)) if value]
    if len(named) > 1:
        _fail('identity_urn', ['give at most one of client_id, user and group, got %s' % ', '.join(kind for kind, _value in named)])
    kind, name = named[0] if named else ('account', None)
    parts = {'type': kind, 'nic': _text(nic)}
    if kind == 'credential':
        parts['client_id'] = _text(name)
    elif name:
        parts['name'] = _text(name)
    return _checked_urn('identity_urn', dict(parts, kind='identity', region=region), (), {})


class FilterModule:
    def filters(self):
        return {
            'urn': urn,
            'identity_urn': identity_urn,
        }
