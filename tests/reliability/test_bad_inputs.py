"""The bad-input catalogue (bad_inputs.yml): each case is refused with a message naming the option or the cause.

All cases run in two ansible-playbook runs (input errors, then causes only an answer can tell), one
inventory host per case so that ansible runs them in parallel (forks). For each case: the task failed,
its message holds every expected substring, holds no secret, and no write request reached the fake;
an input error sent no request at all (each one talks to an endpoint of its own on the fake, so a stray
request would be logged under /bad-input/<id>/).
"""

import json
import os
import re
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from tests.ansible_runner import run_playbook
from tests.reliability.conftest import make_service_account

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOGUE = os.path.join(HERE, 'bad_inputs.yml')
OVH_VARIABLES = ('OVH_ENDPOINT', 'OVH_APPLICATION_KEY', 'OVH_APPLICATION_SECRET', 'OVH_CONSUMER_KEY', 'OVH_CLIENT_ID',
                 'OVH_CLIENT_SECRET', 'OVH_ACCESS_TOKEN', 'OVH_TOKEN_URL', 'OVH_CONFIG_FILE')
WRITE_METHODS = ('POST', 'PUT', 'DELETE', 'PATCH')

# One play per module, over the inventory group of its cases: ansible runs a play's hosts in parallel (forks).
PLAY = '''- name: "bad inputs of {module}"
  hosts: "{module}"
  connection: local
  gather_facts: false
  tasks:
    - name: "{module}"
      ovhcloud.iam.{module}:
      args: "{{{{ case_args }}}}"
      environment: "{{{{ case_env }}}}"
      ignore_errors: true
'''


def load_catalogue():
    with open(CATALOGUE, encoding='utf-8') as handle:
        return yaml.safe_load(handle)['cases']


# ---------------------------------------------------------------------------- helper servers

class _HtmlBadGateway(BaseHTTPRequestHandler):
    """What a reverse proxy answers when the API behind it is down: an HTML page, status 502."""

    def _answer(self):
        self.server.hits.append((self.command, self.path))
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        page = b'<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>' \
               b'<hr><center>nginx</center></body></html>'
        self.send_response(502)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def html_proxy():
    server = ThreadingHTTPServer(('127.0.0.1', 0), _HtmlBadGateway)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port():
    """A local port where nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------- building the runs

def write_fixture_files(workdir, fake):
    os.makedirs(os.path.join(workdir, 'conf-dir'), exist_ok=True)
    files = {
        'no-sections.conf': 'endpoint=ovh-eu\napplication_key=ak\n',
        'endpoint-only.conf': '[default]\nendpoint=%s/bad-input/config-file-without-credentials/1.0\n' % fake.url,
        'unknown-endpoint.conf': '[default]\nendpoint=ovh-mars\n\n[ovh-mars]\napplication_key=ak\n',
        'foreign.conf': '[default]\nendpoint=ovh-eu\n\n[ovh-eu]\nclient_id=EU.other\nclient_secret=@secret@\n',
    }
    for name, text in files.items():
        with open(os.path.join(workdir, name), 'w', encoding='utf-8') as handle:
            handle.write(text.replace('@secret@', os.environ.get('REL_UNUSED', 'not-a-real-secret-but-kept-out')))
    with open(os.path.join(workdir, 'binary.conf'), 'wb') as handle:
        handle.write(b'[default]\nendpoint=\xff\xfe\xfa\x00ovh-eu\n')


def substitute(value, places):
    if isinstance(value, dict):
        return dict((key, substitute(item, places)) for key, item in value.items())
    if isinstance(value, list):
        return [substitute(item, places) for item in value]
    if not isinstance(value, str):
        return value
    value = re.sub(r'@env:([A-Z_]+)@', lambda match: "{{ lookup('ansible.builtin.env', '%s') }}" % match.group(1), value)
    return re.sub(r'@([a-z_]+)@', lambda match: places[match.group(1)], value)


def case_environment(case, places):
    connection = case.get('connection', 'isolated' if case.get('kind', 'input') == 'input' else 'owner')
    env = {}
    if connection == 'isolated':
        env['OVH_ENDPOINT'] = places['isolated']
    elif connection == 'none':
        env.update((name, '') for name in OVH_VARIABLES)
    env.update(substitute(case.get('env') or {}, places))
    return env


def inventory_for(cases, places_for):
    groups = {}
    for case in cases:
        places = places_for(case)
        groups.setdefault(case['module'], {'hosts': {}})['hosts'][case['id']] = {
            'case_args': substitute(case.get('args') or {}, places),
            'case_env': case_environment(case, places),
        }
    return {'all': {'children': groups}}


def run_cases(cases, workdir, env, places_for, name):
    path = os.path.join(workdir, 'inventory-%s.yml' % name)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory_for(cases, places_for), handle, default_flow_style=False, width=1000)
    modules = sorted(set(case['module'] for case in cases))
    playbook = '---\n' + ''.join(PLAY.format(module=module) for module in modules)
    run = run_playbook(playbook, workdir, env=dict(env, ANSIBLE_FORKS='8'), inventory=path)
    results = {}
    for record in run.records:
        if record['status'] != 'skipped':
            results[record['host']] = record
    return run, results


def sanitized(message, places):
    """A message as the docs show it: no temporary paths, ports or query ids that change from run to run."""
    message = message.replace(places['workdir'], '<workdir>')
    message = re.sub(r'127\.0\.0\.1:\d+', '127.0.0.1:<port>', message)
    message = re.sub(r'localhost:\d+', 'localhost:<port>', message)
    message = re.sub(r'port=\d+', 'port=<port>', message)
    return re.sub(r'(EU|CA|US)\.ext-[0-9a-f.-]+', r'\1.ext-…', message)


def check_case(case, record, secrets_known):
    """Problems with one case's result (empty when it was refused as it should be)."""
    if record is None:
        return ['did not run']
    message = str(record['result'].get('msg', ''))
    problems = []
    if record['status'] != 'failed':
        problems.append('was not refused (status %s)' % record['status'])
    missing = [text for text in case['expect'] if text.lower() not in message.lower()]
    if missing:
        problems.append('message lacks %s: %s' % (missing, message[:600]))
    text = json.dumps(record['result'])
    if [secret for secret in secrets_known if secret and secret in text]:
        problems.append('a secret is in the result')
    return problems


# ---------------------------------------------------------------------------- the test

def test_every_bad_input_is_refused_clearly_without_writing(fake, workdir, owner_env, ledger, html_proxy, tls_fake):
    cases = load_catalogue()
    assert len(cases) >= 40 and len(set(case['id'] for case in cases)) == len(cases)
    write_fixture_files(workdir, fake)
    operator = make_service_account(fake, 'rel-bad-operator', allow=('account:apiovh:me/api/oauth2/client/get',))
    planted = 'planted-' + secrets.token_hex(16)
    env = dict(owner_env, REL_PLANTED_SECRET=planted, REL_SA_SECRET=operator['client_secret'])
    base = {
        'endpoint': fake.endpoint, 'nic': fake.nic, 'account': fake.account_urn(), 'workdir': workdir,
        'html_proxy': 'http://127.0.0.1:%d/1.0' % html_proxy.server_address[1],
        'closed': 'http://127.0.0.1:%d/1.0' % closed_port(), 'tls_endpoint': tls_fake.endpoint,
        'sa_client_id': operator['client_id'],
    }

    def places_for(case):
        return dict(base, isolated='%s/bad-input/%s/1.0' % (fake.url, case['id']))

    fake.clear_requests()
    tls_fake.clear_requests()
    inputs = [case for case in cases if case.get('kind', 'input') == 'input']
    remotes = [case for case in cases if case.get('kind', 'input') == 'remote']
    _run_inputs, input_results = run_cases(inputs, workdir, env, places_for, 'input')
    stray = [r for r in fake.requests() if r['path'].startswith('/bad-input/') or r['method'] in WRITE_METHODS]
    fake.clear_requests()
    _run_remotes, remote_results = run_cases(remotes, workdir, env, places_for, 'remote')
    remote_log = fake.requests()

    secrets_known = set(fake.secrets()) | {planted, operator['client_secret']}
    report, failures = [], {}
    for case in cases:
        record = (input_results if case in inputs else remote_results).get(case['id'])
        problems = check_case(case, record, secrets_known)
        requests = [r for r in stray if r['path'].startswith('/bad-input/%s/' % case['id'])]
        if requests:
            problems.append('sent %d request(s) although the input is refused locally: %s' % (
                len(requests), ['%s %s' % (r['method'], r['path']) for r in requests]))
        if problems:
            failures[case['id']] = problems
        report.append({'id': case['id'], 'kind': case.get('kind', 'input'), 'module': case['module'], 'why': case['why'],
                       'expect': case['expect'], 'ok': not problems,
                       'message': sanitized(str((record or {}).get('result', {}).get('msg', '')), base)})
    writes = [r for r in stray + remote_log if r['method'] in WRITE_METHODS and r['path'] != '/auth/oauth2/token']
    proxy_writes = [hit for hit in html_proxy.hits if hit[0] in WRITE_METHODS]
    ledger.put('bad_inputs', {
        'cases': len(cases), 'input_cases': len(inputs), 'remote_cases': len(remotes),
        'refused_clearly': len([entry for entry in report if entry['ok']]),
        'requests_from_input_cases': len([r for r in stray if r['path'].startswith('/bad-input/')]),
        'write_requests': len(writes) + len(proxy_writes), 'tls_fake_requests': len(tls_fake.requests()),
        'catalogue': report,
    })
    assert not failures, json.dumps(failures, indent=1)
    assert not writes and not proxy_writes, [(r['method'], r['path']) for r in writes] + proxy_writes
    assert not tls_fake.requests(), 'a request went through an unverified TLS connection'
