"""Leak scan: representative runs at -vvvv with a log file, then every secret searched everywhere.

The runs create service accounts (the secret returned under no_log, and written to a credentials
file), log in as one of them, change and read policies in --diff mode, survive a lost create answer, create and
remove a local user whose password comes from the environment (its create answer lost too),
fail with wrong credentials, and run the role (create, rotate, remove). Then stdout, stderr, the
ANSIBLE_LOG_PATH file, the recorded task results and every file the runs left in their directory
(except the credential files meant to hold a secret) are searched for every secret the fake issued or
received: the owner's application secret and consumer key, every client secret, every access token,
and a planted wrong secret. The expected number of hits is zero: the one documented place a secret
appears, the client_secret return value of the creating task, is protected by no_log in these playbooks.
"""

import json
import os
import secrets

from tests.ansible_runner import run_playbook
from tests.playbooks import play, task
from tests.reliability.conftest import role_play

CLIENTS = '/1.0/me/api/oauth2/client'
USER_PASSWORD = "{{ lookup('ansible.builtin.env', 'REL_USER_PASSWORD') }}"


def module_playbook(fake, workdir):
    account = fake.account_urn()
    policy = {'name': 'rel-leak-policy', 'identities': ['{{ created.client.identity }}'], 'resources': [account],
              'allow': ['account:apiovh:me/api/oauth2/client/get', 'account:apiovh:iam/policy/get']}
    return play([
        task('create a service account, secret returned', 'ovh_oauth2_client',
             {'name': 'rel-leak-app', 'description': 'leak scan'}, register='created', no_log=True),
        task('create a service account, secret in a file', 'ovh_oauth2_client',
             {'name': 'rel-leak-file', 'return_secret': False, 'credentials_file': os.path.join(workdir, 'file-sa.conf')},
             register='filed'),
        task('give it rights', 'ovh_iam_policy', policy, register='policy'),
        task('change the policy', 'ovh_iam_policy', dict(policy, description='changed', deny=['account:apiovh:me/sshKey/delete'])),
        task('read clients as the service account', 'ovh_oauth2_client_info',
             {'auth_client_id': '{{ created.client.client_id }}', 'auth_client_secret': '{{ created.client_secret }}',
              'application_key': '', 'application_secret': '', 'consumer_key': ''}),
        task('read policies as the service account', 'ovh_iam_policy_info',
             {'auth_client_id': '{{ created.client.client_id }}', 'auth_client_secret': '{{ created.client_secret }}',
              'application_key': '', 'application_secret': '', 'consumer_key': ''}),
        # As task options, not with the `environment:` keyword: ansible puts those variables on the module's
        # command line, which -vvvv prints (see docs/reliability.md).
        task('wrong application secret', 'ovh_oauth2_client_info',
             {'max_retries': 0, 'application_key': "{{ lookup('ansible.builtin.env', 'OVH_APPLICATION_KEY') }}",
              'application_secret': "{{ lookup('ansible.builtin.env', 'REL_PLANTED_SECRET') }}",
              'consumer_key': "{{ lookup('ansible.builtin.env', 'OVH_CONSUMER_KEY') }}"}, ignore_errors=True),
        task('wrong client secret', 'ovh_oauth2_client_info',
             {'auth_client_id': '{{ created.client.client_id }}', 'max_retries': 0,
              'auth_client_secret': "{{ lookup('ansible.builtin.env', 'REL_PLANTED_SECRET') }}",
              'application_key': '', 'application_secret': '', 'consumer_key': ''}, ignore_errors=True),
        task('credentials file already holds other credentials', 'ovh_oauth2_client',
             {'name': 'rel-leak-again', 'credentials_file': os.path.join(workdir, 'file-sa.conf')}, ignore_errors=True),
        task('create a local user (password from the environment, answer lost)', 'ovh_iam_user',
             {'login': 'rel-leak-user', 'email': 'leak@example.com', 'password': USER_PASSWORD}),
        task('ask for its password to be updated (refused)', 'ovh_iam_user',
             {'login': 'rel-leak-user', 'password': USER_PASSWORD, 'update_password': 'always'}, ignore_errors=True),
        task('remove the local user', 'ovh_iam_user', {'login': 'rel-leak-user', 'state': 'absent'}),
        task('remove the file service account', 'ovh_oauth2_client', {'name': 'rel-leak-file', 'state': 'absent'}),
        task('remove the service account (detaches it from the policy)', 'ovh_oauth2_client',
             {'name': 'rel-leak-app', 'state': 'absent'}),
    ])


def files_written(directory, excluded):
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if os.path.realpath(path) not in excluded and not os.path.islink(path):
                yield path


def hits_in(text, secrets_known):
    return sorted(set(secret for secret in secrets_known if secret in text))


def describe_hits(text, hits, kinds):
    """Where each secret appears, with the secret itself masked, so a failure can be fixed without leaking."""
    described = []
    for secret in hits:
        index = text.find(secret)
        context = text[max(0, index - 160):index + len(secret) + 80].replace(secret, '<%s>' % kinds.get(secret, 'secret'))
        described.append({'kind': kinds.get(secret, 'secret'), 'context': context})
    return described


def test_no_secret_in_any_output_log_or_file(fake, workdir, owner_env, ledger):
    planted = 'planted-' + secrets.token_hex(16)
    log_path = os.path.join(workdir, 'ansible.log')
    env = dict(owner_env, REL_PLANTED_SECRET=planted, ANSIBLE_LOG_PATH=log_path,
               REL_USER_PASSWORD='user-' + secrets.token_hex(16))
    credential_files = [os.path.join(workdir, 'file-sa.conf'), os.path.join(workdir, 'role', 'ovh.conf')]
    # A lost answer to the first create: the module deletes the client whose secret it never got, then creates again.
    fake.fault(method='POST', path=CLIENTS, status=0, apply=True)
    fake.fault(method='POST', path='/1.0/me/identity/user', status=0, apply=True)
    runs = [
        ('modules (create, file, policies, login as the account, failures, lost answer, remove)',
         run_playbook(module_playbook(fake, workdir), workdir, env=env, verbosity=4, diff=True)),
        ('role: create', run_playbook(role_play(fake, 'rel-leak-role', credential_files[1]), workdir, env=env, verbosity=4, diff=True)),
        ('role: rotate', run_playbook(role_play(fake, 'rel-leak-role', credential_files[1], service_account_rotate=True), workdir,
                                      env=env, verbosity=4, diff=True)),
        ('role: absent', run_playbook(role_play(fake, 'rel-leak-role', credential_files[1], service_account_state='absent'), workdir,
                                      env=env, verbosity=4, diff=True)),
    ]
    for label, run in runs:
        assert run.rc == 0, '%s\n%r' % (label, run)
    state = fake.state()
    assert not [c for c in state['clients'] if c['name'].startswith('rel-leak')]
    assert env['REL_USER_PASSWORD'] in fake.secrets()  # the local user's password is scanned for too
    secrets_known = set(s for s in fake.secrets() if s) | {planted}
    tokens = [s for s in secrets_known if s.startswith('eyJ')]
    client_secrets = len(secrets_known) - len(tokens) - 4  # owner's AS and CK, the planted one, the user's password
    assert tokens and client_secrets >= 4, 'the runs should have issued tokens and several client secrets'

    kinds = dict((token, 'access token') for token in tokens)
    kinds.update({owner_env['OVH_APPLICATION_SECRET']: 'owner application secret',
                  owner_env['OVH_CONSUMER_KEY']: 'owner consumer key', planted: 'planted wrong secret'})
    findings, details = {}, {}
    scanned = {'outputs': 0, 'files': 0, 'bytes': 0}
    for label, run in runs:
        for part, text in (('stdout', run.stdout), ('stderr', run.stderr), ('results', json.dumps(run.records))):
            scanned['outputs'] += 1
            scanned['bytes'] += len(text)
            hits = hits_in(text, secrets_known)
            if hits:
                findings['%s %s' % (label, part)] = len(hits)
                details['%s %s' % (label, part)] = describe_hits(text, hits, kinds)
    excluded = set(os.path.realpath(path) for path in credential_files)
    for path in files_written(workdir, excluded):
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8', 'replace')
        scanned['files'] += 1
        scanned['bytes'] += len(text)
        hits = hits_in(text, secrets_known)
        if hits:
            findings[os.path.relpath(path, workdir)] = len(hits)
            details[os.path.relpath(path, workdir)] = describe_hits(text, hits, kinds)
    assert os.path.getsize(log_path) > 0
    ledger.put('leak_scan', {
        'runs': [label for label, _run in runs], 'verbosity': '-vvvv --diff', 'log_file': True,
        'secrets_searched': len(secrets_known), 'access_tokens': len(tokens), 'client_secrets': client_secrets,
        'outputs_scanned': scanned['outputs'], 'files_scanned': scanned['files'], 'megabytes_scanned':
        round(scanned['bytes'] / 1e6, 2), 'hits': sum(findings.values()), 'where': findings,
        'excluded_files': ['the credentials_file of the module (meant to hold the secret)',
                           'the ovh.conf the role delivers (meant to hold the secret)'],
    })
    assert not findings, json.dumps(details, indent=1)
