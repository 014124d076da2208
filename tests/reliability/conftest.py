"""Shared pieces of the reliability suite (faults, bad inputs, leak scan, TLS, credential files).

- ``owner_env``: the owner's signed credentials as OVH_* variables.
- ``role_play``: a play of the service_account role for one application.
- ``make_service_account``: a service account and its policy, made from the test process with
  ``fake.owner_api()`` (never through a playbook, so it costs no ansible run).
- ``ledger``: collects the figures of each section and writes them, at the end of the session, to
  ``tests/output/reliability/<section>.json``; docs/reliability.md quotes them.
- ``tls_material``: a throwaway CA and a server certificate for 127.0.0.1 (openssl CLI).

The playbooks themselves come from ``tests/playbooks.py`` (``play``, ``task``), as in every other suite.
"""

import collections
import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from tests.playbooks import play

OUTPUT_DIR = os.path.join(REPO_ROOT, 'tests', 'output', 'reliability')
CLIENTS_PATH = '/me/api/oauth2/client'
POLICIES_PATH = '/v2/iam/policy'


# ---------------------------------------------------------------------------- direct API access

def make_service_account(fake, name, allow=('*',), **connection_options):
    """A CLIENT_CREDENTIALS client plus a policy granting it ``allow`` on the account; its credentials.

    ``connection_options`` go to the owner's client that makes them (``ca_path`` over https).
    """
    api = fake.owner_api(**connection_options)
    created = api.post(CLIENTS_PATH, {'name': name, 'description': 'reliability suite', 'flow': 'CLIENT_CREDENTIALS',
                                      'callbackUrls': []})
    identity = api.get('%s/%s' % (CLIENTS_PATH, created['clientId']))['identity']
    api.post(POLICIES_PATH, {
        'name': name + '-rights', 'description': 'rights of ' + name, 'identities': [identity],
        'resources': [{'urn': fake.account_urn()}],
        'permissions': {'allow': [{'action': action} for action in allow]},
    })
    api.close()
    return {'client_id': created['clientId'], 'client_secret': created['clientSecret'], 'identity': identity}


def role_play(fake, name, path, **role_vars):
    """A localhost play of the service_account role for ``name``: credentials at ``path``, one policy reading /me."""
    variables = {
        'service_account_name': name,
        'service_account_credentials_path': path,
        'service_account_policies': [{'name': name + '-read', 'resources': [fake.account_urn()],
                                      'allow': ['account:apiovh:me/get']}],
    }
    variables.update(role_vars)
    return play(roles=[{'role': 'ovhcloud.iam.service_account', 'vars': variables}])


def oauth2_env(fake, account):
    return {'OVH_ENDPOINT': fake.endpoint, 'OVH_CLIENT_ID': account['client_id'],
            'OVH_CLIENT_SECRET': account['client_secret']}


# ---------------------------------------------------------------------------- state checks

def census(state, prefix):
    """What the fake holds under a name prefix: duplicates and orphans are what must never exist.

    - duplicated: names carried by more than one client, or by more than one policy;
    - dangling: identities of deleted OAuth2 clients still listed by a policy (a lost detach).
    """
    clients = [c for c in state['clients'] if (c.get('name') or '').startswith(prefix)]
    policies = [p for p in state['policies'] if not p.get('readOnly') and (p.get('name') or '').startswith(prefix)]
    client_names = collections.Counter(c['name'] for c in clients)
    policy_names = collections.Counter(p['name'] for p in policies)
    live_identities = set(c.get('identity') for c in state['clients'])
    dangling = sorted(set(
        identity for p in policies for identity in p.get('identities') or ()
        if ':identity:credential:' in identity and '/oauth2-' in identity and identity not in live_identities))
    return {
        'clients': {c['name']: c for c in clients},
        'policies': {p['name']: p for p in policies},
        'client_count': len(clients),
        'policy_count': len(policies),
        'duplicated': sorted(['client ' + n for n, k in client_names.items() if k > 1]
                             + ['policy ' + n for n, k in policy_names.items() if k > 1]),
        'dangling': dangling,
        'client_list': clients,
    }


def read_ini_secret(path):
    import configparser
    parser = configparser.RawConfigParser()
    parser.read(path)
    endpoint = parser.get('default', 'endpoint')
    return parser.get(endpoint, 'client_id'), parser.get(endpoint, 'client_secret')


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture
def owner_env(fake):
    return fake.owner_env()


class Ledger:
    """Figures of the suite, per section, written as JSON when the session ends."""

    def __init__(self):
        self.sections = collections.OrderedDict()

    def add(self, section, entry):
        self.sections.setdefault(section, []).append(entry)

    def put(self, section, value):
        self.sections[section] = value

    def write(self):
        """Write each section; a list section keeps the cases of earlier runs that this run did not repeat."""
        if not self.sections:
            return
        os.makedirs(OUTPUT_DIR, exist_ok=True)
        for section, value in self.sections.items():
            path = os.path.join(OUTPUT_DIR, section + '.json')
            if isinstance(value, list) and os.path.exists(path):
                value = _merged(path, value)
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(value, handle, indent=2, sort_keys=True, default=str)
                handle.write('\n')


def _merged(path, entries):
    try:
        with open(path, encoding='utf-8') as handle:
            earlier = json.load(handle)
    except ValueError:
        return entries
    if not isinstance(earlier, list):
        return entries
    fresh = dict((entry.get('case'), entry) for entry in entries)
    merged = [fresh.pop(entry.get('case'), entry) for entry in earlier]
    return merged + [entry for entry in entries if entry.get('case') in fresh]


@pytest.fixture(scope='session')
def ledger():
    book = Ledger()
    yield book
    book.write()


def _openssl(*args, cwd):
    subprocess.run(('openssl',) + args, cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope='session')
def tls_material(tmp_path_factory):
    """A throwaway CA and a server certificate (and key) for 127.0.0.1, made with the openssl CLI."""
    if shutil.which('openssl') is None:
        pytest.skip('the openssl command is not installed: cannot make a throwaway CA for the TLS tests')
    directory = str(tmp_path_factory.mktemp('tls'))
    _openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
             '-subj', '/CN=ovhcloud.iam reliability test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=directory)
    _openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
             '-subj', '/CN=127.0.0.1', cwd=directory)
    with open(os.path.join(directory, 'server.ext'), 'w', encoding='utf-8') as handle:
        handle.write('subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
    _openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
             '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext', cwd=directory)
    return {
        'dir': directory,
        'ca': os.path.join(directory, 'ca.pem'),
        'cert': os.path.join(directory, 'server.pem'),
        'key': os.path.join(directory, 'server.key'),
    }


@pytest.fixture(scope='session')
def tls_fake(tls_material):
    """A second fake serving https with the throwaway certificate; its control API trusts the CA."""
    from tests.fake_api import FakeApi
    server = FakeApi('--tls-cert', tls_material['cert'], '--tls-key', tls_material['key'])
    server._http.verify = tls_material['ca']
    server._http.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, wins over verify (requests #3829)
    yield server
    server.stop()
