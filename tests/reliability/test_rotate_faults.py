"""ovh_oauth2_client rotate=true through lost answers, 5xx and a refused policy update (real ansible-playbook runs).

A rotation must end with exactly one client holding every right of the old one and its secret delivered, or be
undone with the old client untouched; never two clients, never a dangling identity in a policy.
Each case adds one entry to tests/output/reliability/faults.json.
"""

import os

import pytest

from tests.ansible_runner import run_playbook
from tests.playbooks import play, task
from tests.reliability.conftest import census, read_ini_secret
from tests.reliability.test_faults import CLIENT_ITEMS, CLIENTS, DEFAULTS, POLICY_ITEMS, inject, record


def setup(fake, workdir, owner_env, prefix):
    path = os.path.join(workdir, 'sa.conf')
    run = run_playbook(play([
        task('create client', 'ovh_oauth2_client', {'name': prefix + 'sa', 'credentials_file': path}, register='sa'),
        task('policy', 'ovh_iam_policy', {'name': prefix + 'policy', 'identities': ['{{ sa.client.identity }}'],
                                          'resources': [fake.account_urn()], 'allow': ['account:apiovh:me/get']}),
    ], ovh_defaults=DEFAULTS), workdir, env=owner_env)
    assert run.rc == 0, run
    return path, census(fake.state(), prefix)['clients'][prefix + 'sa']


def rotate(workdir, owner_env, prefix, path):
    return run_playbook(play([task('rotate', 'ovh_oauth2_client', {'name': prefix + 'sa', 'rotate': True,
                                                                   'credentials_file': path})], ovh_defaults=DEFAULTS),
                        workdir, env=owner_env)


@pytest.mark.parametrize('status', [0, 503], ids=['dropped', '5xx-applied'])
def test_rotation_through_lost_answers_ends_with_one_client_holding_the_rights(fake, workdir, owner_env, ledger, status):
    prefix = 'rel-rot%s-' % status
    path, old = setup(fake, workdir, owner_env, prefix)
    fake.clear_requests()
    faults = inject(fake, [
        {'method': 'POST', 'path': CLIENTS, 'status': status, 'apply': True},
        {'method': 'PUT', 'path': POLICY_ITEMS, 'status': status, 'apply': True},
        {'method': 'DELETE', 'path': CLIENT_ITEMS, 'status': status, 'apply': True},
    ])
    run = rotate(workdir, owner_env, prefix, path)
    assert run.rc == 0, run
    found = census(fake.state(), prefix)
    new = found['clients'][prefix + 'sa']
    lost = []
    if new['clientId'] == old['clientId']:
        lost.append('rotation')
    if found['policies'][prefix + 'policy']['identities'] != [new['identity']]:
        lost.append('rights moved to the new identity')
    if read_ini_secret(path) != (new['clientId'], new['clientSecret']):
        lost.append('new secret in credentials_file')
    record(ledger, fake, 'rotate=true with lost answers (%s) to POST, PUT and DELETE' % (status or 'dropped'),
           faults, [run], 'survived', found, lost)


def test_rotation_refused_by_a_policy_is_undone(fake, workdir, owner_env, ledger):
    prefix = 'rel-rotundo-'
    path, old = setup(fake, workdir, owner_env, prefix)
    before = open(path, encoding='utf-8').read()
    fake.clear_requests()
    faults = inject(fake, [{'method': 'PUT', 'path': POLICY_ITEMS, 'status': 400, 'times': 1}])
    run = rotate(workdir, owner_env, prefix, path)
    assert run.rc != 0 and 'nothing changed' in run.task('rotate')['msg']
    found = census(fake.state(), prefix)
    lost = []
    if found['clients'][prefix + 'sa']['clientId'] != old['clientId'] or open(path, encoding='utf-8').read() != before:
        lost.append('the old client and its file')
    record(ledger, fake, 'rotate=true refused by a policy update (400): undone', faults, [run], 'failed clearly, undone',
           found, lost)
