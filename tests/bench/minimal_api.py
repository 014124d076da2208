"""The floor of the benchmark: a plain Python script (requests, no Ansible, no collection code) making the
minimal OVHcloud API calls for each job the benchmark times.

    python tests/bench/minimal_api.py JOB [ARGS...]    (connection from OVH_ENDPOINT, OVH_APPLICATION_KEY,
                                                       OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY)

It prints one JSON line: {"job", "requests", "writes", "api_ms", ...}. ``api_ms`` is the time spent in the
API calls only; the benchmark also times the whole process (interpreter start and ``import requests``
included), which is what a module task pays too.

Jobs (the same work as the module tasks of the benchmark, with the fewest calls a script can make):
  client-noop NAME                 find the client named NAME (expanded list, or ids then concurrent GETs)
  policy-noop NAME                 find the editable policy named NAME (largest pages)
  client-create NAME               look NAME up, then create it
  policy-create NAME IDENTITY RESOURCE ACTION    look NAME up, then create it
  accounts PREFIX COUNT RESOURCE ACTION          converge COUNT service accounts PREFIX-<i> with one policy
                                                 each (what the role does): two lists, then the missing creates
  delete-client NAME | delete-policy NAME        clean-up used by the benchmark between repeats
"""

import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

CLIENTS = '/me/api/oauth2/client'
POLICIES = '/v2/iam/policy'
PAGE_SIZE = '1000'
WORKERS = 10
WRITES = ('POST', 'PUT', 'DELETE')


class MinimalApi:
    """Signed OVHcloud API calls over one keep-alive session; counts what it sends."""

    def __init__(self, endpoint, application_key, application_secret, consumer_key):
        self.endpoint = endpoint.rstrip('/')
        self.root = self.endpoint[:-len('/1.0')] if self.endpoint.endswith('/1.0') else self.endpoint
        self.keys = (application_key, application_secret, consumer_key)
        self.session = requests.Session()
        self.session.mount('http://', requests.adapters.HTTPAdapter(pool_maxsize=WORKERS))
        self.session.mount('https://', requests.adapters.HTTPAdapter(pool_maxsize=WORKERS))
        self.delta = None
        self.requests = 0
        self.writes = 0

    @classmethod
    def from_env(cls, env=None):
        env = os.environ if env is None else env
        return cls(env['OVH_ENDPOINT'], env['OVH_APPLICATION_KEY'], env['OVH_APPLICATION_SECRET'], env['OVH_CONSUMER_KEY'])

    def url(self, path):
        return (self.root if path.startswith('/v2/') else self.endpoint) + path

    def call(self, method, path, body=None, headers=None, params=None):
        """One signed call; returns (parsed JSON, response headers); raises on an HTTP error."""
        if self.delta is None:
            self.requests += 1
            self.delta = int(self.session.get(self.url('/auth/time'), timeout=30).text) - int(time.time())
        payload = '' if body is None else json.dumps(body, separators=(',', ':'))
        request = requests.Request(method, self.url(path), params=params, data=payload or None, headers=dict(headers or {}))
        prepared = self.session.prepare_request(request)
        timestamp = str(int(time.time()) + self.delta)
        application_key, application_secret, consumer_key = self.keys
        signed = '+'.join((application_secret, consumer_key, method, prepared.url, payload, timestamp))
        prepared.headers.update({
            'X-Ovh-Application': application_key, 'X-Ovh-Consumer': consumer_key, 'X-Ovh-Timestamp': timestamp,
            'X-Ovh-Signature': '$1$' + hashlib.sha1(signed.encode('utf-8')).hexdigest()})
        if payload:
            prepared.headers['Content-Type'] = 'application/json'
        self.requests += 1
        self.writes += method in WRITES
        response = self.session.send(prepared, timeout=60)
        response.raise_for_status()
        return (response.json() if response.content else None), response.headers

    # -- listing
    def clients(self):
        """Every client as an object: expanded pages, or the ids then concurrent GETs when expansion is not honoured."""
        entries, headers = self.call('GET', CLIENTS, headers=expansion_headers(1))
        if not all(isinstance(entry, dict) for entry in entries):
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                return list(pool.map(lambda client_id: self.call('GET', '%s/%s' % (CLIENTS, client_id))[0], entries))
        total = int(headers.get('X-Pagination-Elements') or len(entries))
        number = 1
        while len(entries) < total:
            number += 1
            page, _headers = self.call('GET', CLIENTS, headers=expansion_headers(number))
            if not page:
                break
            entries.extend(page)
        return entries

    def policies(self):
        """Every editable policy, following the cursor with the largest pages."""
        found, cursor = [], None
        while True:
            headers = {'X-Pagination-Size': PAGE_SIZE}
            if cursor:
                headers['X-Pagination-Cursor'] = cursor
            page, reply_headers = self.call('GET', POLICIES, headers=headers, params={'readOnly': 'false'})
            found.extend(page)
            cursor = reply_headers.get('X-Pagination-Cursor-Next')
            if not cursor:
                return found

    # -- writing
    def create_client(self, name, description='Managed by Ansible'):
        created, _headers = self.call('POST', CLIENTS, {'name': name, 'description': description,
                                                        'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
        return created

    def create_policy(self, name, identity, resource, action):
        created, _headers = self.call('POST', POLICIES, {
            'name': name, 'identities': [identity], 'resources': [{'urn': resource}],
            'permissions': {'allow': [{'action': action}]}})
        return created

    def identity_of(self, client_id):
        """The identity URN OVHcloud gives a client (urn:v1:<region>:identity:credential:<nic>/oauth2-<id>)."""
        return self.call('GET', '%s/%s' % (CLIENTS, client_id))[0]['identity']


def expansion_headers(number):
    return {'X-Pagination-Mode': 'CachedObjectList-Pages', 'X-Pagination-Size': PAGE_SIZE, 'X-Pagination-Number': str(number)}


def named(items, name):
    return [item for item in items if item.get('name') == name]


# -- jobs

def client_noop(api, name):
    return {'found': len(named(api.clients(), name))}


def policy_noop(api, name):
    return {'found': len(named(api.policies(), name))}


def client_create(api, name):
    if not named(api.clients(), name):
        api.create_client(name)
    return {}


def policy_create(api, name, identity, resource, action):
    if not named(api.policies(), name):
        api.create_policy(name, identity, resource, action)
    return {}


def accounts(api, prefix, count, resource, action):
    """Converge COUNT service accounts, each with one policy: the job of the role, in its fewest calls."""
    clients = {client['name']: client for client in api.clients()}
    policies = {policy['name'] for policy in api.policies()}
    created = 0
    for index in range(1, int(count) + 1):
        name = '%s-%02d' % (prefix, index)
        if name not in clients:
            client_id = api.create_client(name)['clientId']
            # The identity is derived, as the API builds it, from the account's URN and the new client id.
            identity = _identity(api, clients, client_id)
            created += 1
        else:
            identity = clients[name]['identity']
        if name + '-policy' not in policies:
            api.create_policy(name + '-policy', identity, resource, action)
    return {'created': created}


def _identity(api, known_clients, client_id):
    for client in known_clients.values():
        if client.get('identity'):
            return client['identity'].rsplit('/oauth2-', 1)[0] + '/oauth2-' + client_id
    return api.identity_of(client_id)


def delete_client(api, name):
    for client in named(api.clients(), name):
        api.call('DELETE', '%s/%s' % (CLIENTS, client['clientId']))
    return {}


def delete_policy(api, name):
    for policy in named(api.policies(), name):
        api.call('DELETE', '%s/%s' % (POLICIES, policy['id']))
    return {}


JOBS = {
    'client-noop': client_noop, 'policy-noop': policy_noop, 'client-create': client_create,
    'policy-create': policy_create, 'accounts': accounts, 'delete-client': delete_client, 'delete-policy': delete_policy,
}


def main(argv):
    if not argv or argv[0] not in JOBS:
        sys.stderr.write(__doc__)
        return 2
    api = MinimalApi.from_env()
    started = time.perf_counter()
    outcome = JOBS[argv[0]](api, *argv[1:])
    elapsed = (time.perf_counter() - started) * 1000.0
    outcome.update(job=argv[0], requests=api.requests, writes=api.writes, api_ms=round(elapsed, 1))
    sys.stdout.write(json.dumps(outcome) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
