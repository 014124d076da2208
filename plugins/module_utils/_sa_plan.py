# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""The decisions of the service_account role, as plain functions (the role calls them through its filters).

The role knows two things: the clients of the account on OVHcloud, and which client each target's credentials
file holds (the secret exists nowhere else). ``plan`` turns them into what the run does:

=============================================  ===============================================================
what is found                                  what the run does
=============================================  ===============================================================
a target file holds other credentials          ``blocked``: stop before any change, name the files
no client                                      create one under the account's name
the targets hold a client                      keep the newest one they hold; retire the others
rotate (or recover = rotate, nothing held)     create a new client under a rotation name; retire the others
nothing held, the clients have no rights yet   ``replace``: what an interrupted first run leaves; create anew
nothing held, and a client has rights          ``lost``: stop and explain the choices
another run's rotation is in progress          never retire its client; a run that would create stops (busy)
=============================================  ===============================================================

Concurrent runs (two AWX jobs on the same account) are kept safe by three rules, see docs/rotation.md:
a new client carries a rotation name (with its start time) until the targets hold it, and a client with a
rotation name no target holds is another run's work for ``rotation_timeout`` seconds; targets' files are
only replaced when they still hold what this run read (the writer compares checksums); and a client is only
retired when, read again right before, no target holds it (``retirable``).
"""

from __future__ import annotations

import datetime
import re

ROTATION_FORMAT = '%Y%m%dT%H%M%SZ'
DEFAULT_DESCRIPTION = 'Managed by Ansible (ovhcloud.iam.service_account)'


def rotation_name(name, now):
    return '%s (rotation %s)' % (name, now.strftime(ROTATION_FORMAT))


def _name_pattern(name):
    return re.compile(r'^%s(?: \(rotation (\d{8}T\d{6}Z)\))?$' % re.escape(name))


def account_clients(name, clients):
    """The clients of the account (its name, or its name and a rotation stamp), oldest first."""
    pattern = _name_pattern(name)
    mine = [c for c in clients if pattern.match(c.get('name') or '')]
    return sorted(mine, key=lambda c: (c.get('created_at') or '', c['client_id']))


def rotation_started(name, client):
    """When the rotation that created ``client`` started (UTC), None for a client with the account's name."""
    stamp = _name_pattern(name).match(client.get('name') or '').group(1)
    if stamp is None:
        return None
    return datetime.datetime.strptime(stamp, ROTATION_FORMAT).replace(tzinfo=datetime.timezone.utc)


def _has_rights(client, policies):
    return any(client.get('identity') in (p.get('identities') or []) for p in policies)


def plan(name, clients, holdings, now, rotate=False, recover='fail', rotation_timeout=900, rights=None,
         description=None):
    """What the run does. See the module docstring; every branch is unit-tested.

    ``clients``: the account's listing (snake_case, as ovh_oauth2_client_info returns them). ``holdings``:
    {host: {'client_id', 'writable', 'path'}} in play order. ``now``: an aware datetime. ``rights``: the
    policies that list the clients no target holds, once read (None before: the plan then asks for them in
    ``check_rights``). ``description``: the one the user stated, or None to keep the account's.
    """
    mine = account_clients(name, clients)
    ids = [c['client_id'] for c in mine]
    held = set(h.get('client_id') for h in holdings.values() if h.get('client_id'))
    current = ([c for c in mine if c['client_id'] in held] or [None])[-1]
    in_flight = [c for c in mine if c['client_id'] not in held and rotation_started(name, c) is not None
                 and (now - rotation_started(name, c)).total_seconds() < rotation_timeout]
    settled = [c for c in mine if c not in in_flight]
    result = {
        'clients': mine,
        'action': 'keep',
        'create': False,
        'create_name': rotation_name(name, now) if mine else name,
        'description': description if description is not None else (mine[-1]['description'] if mine else DEFAULT_DESCRIPTION),
        'keep': {},
        'retire': [],
        'in_flight': [c['client_id'] for c in in_flight],
        'source_host': '',
        'blocked_hosts': [],
        'check_rights': [],
        'error': '',
    }
    blocked = [host for host, h in holdings.items() if not h.get('writable') and h.get('client_id') not in ids]
    if blocked:
        result.update(action='blocked', blocked_hosts=blocked, error=(
            'Refusing to overwrite %s: it holds credentials that are not those of service account "%s" (another '
            'client, or application keys). Move it away, or set service_account_credentials_path to another file '
            'for these hosts.' % (', '.join('%s on %s' % (holdings[h].get('path'), h) for h in blocked), name)))
        return result

    rotating = rotate or (current is None and bool(settled) and recover == 'rotate')
    replace = False
    if current is None and settled and not rotating:
        if rights is None:
            result.update(action='check_rights', check_rights=[c['identity'] for c in settled if c.get('identity')])
            if result['check_rights']:
                return result
            rights = []
        replace = not any(_has_rights(c, rights) for c in settled)
        if not replace:
            result.update(action='lost', error=(
                'Service account "%s" exists on OVHcloud (client %s), but none of the targets (%s) holds its credentials. '
                'OVHcloud shows a secret only once, when the client is created, so the role cannot deliver it again. '
                'Choose one: put the credentials file back on one target and run again (the role then copies it to the '
                'others); or set service_account_recover_lost_credentials: rotate to create a new client, move its '
                'policies to it, deliver its credentials and delete the old one (anything still using the old secret '
                'stops working); or remove the account with service_account_state: absent.'
                % (name, ', '.join(c['client_id'] for c in settled), ', '.join(holdings))))
            return result

    create = not settled or rotating or replace
    if create and in_flight:
        started = rotation_started(name, in_flight[-1])
        result.update(action='busy', error=(
            'Another run is rotating service account "%s": client %s was created at %s and no target holds it yet. '
            'Run again once that run has ended. If no run is active (it was killed), its client is retired by the '
            'first run after %s, or at once with service_account_rotation_timeout: 0.'
            % (name, in_flight[-1]['client_id'], started.strftime('%Y-%m-%d %H:%M:%S UTC'),
               (started + datetime.timedelta(seconds=rotation_timeout)).strftime('%Y-%m-%d %H:%M:%S UTC'))))
        return result

    if create:
        result.update(action='replace' if replace else ('rotate' if settled else 'create'), create=True, retire=settled)
        if not settled:
            result['create_name'] = rotation_name(name, now) if mine else name
        return result
    result.update(keep=current, retire=[c for c in settled if c is not current],
                  source_host=next(host for host, h in holdings.items() if h.get('client_id') == current['client_id']))
    return result


def retirable(retire, holdings):
    """The clients of ``retire`` that no target holds now (read again right before deleting them)."""
    held = set(h.get('client_id') for h in holdings.values() if h.get('client_id'))
    return [c for c in retire if c['client_id'] not in held]
