"""`make demo`: the service_account role end to end on a local fake of the OVHcloud API, in a few short lines.

Steps: create (and use the account three ways), run again (no change, no write request), a change in check mode
with its diff, a rotation, a retirement, then where things are. The write requests are counted from the fake's
request log. Ansible's own output is shown only when a step fails (or with --verbose).

    python demo/run_demo.py [--keep] [--verbose]

--keep (make demo KEEP=1) leaves the fake running and the files in place to look at; the retirement is then only
shown in check mode, so that the account and its files stay.
Needs only ansible-core and requests (demo/requirements.txt); no OVHcloud account, no internet.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, '.build', 'collections')
SERVER = os.path.join(REPO_ROOT, 'tests', 'ovh_fake', 'server.py')
APP = 'demo-billing-exporter'
HOSTS = ('app1', 'app2')
WRITES = ('POST', 'PUT', 'DELETE')


def link_collection():
    """ansible-core imports collections only from ansible_collections/<ns>/<name>: link the checkout there."""
    parent = os.path.join(COLLECTIONS_ROOT, 'ansible_collections', 'ovhcloud')
    link = os.path.join(parent, 'iam')
    os.makedirs(parent, exist_ok=True)
    if not (os.path.islink(link) and os.path.realpath(link) == REPO_ROOT):
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(REPO_ROOT, link)


class Fake:
    """The fake OVHcloud API in its own process (and session, so it can outlive the demo with --keep)."""

    def __init__(self, log_path):
        with open(log_path, 'w', encoding='utf-8') as log:
            self.process = subprocess.Popen([sys.executable, SERVER, '--port', '0'], stdout=subprocess.PIPE,
                                            stderr=log, text=True, start_new_session=True)
        self.info = json.loads(self.process.stdout.readline())
        self.url = self.info['url']

    def owner_env(self):
        return {'OVH_ENDPOINT': self.info['endpoint'], 'OVH_APPLICATION_KEY': self.info['application_key'],
                'OVH_APPLICATION_SECRET': self.info['application_secret'], 'OVH_CONSUMER_KEY': self.info['consumer_key']}

    def control(self, method, route):
        request = urllib.request.Request(self.url + '/_fake/' + route, method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        return json.loads(body) if body.strip() else None

    def requests(self):
        return self.control('GET', 'requests')

    def clear_requests(self):
        self.control('DELETE', 'requests')

    def state(self):
        return self.control('GET', 'state')

    def token_status(self, client_id, client_secret):
        data = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': client_id,
                                       'client_secret': client_secret, 'scope': 'all'}).encode()
        try:
            with urllib.request.urlopen(self.url + '/auth/oauth2/token', data=data, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Demo:
    def __init__(self, fake, workdir, verbose):
        self.fake = fake
        self.workdir = workdir
        self.verbose = verbose
        self.env = dict(os.environ, **fake.owner_env())
        self.env.update({
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_ROOT,
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, '.ansible-tmp'),
            'DEMO_WORKDIR': workdir,
            'DEMO_FAKE_URL': fake.url,
        })

    def play(self, playbook, *args):
        """Run a demo playbook; (changed task count, write requests, output). Stops the demo when it fails."""
        self.fake.clear_requests()
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
                   '-i', os.path.join(HERE, 'inventory.yml'), os.path.join(HERE, playbook)] + list(args)
        proc = subprocess.run(command, env=self.env, cwd=self.workdir, capture_output=True, text=True, check=False)
        output = proc.stdout + proc.stderr
        if self.verbose:
            print(output)
        if proc.returncode != 0:
            print(output[-6000:])
            raise SystemExit('The step failed (ansible-playbook exit %d); its output is above.' % proc.returncode)
        changed = sum(int(n) for n in re.findall(r'\bchanged=(\d+)', output))
        writes = [r for r in self.fake.requests() if r['method'] in WRITES and r['path'] != '/auth/oauth2/token']
        return changed, writes, output

    def client(self):
        return [c for c in self.fake.state()['clients'] if c['name'] == APP]

    def held(self, host):
        """(client_id, client_secret) in the ovh.conf delivered to host, or None."""
        path = os.path.join(self.workdir, host, 'ovh.conf')
        if not os.path.exists(path):
            return None
        text = open(path, encoding='utf-8').read()
        return re.search(r'^client_id=(.*)$', text, re.M).group(1), re.search(r'^client_secret=(.*)$', text, re.M).group(1)


def writes_text(writes):
    if not writes:
        return '0 write requests'
    kinds = {}
    for request in writes:
        route = re.sub(r'/(EU|CA|US)\.[0-9a-f]+$|/[0-9a-f-]{36}$', '/{id}', request['path'])
        key = '%s %s' % (request['method'], re.sub(r'^/1\.0/me/api/oauth2/client', 'client', route).replace('/v2/iam/', ''))
        kinds[key] = kinds.get(key, 0) + 1
    return '%d write requests (%s)' % (len(writes), ', '.join('%s x%d' % item if item[1] > 1 else item[0] for item in kinds.items()))


def diff_lines(output):
    """The changed lines of the --diff output, without context."""
    return [line for line in output.splitlines()
            if line[:1] in '+-' and not line.startswith(('+++', '---')) and line.strip() not in '+-']


def run(demo, keep):
    fake = demo.fake
    changed, writes, _output = demo.play('demo.yml')
    [client] = demo.client()
    first_id = client['clientId']
    print('1. Create   %d changes, %s.' % (changed, writes_text(writes)))
    print('            %s (%s) and its policy; credentials on app1 and app2 (mode 0600).' % (APP, first_id))
    print('            It logged in 3 ways, and was refused account:apiovh:iam/policy/get (least privilege).')

    changed, writes, _output = demo.play('account.yml')
    print('2. Re-run   %d changes, %s: nothing to do, nothing sent but reads.' % (changed, writes_text(writes)))

    changed, writes, output = demo.play('account.yml', '--check', '--diff', '-e', 'demo_allow_more=true')
    print('3. Check    adding account:apiovh:me/get in --check --diff: %s; the diff:' % writes_text(writes))
    for line in diff_lines(output)[:8]:
        print('              ' + line.strip())

    changed, writes, _output = demo.play('account.yml', '-e', 'service_account_rotate=true')
    [client] = demo.client()
    held = {host: demo.held(host) for host in HOSTS}
    assert all(pair and pair[0] == client['clientId'] for pair in held.values()), held
    print('4. Rotate   %d changes, %s.' % (changed, writes_text(writes)))
    print('            %s replaced %s on app1 and app2, with the same rights; the old client is deleted.'
          % (client['clientId'], first_id))
    print('            The new secret logs in (token endpoint: %d).' % fake.token_status(*held['app1']))

    if keep:
        _changed, writes, output = demo.play('account.yml', '--check', '--diff', '-e', 'service_account_state=absent')
        print('5. Retire   in check mode only (KEEP=1 keeps everything to look at): %s.' % writes_text(writes))
        print('            It would delete %s, its policy and the files on app1 and app2.' % client['clientId'])
    else:
        changed, writes, _output = demo.play('account.yml', '-e', 'service_account_state=absent')
        left = [host for host in HOSTS if demo.held(host)]
        print('5. Retire   %d changes, %s.' % (changed, writes_text(writes)))
        print('            Account, policy and files gone (files left: %s).' % (', '.join(left) or 'none'))


def summary(demo, keep):
    state = demo.fake.state()
    clients = ['%s (%s)' % (c['name'], c['clientId']) for c in state['clients']]
    policies = [p['name'] for p in state['policies'] if not p.get('readOnly')]
    print('Where things are:')
    status = 'still running, pid %d' % demo.fake.process.pid if keep else 'stopped'
    print('  fake OVHcloud API  %s  (%s)' % (demo.fake.url, status))
    print('  service accounts   %s' % (', '.join(clients) or 'none'))
    print('  policies           %s' % (', '.join(policies) or 'none'))
    if keep:
        env_file = os.path.join(demo.workdir, 'owner.env')
        with open(os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
            handle.write(''.join('%s=%s\n' % item for item in sorted(demo.fake.owner_env().items())))
        print('  files              %s/app1/ovh.conf, %s/app2/ovh.conf' % (demo.workdir, demo.workdir))
        print('  try it             set -a; . %s; set +a' % env_file)
        print('                     ANSIBLE_COLLECTIONS_PATH=%s %s localhost -m ovhcloud.iam.ovh_oauth2_client_info'
              % (COLLECTIONS_ROOT, os.path.relpath(os.path.join(os.path.dirname(sys.executable), 'ansible'))))
        print('  clean up           kill %d; rm -r %s' % (demo.fake.process.pid, demo.workdir))
    else:
        print('  files              removed (make demo KEEP=1 keeps the fake and the files)')
    print('Next: playbooks/ does the same for your application (give, grant one more right, rotate, retire).')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--keep', action='store_true', help='leave the fake running and the files in place')
    parser.add_argument('--verbose', action='store_true', help="show Ansible's output of every step")
    options = parser.parse_args(argv)
    link_collection()
    workdir = tempfile.mkdtemp(prefix='ovhcloud-iam-demo-')
    fake = Fake(os.path.join(workdir, 'fake-api.log'))
    print('Local fake OVHcloud API at %s (account %s); working directory %s' % (fake.url, fake.info['nic'], workdir))
    demo = Demo(fake, workdir, options.verbose)
    failed = True
    try:
        run(demo, options.keep)
        summary(demo, options.keep)
        failed = False
    finally:
        if not options.keep or failed:
            fake.stop()
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
