"""HTTP requests per task, exactly: a change in these counts is a performance regression (or a deliberate change
to record here and in docs/performance.md). No timing is asserted anywhere in this file.

The counts come from the fake's request log, collected by the benchmark harness (tests/bench/run_bench.py) run
once in --no-timing mode, without latency, for accounts of 1 and 1000 clients and policies: real
ansible-playbook runs of each module (a no-op, a create), the service_account role (first and second run), and
the client lookup against a fake that ignores list expansion. Each task's requests are the ones the fake served
while it ran; the modules' own ``api_requests`` must agree.
"""

import json
import math
import os
import subprocess
import sys
import threading
from collections import Counter
from urllib.parse import quote
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _client
from ansible_collections.ovhcloud.iam.plugins.module_utils._client import EXPANSION_WORKERS, V1_PAGE_SIZE, V2_PAGE_SIZE, OvhClient
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError
from tests.ansible_runner import run_adhoc
from tests.conftest import REPO_ROOT

RUN_BENCH = os.path.join(REPO_ROOT, 'tests', 'bench', 'run_bench.py')
SIZES = (1, 1000)
MANY_SIZES = (1, 10)  # applications in the many-applications scenario (one ovh_service_accounts task vs the loop)
ACCOUNTS = 3
BENCH_ARGS = ['--no-timing', '--sizes', ','.join(str(size) for size in SIZES), '--repeat', '1', '--accounts', str(ACCOUNTS),
              '--role-sizes', '1', '--latency-ms', '0', '--many-sizes', ','.join(str(size) for size in MANY_SIZES)]

TIME = 'GET /1.0/auth/time'  # signed requests: the server time, once per task
CLIENTS = 'GET /1.0/me/api/oauth2/client'
POLICIES = 'GET /v2/iam/policy'
ACTION_CATALOGUE = 'GET /v2/iam/reference/action'
MODULE_NOOPS = ('client_noop', 'client_info', 'policy_noop', 'policy_info')


def client_pages(count):
    """Expanded pages of the client list: the client asks for pages of V1_PAGE_SIZE (1000) clients."""
    return math.ceil(count / V1_PAGE_SIZE)


def policy_pages(count):
    """Pages of a policy list: every /v2 list asks for pages of V2_PAGE_SIZE items."""
    return math.ceil(count / V2_PAGE_SIZE)


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    output = tmp_path_factory.mktemp('bench-results')
    proc = subprocess.run([sys.executable, RUN_BENCH] + BENCH_ARGS + ['--output-dir', str(output)],
                          capture_output=True, text=True, timeout=1800, check=False, cwd=REPO_ROOT)
    assert proc.returncode == 0, 'run_bench.py failed (rc=%d):\n%s\n%s' % (proc.returncode, proc.stdout[-3000:], proc.stderr[-6000:])
    with open(os.path.join(str(output), 'latest.json'), encoding='utf-8') as handle:
        results = json.load(handle)
    results['rows'] = {size['n']: size['rows'] for size in results['sizes']}
    results['many_rows'] = {size['n']: size['rows'] for size in results.get('many') or ()}
    return results


def task(bench, size, job):
    row = bench['rows'][size].get(job)
    if not row or not row.get('task'):
        pytest.skip('%s was not measured (module or role missing from this checkout)' % job)
    return row['task']


@pytest.mark.parametrize('size', SIZES)
def test_client_lookup_by_name_is_two_requests_whatever_the_account_size(bench, size):
    for job in ('client_noop', 'client_info'):
        measured = task(bench, size, job)
        assert measured['calls'] == [TIME] + [CLIENTS] * client_pages(size), job  # one expanded page: up to 1000 clients
        assert measured['api_requests'] == 2, job


@pytest.mark.parametrize('size', SIZES)
def test_client_lookup_without_list_expansion_reads_ids_then_each_client(bench, size):
    measured = task(bench, size, 'client_noop_noexp')
    assert measured['requests'] == 2 + size
    assert measured['api_requests'] == 2 + size
    calls = measured['calls']
    assert calls[:2] == [TIME, CLIENTS]
    assert all(call.startswith(CLIENTS + '/') for call in calls[2:])
    assert len(set(calls[2:])) == size  # each client read once


def test_client_lookup_without_expansion_reuses_connections(bench):
    row = bench['rows'][1000]['client_noop_noexp']
    # Two module tasks (setup, no-op) each read ~1000 clients over at most EXPANSION_WORKERS + 1 keep-alive
    # connections; the two uri tasks open one each.
    assert row['playbook_requests'] > 2000
    assert row['playbook_connections'] <= 2 * (EXPANSION_WORKERS + 1) + 2


@pytest.mark.parametrize('size', SIZES)
def test_policy_noop_lists_editable_policies_page_by_page(bench, size):
    measured = task(bench, size, 'policy_noop')
    pages = policy_pages(size)  # the account's editable policies: the target plus size - 1 others
    assert measured['calls'] == [TIME] + [POLICIES] * pages
    assert measured['api_requests'] == 1 + pages


@pytest.mark.parametrize('size', SIZES)
def test_policy_info_by_name_lists_every_policy(bench, size):
    measured = task(bench, size, 'policy_info')
    pages = policy_pages(size + 1)  # the read-only ovh-default policy is listed too
    assert measured['calls'] == [TIME] + [POLICIES] * pages
    assert measured['api_requests'] == 1 + pages


@pytest.mark.parametrize('size', SIZES)
def test_unchanged_runs_send_no_write_request(bench, size):
    for job in MODULE_NOOPS + ('client_noop_noexp',):
        measured = task(bench, size, job)
        assert measured['writes'] == 0, job
        assert not measured['changed'], job


@pytest.mark.parametrize('size', SIZES)
def test_client_create_is_lookup_post_read_back_and_twin_check(bench, size):
    measured = task(bench, size, 'client_create')
    calls = measured['calls']
    assert calls[:3] == [TIME, CLIENTS, 'POST /1.0/me/api/oauth2/client']
    # the clients named alike are listed again (a concurrent run may have created a twin): size + 1 clients now
    twin_check = client_pages(size + 1)
    assert calls[3:3 + twin_check] == [CLIENTS] * twin_check
    # then the new client is read back, for its identity URN
    assert len(calls) == 4 + twin_check and calls[-1].startswith(CLIENTS + '/')
    assert measured['writes'] == 1
    assert measured['api_requests'] == len(calls)


@pytest.mark.parametrize('size', SIZES)
def test_policy_create_is_lookup_catalogue_check_then_post(bench, size):
    measured = task(bench, size, 'policy_create')
    # issue 11: the actions a write adds are checked against OVHcloud's catalogue first, in one request (filtered on
    # the resource types named); a no-op adds none, so policy_noop and the role's second run keep their counts.
    assert measured['calls'] == [TIME] + [POLICIES] * policy_pages(size) + [ACTION_CATALOGUE, 'POST /v2/iam/policy']
    assert measured['writes'] == 1


def test_role_first_run_creates_one_client_and_one_policy_per_account(bench):
    measured = task(bench, 1, 'role_first')
    writes = [call for call in measured['calls'] if not call.startswith('GET ')]
    assert sorted(writes) == sorted(['POST /1.0/me/api/oauth2/client', 'POST /v2/iam/policy'] * ACCOUNTS)


def test_role_second_run_makes_no_writes(bench):
    measured = task(bench, 1, 'role_second')
    assert measured['writes'] == 0
    assert measured['changed'] == 0
    # per account: two API tasks (the client lookup, the policy) each read the server time, then one page each
    assert Counter(measured['calls']) == {TIME: 2 * ACCOUNTS, CLIENTS: ACCOUNTS, POLICIES: ACCOUNTS}


def test_floor_script_makes_the_fewest_calls(bench):
    """The benchmark's plain-Python floor: the same jobs with the minimum of requests."""
    rows = bench['rows'][1000]
    assert rows['client_noop']['floor']['requests'] == 2
    assert rows['policy_noop']['floor']['requests'] == 2  # pages of 1000
    assert rows['client_create']['floor']['requests'] == 3
    assert rows['client_noop_noexp']['floor']['requests'] == 1002


@pytest.mark.parametrize('size', MANY_SIZES)
def test_many_accounts_in_one_task_make_a_constant_number_of_reads(bench, size):
    """One ovh_service_accounts task for N applications (a client and a policy each) in an empty account.

    check run: time, the client list, the policy list, one catalogue check of the new actions: 4 whatever N.
    First run: the same 4, N client POSTs, one client list for the new identities (and the twin check), N policy
    POSTs. No-op: 3 whatever N, no write. The per-item loop of single-object tasks costs per application.
    """
    rows = bench['many_rows'][size]
    assert (rows['many_check']['requests'], rows['many_check']['writes']) == (4, 0)
    assert (rows['many_first']['requests'], rows['many_first']['writes']) == (5 + 2 * size, 2 * size)
    assert (rows['many_noop']['requests'], rows['many_noop']['writes'], rows['many_noop']['changed']) == (3, 0, 0)
    # the loop: client lookup (time, list) and policy lookup + catalogue (time, list, catalogue) per application;
    # a create adds POST, read-back GET and twin-check list to each client, and the POST to each policy
    assert (rows['loop_check']['requests'], rows['loop_check']['writes']) == (5 * size, 0)
    assert (rows['loop_first']['requests'], rows['loop_first']['writes']) == (9 * size, 2 * size)
    assert (rows['loop_noop']['requests'], rows['loop_noop']['writes']) == (4 * size, 0)


def test_request_count_targets_are_met(bench):
    missed = [target for target in bench['targets'] if target['kind'] == 'count' and not target['ok']]
    assert not missed


# ---------------------------------------------------------------------------- per-request client work

class RecordingProxy(BaseHTTPRequestHandler):
    """A forward proxy that records the absolute URLs it is asked for and answers an empty list."""
    protocol_version = 'HTTP/1.1'
    seen = []

    def do_GET(self):
        RecordingProxy.seen.append(self.path)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'[]')

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def recording_proxy():
    server = ThreadingHTTPServer(('127.0.0.1', 0), RecordingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RecordingProxy.seen = []
    yield 'http://127.0.0.1:%d' % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_environment_proxies_apply_and_are_resolved_once_per_origin(fake, recording_proxy, monkeypatch):
    """The client resolves the environment's proxies once per origin (requests would scan os.environ three times
    per request), and they still apply to every request; NO_PROXY still bypasses them."""
    resolved = []
    real_resolve = _client._resolve_proxies

    def counting_resolve(*args):
        resolved.append(args[0].url)
        return real_resolve(*args)

    monkeypatch.setattr(_client, '_resolve_proxies', counting_resolve)
    for name in ('NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy', 'HTTPS_PROXY', 'https_proxy'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HTTP_PROXY', recording_proxy)
    settings = resolve_connection({'endpoint': fake.endpoint, 'access_token': 'bench-token', 'max_retries': 0}, environ={})
    client = OvhClient(settings)
    for _call in range(3):
        assert client.get('/me/api/oauth2/client') == []
    client.close()
    assert RecordingProxy.seen == [fake.endpoint + '/me/api/oauth2/client'] * 3
    assert len(resolved) == 1

    monkeypatch.setenv('NO_PROXY', '127.0.0.1')  # from here on, this test's own calls to the fake bypass the proxy too
    assert not fake.requests()
    client = OvhClient(settings)
    with pytest.raises(OvhApiError) as refused:  # straight to the fake, which does not know the token
        client.get('/me/api/oauth2/client')
    client.close()
    assert refused.value.status == 401
    assert len(RecordingProxy.seen) == 3
    assert [entry['path'] for entry in fake.requests()] == ['/1.0/me/api/oauth2/client']


# ---------------------------------------------------------------------------- users, groups and resource tags

IDENTITY_COUNT_TASKS = (
    # (module, args, the calls of the task, exactly)
    ('ovhcloud.iam.ovh_iam_group', {'name': 'web-ops', 'role': 'NONE'},
     [TIME, 'GET /1.0/me/identity/group/web-ops', 'POST /1.0/me/identity/group']),
    ('ovhcloud.iam.ovh_iam_group', {'name': 'web-ops', 'role': 'NONE'},
     [TIME, 'GET /1.0/me/identity/group/web-ops']),
    ('ovhcloud.iam.ovh_iam_user', {'login': 'alice', 'group': 'web-ops', 'email': 'a@example.com', 'password': 'Count-Pa55'},
     [TIME, 'GET /1.0/me/identity/user/alice', 'GET /1.0/me/identity/group/web-ops', 'POST /1.0/me/identity/user',
      'GET /1.0/me/identity/user/alice']),
    ('ovhcloud.iam.ovh_iam_user', {'login': 'alice', 'group': 'web-ops', 'email': 'a@example.com', 'password': 'Count-Pa55'},
     [TIME, 'GET /1.0/me/identity/user/alice']),
    ('ovhcloud.iam.ovh_iam_user_info', {'login': 'alice'}, [TIME, 'GET /1.0/me/identity/user/alice']),
    ('ovhcloud.iam.ovh_iam_user_info', {}, [TIME, 'GET /1.0/me/identity/user', 'GET /1.0/me/identity/user/alice']),
    ('ovhcloud.iam.ovh_iam_group_info', {'name': 'web-ops'}, [TIME, 'GET /1.0/me/identity/group/web-ops']),
    ('ovhcloud.iam.ovh_iam_resource_tags', {'urn': 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net', 'tags': {'env': 'prod'},
                                            'purge_tags': False},
     [TIME, 'GET /v2/iam/resource/urn%3Av1%3Aeu%3Aresource%3Avps%3Avps-5a6b7c8d.vps.ovh.net',
      'POST /v2/iam/resource/urn%3Av1%3Aeu%3Aresource%3Avps%3Avps-5a6b7c8d.vps.ovh.net/tag']),
    ('ovhcloud.iam.ovh_iam_resource_tags', {'urn': 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net', 'tags': {'env': 'prod'},
                                            'purge_tags': False},
     [TIME, 'GET /v2/iam/resource/urn%3Av1%3Aeu%3Aresource%3Avps%3Avps-5a6b7c8d.vps.ovh.net']),
    ('ovhcloud.iam.ovh_iam_user', {'login': 'alice', 'state': 'absent'},
     [TIME, 'GET /1.0/me/identity/user/alice', POLICIES, 'DELETE /1.0/me/identity/user/alice']),
    ('ovhcloud.iam.ovh_iam_user', {'login': 'alice', 'state': 'absent'}, [TIME, 'GET /1.0/me/identity/user/alice']),
)


def test_users_groups_and_tags_make_the_fewest_calls(fake, workdir, owner_env):
    """One read of the object addressed, a no-op sends nothing else; a create adds the write (and a user's read back
    for its URN, the group's existence check); deleting a user reads its policies (one page) first."""
    for module, args, expected in IDENTITY_COUNT_TASKS:
        fake.clear_requests()
        result = run_adhoc(module, args, workdir, env=owner_env)
        assert result.rc == 0, result
        calls = ['%s %s' % (entry['method'], entry['path']) for entry in fake.requests()]
        assert calls == expected, (module, args)
        assert '"api_requests": %d' % len(expected) in result.stdout, result.stdout


# -- the access and audit modules (issue 17): read-only, one list of each kind, whatever the account size

ACCESS_SIZES = (1, 1000)


def _module_calls(fake, workdir, module, args):
    fake.clear_requests()
    result = run_adhoc(module, args, workdir, env=fake.owner_env())
    assert result.rc == 0, result
    calls = ['%s %s' % (entry['method'], entry['path']) for entry in fake.requests()]
    assert result.records[-1]['result']['api_requests'] == len(calls)
    return calls


@pytest.mark.parametrize('size', ACCESS_SIZES)
def test_access_audit_and_caller_modules_read_each_list_once(fake, workdir, size):
    fake.seed(clients=size, policies=size)
    owner = OvhClient(resolve_connection({'endpoint': fake.endpoint, 'application_key': fake.info['application_key'],
                                          'application_secret': fake.info['application_secret'],
                                          'consumer_key': fake.info['consumer_key'], 'max_retries': 0}, environ={}))
    created = owner.post('/me/api/oauth2/client', {'name': 'probe', 'description': 'd', 'flow': 'CLIENT_CREDENTIALS'})
    identity = 'urn:v1:%s:identity:credential:%s/oauth2-%s' % (fake.region(), fake.nic, created['clientId'])
    owner.post('/v2/iam/policy', {'name': 'probe', 'identities': [identity], 'resources': [{'urn': fake.account_urn()}],
                                  'permissions': {'allow': [{'action': 'account:apiovh:me/get'}]}})
    owner.close()
    clients, policies = size + 1, size + 2  # the seeded ones, the probe; ovh-default
    listing = [TIME] + [CLIENTS] * client_pages(clients) + [POLICIES] * policy_pages(policies)

    check = _module_calls(fake, workdir, 'ovhcloud.iam.ovh_iam_access_info', {
        'service_account': 'probe', 'resources': [fake.account_urn()], 'actions': ['account:apiovh:me/get']})
    assert check == listing + ['GET /v2/iam/resource']
    wildcard = _module_calls(fake, workdir, 'ovhcloud.iam.ovh_iam_access_info', {
        'service_account': 'probe', 'resources': [fake.account_urn()], 'actions': ['account:apiovh:me/*']})
    assert wildcard == listing + ['GET /v2/iam/resource', ACTION_CATALOGUE]
    everything = _module_calls(fake, workdir, 'ovhcloud.iam.ovh_iam_access_info', {'service_account': 'probe', 'mode': 'list'})
    assert everything == listing + ['GET /v2/iam/resource', ACTION_CATALOGUE]

    caller = _module_calls(fake, workdir, 'ovhcloud.iam.ovh_iam_caller_info', {
        'resources': [fake.account_urn(), 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'], 'actions': ['account:apiovh:me/get']})
    assert caller == [TIME, 'GET /1.0/auth/details'] + ['POST /v2/iam/resource/%s/authorization/check' % quote(urn, safe='') for urn in (
        fake.account_urn(), 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net')]
    batch = _module_calls(fake, workdir, 'ovhcloud.iam.ovh_iam_caller_info', {
        'resources': [fake.account_urn(), 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'], 'actions': ['account:apiovh:me/get'],
        'batch': True})
    assert batch == [TIME, 'GET /1.0/auth/details', 'POST /v2/iam/authorization/check']

    audit = _module_calls(fake, workdir, 'ovhcloud.iam.ovh_iam_audit_info', {})
    catalogue_pages = 1  # OVHcloud's catalogue has fewer actions than a page holds (V2_PAGE_SIZE)
    assert sorted(audit) == sorted(listing + ['GET /v2/iam/permissionsGroup', 'GET /v2/iam/resourceGroup', 'GET /1.0/me/identity/user',
                                              'GET /1.0/me/identity/group'] + [ACTION_CATALOGUE] * catalogue_pages)
    assert fake.writes() == []
