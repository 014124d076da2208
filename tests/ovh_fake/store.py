"""The fake's state: one OVHcloud account with its OAuth2 clients, tokens, IAM objects, clock and test knobs.

Every read or change of the state happens under ``State.lock``; stored objects are API-shaped dicts
whose private fields start with ``_`` (``public`` strips them).
"""

import collections
import fnmatch
import itertools
import secrets
import threading
import time
import uuid

from . import catalog
from .common import iso_v1, iso_v2

DEFAULT_TOKEN_TTL = 3599
REQUEST_LOG_LIMIT = 100000
# Unknowns of the real API, switchable per run (--put-absent, --v2-default-page-size, --expiry-echo, POST /_fake/knobs).
DEFAULT_KNOBS = {'put_absent': 'clear', 'v2_default_page_size': 100, 'expiry_echo': 'normalised'}
SEEDED_AT = 1672531200  # 2023-01-01T00:00:00Z: creation date of what OVHcloud seeds in an account


def public(stored):
    return {key: value for key, value in stored.items() if not key.startswith('_')}


class Owner:
    """The account and its owner's classic credentials, which survive resets (they were printed at start)."""

    def __init__(self, region, nic):
        self.region = region
        self.nic = nic
        self.application_key = secrets.token_hex(8)
        self.application_secret = secrets.token_hex(16)
        self.consumer_key = secrets.token_hex(16)
        self.identity = 'urn:v1:%s:identity:account:%s' % (region, nic)
        self.resource_urn = 'urn:v1:%s:resource:account:%s' % (region, nic)

    def client_identity(self, client_id):
        return 'urn:v1:%s:identity:credential:%s/oauth2-%s' % (self.region, self.nic, client_id)


class State:
    def __init__(self, owner, latency_ms=0, expansion=True, knobs=None):
        self.lock = threading.RLock()
        self.owner = owner
        self.default_knobs = dict(DEFAULT_KNOBS, **(knobs or {}))
        self.expansion = expansion
        self.default_latency_ms = latency_ms
        self.generation = 0
        self.reset()

    # -- lifecycle and knobs

    def reset(self):
        with self.lock:
            self.generation += 1
            self.skew_s = 0
            self.latency_ms = self.default_latency_ms
            self.knobs = dict(self.default_knobs)
            self.source_ip = None  # when set (POST /_fake/source-ip), IAM conditions see it instead of the peer address
            self.token_ttl = DEFAULT_TOKEN_TTL
            self.clients = collections.OrderedDict()
            self.tokens = {}
            self.known_secrets = [self.owner.application_secret, self.owner.consumer_key]
            self.policies = collections.OrderedDict()
            self.permissions_groups = collections.OrderedDict()
            self.resource_groups = collections.OrderedDict()
            self.resources = collections.OrderedDict()
            self.faults = []
            self.requests = []
            self.connections = 0
            self.request_count = 0
            self.filler_clients = 0
            self.filler_policies = 0
            self._seq = itertools.count(1)
            self._fault_ids = itertools.count(1)
            self._seed_account()
            from . import identity  # pylint: disable=import-outside-toplevel  # identity imports this module
            identity.seed(self)

    def now(self):
        return time.time() + self.skew_s

    def next_seq(self):
        return next(self._seq)

    # -- OAuth2 clients and tokens

    def add_client(self, name, description, flow, callback_urls):
        client_id = '%s.%s' % (self.owner.region.upper(), secrets.token_hex(8))
        secret = secrets.token_hex(16)
        self.clients[client_id] = {
            'clientId': client_id, 'name': name, 'description': description, 'flow': flow,
            'callbackUrls': list(callback_urls), 'identity': self.owner.client_identity(client_id),
            'createdAt': iso_v1(self.now()), '_secret': secret, '_seq': self.next_seq(),
        }
        self.known_secrets.append(secret)
        return self.clients[client_id]

    def delete_client(self, client_id):
        del self.clients[client_id]
        for token in [token for token, grant in self.tokens.items() if grant['clientId'] == client_id]:
            del self.tokens[token]

    def issue_token(self, client):
        token = 'eyJ' + secrets.token_urlsafe(48)
        self.tokens[token] = {'clientId': client['clientId'], 'identity': client['identity'],
                              'expires_at': self.now() + self.token_ttl}
        self.known_secrets.append(token)
        return token

    def expire_tokens(self):
        for grant in self.tokens.values():
            grant['expires_at'] = float('-inf')

    # -- IAM objects

    def add_policy(self, fields, read_only=False, policy_id=None, created_at=None):
        policy = dict(fields)
        policy.update({
            'id': policy_id or str(uuid.uuid4()), 'owner': self.owner.nic, 'readOnly': read_only,
            'createdAt': iso_v2(created_at or self.now()), '_seq': self.next_seq(),
        })
        self.policies[policy['id']] = policy
        return policy

    def add_permissions_group(self, urn, fields, owner, created_at=None):
        group = dict(fields)
        stamp = iso_v2(created_at or self.now())
        group.update({'id': catalog.stable_id(urn), 'urn': urn, 'owner': owner, 'createdAt': stamp,
                      'updatedAt': stamp, '_seq': self.next_seq()})
        self.permissions_groups[urn] = group
        return group

    def add_resource_group(self, name, members, read_only=False, group_id=None, created_at=None):
        group_id = group_id or str(uuid.uuid4())
        stamp = iso_v2(created_at or self.now())
        group = {'id': group_id, 'urn': 'urn:v1:%s:resourceGroup:%s' % (self.owner.region, group_id), 'name': name,
                 'owner': self.owner.nic, 'readOnly': read_only, 'resources': members, 'createdAt': stamp,
                 'updatedAt': stamp, '_seq': self.next_seq()}
        self.resource_groups[group_id] = group
        return group

    def add_resource(self, item):
        item = dict(item, _seq=self.next_seq())
        self.resources[item['urn']] = item
        return item

    def _seed_account(self):
        region, nic = self.owner.region, self.owner.nic
        for item in catalog.account_resources(region, nic):
            self.add_resource(item)
        self.add_permissions_group(
            'urn:v1:%s:permissionsGroup:ovh:globalAdmin' % region,
            {'name': 'globalAdmin', 'description': 'Full access to every resource of the account',
             'permissions': {'allow': [{'action': '*'}]}},
            owner='ovh', created_at=SEEDED_AT)
        members = [{'id': item['id'], 'urn': item['urn']} for item in self.resources.values()]
        default_group = self.add_resource_group('ovh-default', members, read_only=True,
                                                group_id=catalog.stable_id(nic, 'ovh-default-group'), created_at=SEEDED_AT)
        self.add_policy({
            'name': 'ovh-default', 'description': 'Default policy: full access for the account to its own resources',
            'identities': [self.owner.identity], 'resources': [{'urn': default_group['urn']}],
            'permissions': {'allow': [{'action': '*'}]}, 'permissionsGroups': [],
        }, read_only=True, policy_id=catalog.stable_id(nic, 'ovh-default-policy'), created_at=SEEDED_AT)

    # -- bulk seeding for scale tests

    def seed(self, clients=0, policies=0, resources=0):
        for _index in range(clients):
            self.filler_clients += 1
            number = self.filler_clients
            self.add_client('filler-client-%04d' % number, 'Filler service account %d for scale tests' % number,
                            'CLIENT_CREDENTIALS', [])
        fillers = [client['identity'] for client in self.clients.values() if client['name'].startswith('filler-client-')]
        for _index in range(policies):
            self.filler_policies += 1
            self._add_filler_policy(self.filler_policies, fillers)
        for _index in range(resources):
            number = len(self.resources) + 1
            self.add_resource(catalog.resource(self.owner.region, self.owner.nic, 'vps', 'vps-filler-%04d.vps.ovh.net' % number,
                                               'filler-vps-%04d' % number, {'environment': 'test'}))

    def _add_filler_policy(self, number, identities):
        if identities:
            identity = identities[(number - 1) % len(identities)]
        else:
            identity = 'urn:v1:%s:identity:group:%s/filler-group-%04d' % (self.owner.region, self.owner.nic, number)
        self.add_policy({
            'name': 'filler-policy-%04d' % number, 'description': 'Filler policy %d for scale tests' % number,
            'identities': [identity], 'resources': [{'urn': self.owner.resource_urn}],
            'permissions': {'allow': [{'action': 'account:apiovh:me/api/oauth2/client/get'}]}, 'permissionsGroups': [],
        })

    # -- faults

    def add_fault(self, spec):
        fault = dict(spec, id=next(self._fault_ids))
        self.faults.append(fault)
        return fault

    def take_fault(self, method, path):
        """The first fault matching this request, consumed once; None when none matches."""
        with self.lock:
            for fault in self.faults:
                if fault['method'] in ('*', method) and fnmatch.fnmatchcase(path, fault['path']):
                    fault['times'] -= 1
                    if fault['times'] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None

    # -- request log and statistics

    def log_request(self, entry):
        with self.lock:
            self.request_count += 1
            self.requests.append(entry)
            if len(self.requests) > REQUEST_LOG_LIMIT:
                del self.requests[0]

    def count_connection(self):
        with self.lock:
            self.connections += 1
            return self.generation
