"""HTTPS: the fake serves TLS with a throwaway CA; certificate verification is on by default.

One playbook against the TLS fake: refused without the CA (the message names ca_path), accepted with
ca_path (task option or OVH_CA_PATH, signed requests and an OAuth2 login), accepted with
validate_certs: false, and refused when the host name does not match the certificate even with the CA.
REQUESTS_CA_BUNDLE is set to the system bundle on purpose: it must neither replace ca_path nor turn
verification back on when validate_certs is false (requests gives it precedence over a session's own
setting in Session.request).
"""

import os
import ssl

from tests.ansible_runner import run_playbook
from tests.playbooks import play, task
from tests.reliability.conftest import make_service_account


def system_bundle():
    paths = ssl.get_default_verify_paths()
    for candidate in (os.environ.get('REQUESTS_CA_BUNDLE'), paths.cafile, '/etc/ssl/certs/ca-certificates.crt'):
        if candidate and os.path.isfile(candidate):
            return candidate
    import certifi
    return certifi.where()


def test_certificate_verification_on_by_default_and_ca_path_honoured(tls_fake, tls_material, workdir, ledger):
    tls_fake.clear_faults()
    tls_fake.reset()
    tls_fake.clear_requests()
    account = make_service_account(tls_fake, 'rel-tls-operator', ca_path=tls_material['ca'])
    ca = tls_material['ca']
    owner = tls_fake.owner_env()
    by_name = tls_fake.endpoint.replace('127.0.0.1', 'localhost')
    oauth2 = {'auth_client_id': account['client_id'], 'auth_client_secret': "{{ lookup('ansible.builtin.env', 'REL_SA_SECRET') }}",
              'application_key': '', 'application_secret': '', 'consumer_key': ''}
    run = run_playbook(play([
        task('untrusted by default', 'ovh_oauth2_client_info', {'max_retries': 0}, ignore_errors=True),
        task('trusted with ca_path', 'ovh_oauth2_client', {'name': 'rel-tls-app', 'return_secret': False, 'ca_path': ca}),
        task('trusted with OVH_CA_PATH', 'ovh_oauth2_client_info', {}, environment={'OVH_CA_PATH': ca}),
        task('OAuth2 login trusted with ca_path', 'ovh_oauth2_client_info', dict(oauth2, ca_path=ca)),
        task('verification off', 'ovh_iam_policy_info', {'validate_certs': False}),
        task('host name not in the certificate', 'ovh_oauth2_client_info', {'endpoint': by_name, 'ca_path': ca, 'max_retries': 0},
             ignore_errors=True),
    ]), workdir, env=dict(owner, REL_SA_SECRET=account['client_secret'], REQUESTS_CA_BUNDLE=system_bundle()))
    outcome = dict((r['task'], r['status']) for r in run.records)
    untrusted = run.task('untrusted by default')['msg']
    mismatch = run.task('host name not in the certificate')['msg']
    ledger.put('tls', {
        'outcomes': outcome,
        'untrusted_message': untrusted[:300],
        'hostname_mismatch_message': mismatch[:300],
    })
    assert outcome['untrusted by default'] == 'failed'
    assert 'certificate verification failed' in untrusted and 'ca_path' in untrusted, untrusted
    assert outcome['host name not in the certificate'] == 'failed'
    assert 'certificate verification failed' in mismatch, mismatch
    for name in ('trusted with ca_path', 'trusted with OVH_CA_PATH', 'OAuth2 login trusted with ca_path', 'verification off'):
        assert outcome[name] == 'ok', (name, run.task(name).get('msg'), run.output[-3000:])
    assert [c['name'] for c in tls_fake.state()['clients'] if c['name'] == 'rel-tls-app'] == ['rel-tls-app']
    # Nothing reached the API over a connection that was refused.
    assert run.task('trusted with ca_path')['changed'] is True
