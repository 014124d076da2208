"""ovh_oauth2_client: rotate=true, renames onto a taken name, and where the secret of a new client goes by default.

Real ansible-playbook / ansible runs against the fake.
"""

import configparser
import json
import os

import pytest

from tests.ansible_runner import run_adhoc, run_playbook
from tests.integration.test_oauth2_client import clients_named, make_client, make_policy
from tests.playbooks import mode_of, play

CLIENTS = '/1.0/me/api/oauth2/client'
MODULE = 'ovhcloud.iam.ovh_oauth2_client'


def conf_client(path, fake):
    conf = configparser.RawConfigParser()
    conf.read(path, encoding='utf-8')
    return conf.get(fake.endpoint, 'client_id'), conf.get(fake.endpoint, 'client_secret')


ROTATE = '''
- name: rotate
  ovhcloud.iam.ovh_oauth2_client:
    name: exporter
    rotate: true
    credentials_file: "{{ playbook_dir }}/exporter.ovh.conf"
'''

ORIGINAL = '''
- name: original
  ovhcloud.iam.ovh_oauth2_client:
    name: exporter
    description: Exports invoices
    credentials_file: "{{ playbook_dir }}/exporter.ovh.conf"
'''


def test_rotate_in_one_task_twice_then_the_original_playbook_is_quiet(fake, workdir, owner_env, assert_no_leak):
    first = run_playbook(play(ORIGINAL), workdir, env=owner_env)
    assert first.rc == 0, first
    [old] = clients_named(fake, 'exporter')
    api = fake.owner_api()
    policy = make_policy(api, 'exporter-rights', [old['identity'], 'urn:v1:eu:identity:group:%s/devs' % fake.nic])
    path = os.path.join(workdir, 'exporter.ovh.conf')

    fake.clear_requests()
    predicted = run_playbook(play(ROTATE), workdir, env=owner_env, check=True, diff=True)
    assert predicted.rc == 0, predicted
    task = predicted.task('rotate')
    assert task['changed'] is True and task['repointed_policies'] == [{'id': policy['id'], 'name': 'exporter-rights'}]
    assert task['diff']['before']['client_id'] == old['clientId'] and task['diff']['after']['client_id'] is None
    assert fake.writes() == []

    seen = [old['clientId']]
    for _round in range(2):  # a rotation by hand used to work once only: rotate twice
        rotated = run_playbook(play(ROTATE), workdir, env=owner_env, diff=True, verbosity=3)
        assert rotated.rc == 0, rotated
        [new] = clients_named(fake, 'exporter')
        assert new['clientId'] not in seen and new['description'] == 'Exports invoices'
        seen.append(new['clientId'])
        assert conf_client(path, fake) == (new['clientId'], new['clientSecret'])
        assert mode_of(path) == 0o600
        assert 'client_secret' not in rotated.task('rotate')
        (stored,) = [p for p in fake.state()['policies'] if p['id'] == policy['id']]
        assert stored['identities'] == ['urn:v1:eu:identity:group:%s/devs' % fake.nic, new['identity']]
        assert_no_leak(rotated.output)

    # The playbook that created the account neither changes anything nor advises deleting the healthy client.
    fake.clear_requests()
    again = run_playbook(play(ORIGINAL), workdir, env=owner_env)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert 'delete the client' not in again.output and 'was not written' not in again.output
    assert fake.writes() == []


def test_rotate_with_a_lost_create_answer_leaves_one_client(fake, workdir, owner_env):
    api = fake.owner_api()
    old = make_client(api, 'lossy')
    fake.fault(method='POST', path=CLIENTS, status=0, apply=True)
    fake.fault(method='DELETE', path=CLIENTS + '/' + old['clientId'], status=503, apply=True)
    result = run_playbook(play('''
- name: rotate
  ovhcloud.iam.ovh_oauth2_client:
    name: lossy
    rotate: true
  register: rotated
  no_log: true
- name: what came back
  ansible.builtin.debug:
    msg: "{{ rotated.client.client_id }} {{ rotated.client_secret | length }}"
'''), workdir, env=owner_env)
    assert result.rc == 0, result
    [new] = clients_named(fake, 'lossy')
    assert new['clientId'] != old['clientId']
    assert result.task('what came back')['msg'] == '%s %d' % (new['clientId'], len(new['clientSecret']))


def test_rotate_refuses_state_absent_and_fails_clearly_before_any_write(fake, workdir, owner_env):
    make_client(fake.owner_api(), 'keep-me')
    fake.clear_requests()
    result = run_adhoc(MODULE, {'name': 'keep-me', 'state': 'absent', 'rotate': True}, workdir, env=owner_env)
    assert result.rc != 0 and 'rotate applies to state=present' in result.output
    assert fake.writes() == []


def test_rename_onto_a_taken_name_is_refused(fake, workdir, owner_env):
    api = fake.owner_api()
    taken = make_client(api, 'billing')
    mine = make_client(api, 'billing-old')
    fake.clear_requests()
    for check in (True, False):
        result = run_adhoc(MODULE, {'client_id': mine['clientId'], 'name': 'billing'}, workdir, env=owner_env, check=check)
        assert result.rc != 0
        msg = result.records[-1]['result']['msg']
        assert 'already used by %s' % taken['clientId'] in msg and 'Nothing was changed' in msg
    assert fake.writes() == []
    assert [c['name'] for c in fake.state()['clients'] if c['clientId'] == mine['clientId']] == ['billing-old']
    # A deliberate overlap (the last step of a rotation) is allowed when asked for.
    overlap = run_adhoc(MODULE, {'client_id': mine['clientId'], 'name': 'billing', 'allow_duplicate_name': True,
                                 'description': 'set up by the test'}, workdir, env=owner_env)
    assert overlap.rc == 0 and overlap.records[-1]['result']['changed'] is True, overlap
    assert len(clients_named(fake, 'billing')) == 2
    # A rename onto a free name still works.
    free = run_adhoc(MODULE, {'client_id': mine['clientId'], 'name': 'billing-archive'}, workdir, env=owner_env)
    assert free.rc == 0 and free.records[-1]['result']['changed'] is True, free


# ---------------------------------------------------------------- where the secret of a new client goes by default

def test_ad_hoc_create_does_not_print_the_secret_by_default(fake, workdir, owner_env, assert_no_leak):
    fake.clear_requests()
    refused = run_adhoc(MODULE, {'name': 'adhoc-app'}, workdir, env=owner_env)
    assert refused.rc != 0
    assert 'Nothing was created' in refused.output and 'credentials_file' in refused.output
    assert fake.writes() == [] and clients_named(fake, 'adhoc-app') == []

    path = os.path.join(workdir, 'adhoc-app.ovh.conf')
    filed = run_adhoc(MODULE, {'name': 'adhoc-app', 'credentials_file': path}, workdir, env=owner_env)
    assert filed.rc == 0, filed
    [stored] = clients_named(fake, 'adhoc-app')
    assert conf_client(path, fake) == (stored['clientId'], stored['clientSecret'])
    assert 'client_secret' not in filed.records[-1]['result']
    assert_no_leak(filed.output, refused.output)

    asked = run_adhoc(MODULE, {'name': 'adhoc-printed', 'return_secret': True}, workdir, env=owner_env)
    assert asked.rc == 0, asked
    [printed] = clients_named(fake, 'adhoc-printed')
    assert asked.records[-1]['result']['client_secret'] == printed['clientSecret']


@pytest.mark.parametrize('no_log', [True, False])
def test_a_playbook_task_gets_the_secret_with_no_log_only(fake, workdir, owner_env, assert_no_leak, no_log):
    result = run_playbook(play('''
- name: create
  ovhcloud.iam.ovh_oauth2_client:
    name: play-app
  register: created
  no_log: %s
- name: keep it
  ansible.builtin.copy:
    content: "{{ created.client_secret }}"
    dest: "{{ playbook_dir }}/secret.txt"
    mode: '0600'
  no_log: true
''' % json.dumps(no_log)), workdir, env=owner_env)
    if no_log:
        assert result.rc == 0, result
        [stored] = clients_named(fake, 'play-app')
        with open(os.path.join(workdir, 'secret.txt'), encoding='utf-8') as handle:
            assert handle.read() == stored['clientSecret']
    else:
        assert result.rc != 0 and 'Nothing was created' in result.output
        assert clients_named(fake, 'play-app') == []
    assert_no_leak(result.output)
