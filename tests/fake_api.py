"""Start the local fake OVH API and talk to its /_fake/ control routes (shared by every test layer)."""

import json
import os
import subprocess
import sys
import time
from urllib.parse import parse_qsl

import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(REPO_ROOT, 'tests', 'ovh_fake', 'server.py')
WRITE_METHODS = ('POST', 'PUT', 'DELETE')
TOKEN_PATH = '/auth/oauth2/token'


class FakeApi:
    """A running fake: its connection facts (the JSON line it printed) and its control API."""

    def __init__(self, *args):
        self._process = subprocess.Popen(
            [sys.executable, SERVER, '--port', '0'] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError('the fake OVH API did not start: %s' % self._process.stderr.read())
        self.info = json.loads(line)
        self.url = self.info['url']
        self.endpoint = self.info['endpoint']
        self.nic = self.info['nic']
        self._http = requests.Session()

    def stop(self):
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._http.close()

    # -- connection environment for modules and SDKs
    def owner_env(self):
        return {
            'OVH_ENDPOINT': self.endpoint,
            'OVH_APPLICATION_KEY': self.info['application_key'],
            'OVH_APPLICATION_SECRET': self.info['application_secret'],
            'OVH_CONSUMER_KEY': self.info['consumer_key'],
        }

    def owner_api(self, **connection_options):
        """The collection's own HTTP client signed as the owner: sets up and checks state without an ansible run."""
        # Imported here: the collection is importable only once tests/conftest.py has linked the checkout.
        from ansible_collections.ovhcloud.iam.plugins.module_utils._client import OvhClient
        from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
        return OvhClient(resolve_connection(dict(connection_options), environ=self.owner_env()))

    def account_urn(self):
        return 'urn:v1:%s:resource:account:%s' % (self.region(), self.nic)

    def region(self):
        return self.info.get('region', 'eu')

    # -- control API
    def _control(self, method, route, payload=None):
        response = self._http.request(method, self.url + '/_fake/' + route, json=payload, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self):
        return self._control('GET', 'requests')

    def clear_requests(self):
        self._control('DELETE', 'requests')

    def v2_requests(self):
        """(method, path, sorted query parameters, status) of every /v2 request served, in order."""
        return [(entry['method'], entry['path'], sorted(parse_qsl(entry['query'], keep_blank_values=True)), entry['status'])
                for entry in self.requests() if entry['path'].startswith('/v2/')]

    def writes(self):
        """Write requests to the API (token requests are not writes)."""
        return [r for r in self.requests() if r['method'] in WRITE_METHODS and r['path'] != TOKEN_PATH]

    def write_calls(self):
        """(method, path) of every write request to the API, in order."""
        return [(r['method'], r['path']) for r in self.writes()]

    def fault(self, **spec):
        self._control('POST', 'faults', spec)

    def clear_faults(self):
        self._control('DELETE', 'faults')

    def reset(self):
        self._control('POST', 'reset')

    def seed(self, clients=0, policies=0, resources=0):
        return self._control('POST', 'seed', {'clients': clients, 'policies': policies, 'resources': resources})

    def state(self):
        return self._control('GET', 'state')

    def secrets(self):
        return self._control('GET', 'secrets')

    def stats(self):
        return self._control('GET', 'stats')

    def skew_clock(self, seconds):
        self._control('POST', 'clock', {'skew_s': seconds})

    def expire_tokens(self):
        self._control('POST', 'expire-tokens')

    def set_latency(self, ms):
        self._control('POST', 'latency', {'ms': ms})

    def set_token_ttl(self, seconds):
        self._control('POST', 'token-ttl', {'seconds': seconds})

    def set_source_ip(self, ip):
        """The source address IAM conditions see (None: the real peer address, 127.0.0.1)."""
        self._control('POST', 'source-ip', {'ip': ip})

    def set_knobs(self, **knobs):
        """Take one side of an unknown of the real API (put_absent, v2_default_page_size, expiry_echo) until reset."""
        return self._control('POST', 'knobs', knobs)


def wait_until(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
