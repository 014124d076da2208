"""The /_fake/ control API: request log, faults, clock, tokens, seeding, reset, state and statistics.

Control requests need no authentication and are neither logged nor subject to faults or latency.
Errors are ``{"error": "..."}`` with status 400 (bad input) or 404 (unknown control route).
"""

import ipaddress
import json

from . import identity, v2
from .store import DEFAULT_KNOBS
from .common import Reply
from .store import public

FAULT_DEFAULTS = {'method': '*', 'times': 1, 'retry_after': None, 'delay_ms': 0, 'apply': False}
SEED_LIMIT = 100000


class ControlError(Exception):
    pass


def _int(payload, name, minimum=0, default=None):
    number = payload.get(name, default)
    if isinstance(number, bool) or not isinstance(number, int) or number < minimum:
        raise ControlError('%s must be an integer >= %d' % (name, minimum))
    return number


def _fault_spec(payload):
    unknown = set(payload) - set(FAULT_DEFAULTS) - {'path', 'status'}
    if unknown:
        raise ControlError('unknown fault fields: %s' % ', '.join(sorted(unknown)))
    spec = dict(FAULT_DEFAULTS)
    spec.update({key: value for key, value in payload.items() if value is not None or key == 'retry_after'})
    if not isinstance(spec.get('path'), str) or not spec['path']:
        raise ControlError('path (a shell-style glob on the request path without query) is required')
    if not isinstance(spec['method'], str):
        raise ControlError('method must be a string (an HTTP method or "*")')
    spec['method'] = spec['method'].upper()
    status = _int(spec, 'status')
    if status != 0 and not 100 <= status <= 599:
        raise ControlError('status must be 0 (close the connection) or an HTTP status')
    _int(spec, 'times', minimum=1)
    _int(spec, 'delay_ms')
    if spec['retry_after'] is not None and not isinstance(spec['retry_after'], (int, str)):
        raise ControlError('retry_after must be null, an integer or a string')
    if not isinstance(spec['apply'], bool):
        raise ControlError('apply must be a boolean')
    return spec


def _state_dump(state):
    clients = [dict(public(client), clientSecret=client['_secret']) for client in state.clients.values()]
    now = state.now()
    tokens = [{'clientId': grant['clientId'], 'identity': grant['identity'], 'expired': grant['expires_at'] <= now}
              for grant in state.tokens.values()]
    return {
        'nic': state.owner.nic, 'region': state.owner.region, 'time': int(now), 'skew_s': state.skew_s,
        'latency_ms': state.latency_ms, 'token_ttl': state.token_ttl, 'expansion': state.expansion,
        'clients': clients, 'tokens': tokens,
        'policies': [v2.render_policy(state, policy, details=True) for policy in state.policies.values()],
        'permissionsGroups': [public(group) for group in state.permissions_groups.values()],
        'resourceGroups': [v2.render_resource_group(state, group) for group in state.resource_groups.values()],
        'resources': [public(item) for item in state.resources.values()],
        'faults': list(state.faults), 'knobs': dict(state.knobs), 'source_ip': state.source_ip,
    }


def get_requests(state, _payload):
    return list(state.requests)


def clear_requests(state, _payload):
    del state.requests[:]
    return {'cleared': True}


def add_fault(state, payload):
    return state.add_fault(_fault_spec(payload))


def list_faults(state, _payload):
    return list(state.faults)


def clear_faults(state, _payload):
    del state.faults[:]
    return {'cleared': True}


def set_clock(state, payload):
    skew = payload.get('skew_s')
    if isinstance(skew, bool) or not isinstance(skew, (int, float)):
        raise ControlError('skew_s must be a number of seconds')
    state.skew_s = skew
    return {'skew_s': skew, 'time': int(state.now())}


def expire_tokens(state, _payload):
    state.expire_tokens()
    return {'expired': len(state.tokens)}


def seed(state, payload):
    counts = {name: _int(payload, name, default=0) for name in ('clients', 'policies', 'resources')}
    if sum(counts.values()) > SEED_LIMIT:
        raise ControlError('at most %d objects per seed request' % SEED_LIMIT)
    state.seed(**counts)
    return counts


def reset(state, _payload):
    state.reset()
    return {'reset': True}


def get_secrets(state, _payload):
    return list(state.known_secrets)


def set_latency(state, payload):
    state.latency_ms = _int(payload, 'ms')
    return {'ms': state.latency_ms}


def set_token_ttl(state, payload):
    state.token_ttl = _int(payload, 'seconds', minimum=1)
    return {'seconds': state.token_ttl}


def set_source_ip(state, payload):
    """The source address IAM conditions (request.IP) see from now on; null goes back to the peer address."""
    address = payload.get('ip')
    if address is not None:
        try:
            address = str(ipaddress.ip_address(address))
        except (ValueError, TypeError):
            raise ControlError('ip must be an IP address or null') from None
    state.source_ip = address
    return {'ip': address}


KNOB_CHOICES = {'put_absent': ('clear', 'keep'), 'expiry_echo': ('normalised', 'as-sent')}


def set_knobs(state, payload):
    """Switch the fake's side of an unknown of the real API until the next reset (see README)."""
    unknown = set(payload) - set(DEFAULT_KNOBS)
    if unknown:
        raise ControlError('unknown knobs: %s (known: %s)' % (', '.join(sorted(unknown)), ', '.join(sorted(DEFAULT_KNOBS))))
    for name, value in payload.items():
        if name in KNOB_CHOICES and value not in KNOB_CHOICES[name]:
            raise ControlError('%s must be one of %s' % (name, ', '.join(KNOB_CHOICES[name])))
        if name == 'v2_default_page_size' and value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ControlError('v2_default_page_size must be a positive integer or null (every item in one page)')
    state.knobs.update(payload)
    return dict(state.knobs)


def get_stats(state, _payload):
    return {'connections': state.connections, 'requests': state.request_count}


def get_state(state, _payload):
    return _state_dump(state)


def add_policy(state, payload):
    """Store a policy as given, unvalidated; ``readOnly: true`` makes one like OVHcloud's managed policies."""
    payload = dict(payload)
    read_only = payload.pop('readOnly', False)
    if not isinstance(read_only, bool) or not isinstance(payload.get('name'), str):
        raise ControlError('a policy needs a name (string); readOnly must be a boolean')
    fields = {'identities': [], 'resources': [], 'permissions': {}, 'permissionsGroups': []}
    fields.update(payload)
    return v2.render_policy(state, state.add_policy(fields, read_only=read_only))


ROUTES = {
    ('GET', '/_fake/requests'): get_requests,
    ('DELETE', '/_fake/requests'): clear_requests,
    ('GET', '/_fake/faults'): list_faults,
    ('POST', '/_fake/faults'): add_fault,
    ('DELETE', '/_fake/faults'): clear_faults,
    ('POST', '/_fake/clock'): set_clock,
    ('POST', '/_fake/expire-tokens'): expire_tokens,
    ('POST', '/_fake/seed'): seed,
    ('POST', '/_fake/reset'): reset,
    ('GET', '/_fake/state'): get_state,
    ('POST', '/_fake/policies'): add_policy,
    ('GET', '/_fake/secrets'): get_secrets,
    ('POST', '/_fake/latency'): set_latency,
    ('POST', '/_fake/token-ttl'): set_token_ttl,
    ('GET', '/_fake/stats'): get_stats,
    ('POST', '/_fake/source-ip'): set_source_ip,
    ('POST', '/_fake/knobs'): set_knobs,
    ('POST', '/_fake/user-token'): identity.issue_user_token,
    ('POST', '/_fake/resource-tags'): identity.set_resource_tags,
    ('POST', '/_fake/tag-post-existing'): identity.set_tag_post_existing,
    ('GET', '/_fake/identities'): lambda state, _payload: {
        'users': [public(user) for user in state.identity_users.values()], 'groups': list(state.identity_groups.values())},
}


def handle(state, method, path, body):
    handler = ROUTES.get((method, path.rstrip('/')))
    if handler is None:
        known = sorted('%s %s' % route for route in ROUTES)
        return Reply(404, {'error': 'unknown control route %s %s' % (method, path), 'routes': known})
    try:
        payload = json.loads(body.decode('utf-8')) if body.strip() else {}
        if not isinstance(payload, dict):
            raise ControlError('the body must be a JSON object')
        with state.lock:
            return Reply(200, handler(state, payload))
    except (ValueError, ControlError) as error:
        return Reply(400, {'error': str(error)})
