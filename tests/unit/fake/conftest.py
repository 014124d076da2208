"""Fixtures for the fake OVH API's own tests: the fake runs as a real subprocess and is reached over HTTP."""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

import pytest
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SERVER = os.path.join(REPO_ROOT, 'tests', 'ovh_fake', 'server.py')
OAUTH2_CLIENT_ACTION = 'account:apiovh:me/api/oauth2/client/'


class FakeProcess:
    """A fake started as ``python tests/ovh_fake/server.py --port 0 [args]``; ``info`` is its JSON line."""

    def __init__(self, *args):
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, SERVER, '--port', '0'] + list(args),
                                        stdout=subprocess.PIPE, stderr=self._stderr)
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            self._stderr.seek(0)
            raise RuntimeError('the fake did not start: %s' % self._stderr.read().decode('utf-8', 'replace'))
        self.info = json.loads(line.decode('utf-8'))

    def client(self):
        return FakeClient(self.info)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self._stderr.close()


class FakeClient:
    """Talks to a running fake: control routes, signed calls (signature computed here), OAuth2 calls."""

    def __init__(self, info):
        self.info = info
        self.url = info['url']
        self.nic = info['nic']
        self.region = info.get('region', 'eu')
        self.account_urn = 'urn:v1:%s:resource:account:%s' % (self.region, self.nic)
        self.http = requests.Session()

    # -- control API

    def control(self, method, route, payload=None):
        response = requests.request(method, self.url + '/_fake/' + route, json=payload, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def log(self):
        return self.control('GET', 'requests')

    # -- signed requests, as python-ovh builds them

    def signed(self, method, path, body=None, headers=None, timestamp=None, **credentials):
        """``path`` starts with the version prefix (``/1.0/me``, ``/v2/iam/policy?x=y``)."""
        full_url = self.url + path
        payload = '' if body is None else json.dumps(body, separators=(',', ':'))
        ak = credentials.get('application_key', self.info['application_key'])
        secret = credentials.get('application_secret', self.info['application_secret'])
        ck = credentials.get('consumer_key', self.info['consumer_key'])
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        digest = hashlib.sha1('+'.join([secret, ck, method, full_url, payload, stamp]).encode('utf-8')).hexdigest()
        sent = {'X-Ovh-Application': ak, 'X-Ovh-Consumer': ck, 'X-Ovh-Timestamp': stamp,
                'X-Ovh-Signature': '$1$' + digest}
        if body is not None:
            sent['Content-Type'] = 'application/json'
        sent.update(headers or {})
        return self.http.request(method, full_url, data=payload, headers=sent, timeout=30)

    def ok(self, method, path, body=None, headers=None):
        response = self.signed(method, path, body, headers)
        assert response.status_code == 200, response.text
        return response.json()

    # -- OAuth2

    def token_response(self, client_id, client_secret, scope='all', basic=True):
        form = {'grant_type': 'client_credentials'}
        if scope is not None:
            form['scope'] = scope
        auth = (client_id, client_secret) if basic else None
        if not basic:
            form.update(client_id=client_id, client_secret=client_secret)
        return requests.post(self.info['token_url'], data=form, auth=auth, timeout=30)

    def token(self, client_id, client_secret):
        response = self.token_response(client_id, client_secret)
        assert response.status_code == 200, response.text
        return response.json()['access_token']

    def bearer(self, token, method, path, body=None, headers=None):
        sent = {'Authorization': 'Bearer ' + token}
        sent.update(headers or {})
        return self.http.request(method, self.url + path, json=body, headers=sent, timeout=30)

    # -- building blocks

    def create_client(self, name='svc', flow='CLIENT_CREDENTIALS', callback_urls=None, description='a service account'):
        body = {'name': name, 'description': description, 'flow': flow, 'callbackUrls': callback_urls or []}
        return self.ok('POST', '/1.0/me/api/oauth2/client', body)

    def identity_of(self, client_id):
        return 'urn:v1:%s:identity:credential:%s/oauth2-%s' % (self.region, self.nic, client_id)

    def policy_body(self, identities, allow=None, resources=None, name=None, **extra):
        # Policy names are unique: each body gets its own unless the test names it.
        if name is None:
            self._policy_number = getattr(self, '_policy_number', 0) + 1
            name = 'test-policy-%d' % self._policy_number
        body = {'name': name, 'identities': identities,
                'resources': [{'urn': urn} for urn in (resources or [self.account_urn])],
                'permissions': {'allow': [{'action': action} for action in (allow or [])]}}
        body.update(extra)
        return body

    def grant(self, identity, allow, resources=None, **extra):
        return self.ok('POST', '/v2/iam/policy', self.policy_body([identity], allow, resources, **extra))

    def service_account(self, allow=None, resources=None, **extra):
        """A CLIENT_CREDENTIALS client with a policy allowing ``allow`` (if any) and a bearer token."""
        client = self.create_client()
        identity = self.identity_of(client['clientId'])
        if allow:
            self.grant(identity, allow, resources, **extra)
        return client, self.token(client['clientId'], client['clientSecret'])


@pytest.fixture(scope='session')
def fake_server():
    """One fake for the whole session: its startup JSON line."""
    fake = FakeProcess()
    yield fake.info
    fake.stop()


@pytest.fixture
def fake(fake_server):
    """A client of the session's fake, reset to its freshly started state."""
    client = FakeClient(fake_server)
    client.control('POST', 'reset')
    yield client
    client.http.close()


@pytest.fixture
def start_fake():
    """Start extra fakes with other command-line flags; each is stopped at the end of the test."""
    started = []

    def start(*args):
        fake = FakeProcess(*args)
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()
