"""ovh_oauth2_client and ovh_oauth2_client_info through real ansible-playbook / ansible runs against the fake."""

import json
import os

import pytest

from tests.ansible_runner import run_adhoc, run_playbook
from tests.fake_api import FakeApi
from tests.playbooks import mode_of, play

CLIENTS = '/1.0/me/api/oauth2/client'
GET_CLIENTS_ACTION = 'account:apiovh:me/api/oauth2/client/get'


def clients_named(fake, name):
    return [c for c in fake.state()['clients'] if c['name'] == name]


def make_client(api, name, flow='CLIENT_CREDENTIALS', description='set up by the test', callback_urls=()):
    created = api.post('/me/api/oauth2/client', {'name': name, 'description': description, 'flow': flow,
                                                 'callbackUrls': list(callback_urls)})
    return api.get('/me/api/oauth2/client/%s' % created['clientId'])


def make_policy(api, name, identities, actions=('vps:apiovh:reboot',), resource='urn:v1:eu:resource:vps:*'):
    return api.post('/v2/iam/policy', {'name': name, 'description': 'test', 'identities': list(identities),
                                       'resources': [{'urn': resource}],
                                       'permissions': {'allow': [{'action': a} for a in actions]}})


CREATE_DEPLOYER = '''
- name: create
  ovhcloud.iam.ovh_oauth2_client:
    name: ci-deployer
    description: Deploys from CI
  register: created
  no_log: true
'''


# ---------------------------------------------------------------- create, re-run, check mode, update

def test_create_then_rerun_then_check_mode_then_update(fake, workdir, owner_env, assert_no_leak):
    first = run_playbook(play(CREATE_DEPLOYER + '''
- name: keep the secret
  ansible.builtin.copy:
    content: "{{ created.client_secret }}"
    dest: "{{ playbook_dir }}/secret.txt"
    mode: '0600'
  no_log: true
''' + '''
- name: show
  ansible.builtin.debug:
    var: created.client
'''), workdir, env=owner_env, verbosity=4)
    assert first.rc == 0, first
    [stored] = clients_named(fake, 'ci-deployer')
    client = first.task('show')['created.client']
    assert client == {'client_id': stored['clientId'], 'name': 'ci-deployer', 'description': 'Deploys from CI',
                      'flow': 'CLIENT_CREDENTIALS', 'callback_urls': [], 'identity': stored['identity'],
                      'created_at': stored['createdAt']}
    assert first.status('create') == 'ok' and 'create' in first.changed_tasks()
    secret_file = os.path.join(workdir, 'secret.txt')
    with open(secret_file, encoding='utf-8') as handle:
        assert handle.read() == stored['clientSecret']
    assert mode_of(secret_file) == 0o600
    # With no_log on the task, the secret appears nowhere, not even at -vvvv or in the recorded results.
    assert_no_leak(first.output, json.dumps(first.records))
    assert fake.write_calls() == [('POST', CLIENTS)]

    fake.clear_requests()
    again = run_playbook(play(CREATE_DEPLOYER), workdir, env=owner_env, verbosity=4)
    assert again.rc == 0, again
    assert again.changed_tasks() == []
    assert fake.writes() == []
    assert_no_leak(again.output)

    fake.clear_requests()
    update = '''
- name: %s
  ovhcloud.iam.ovh_oauth2_client:
    name: ci-deployer
    description: Deploys production
  check_mode: %s
'''
    updated = run_playbook(play(update % ('predict', 'true') + update % ('update', 'false') + update % ('update again', 'false')),
                           workdir, env=owner_env, diff=True, verbosity=4)
    assert updated.rc == 0, updated
    predicted = updated.task('predict')
    assert predicted['changed'] is True
    assert predicted['diff']['before']['description'] == 'Deploys from CI'
    assert predicted['diff']['after']['description'] == 'Deploys production'
    assert predicted['client']['description'] == 'Deploys production'
    assert updated.task('update')['changed'] is True
    assert updated.task('update')['client']['description'] == 'Deploys production'
    assert updated.task('update again')['changed'] is False
    # The check-mode task wrote nothing: the only write of the run is the one PUT of "update".
    assert fake.write_calls() == [('PUT', '%s/%s' % (CLIENTS, stored['clientId']))]
    [after] = clients_named(fake, 'ci-deployer')
    assert (after['description'], after['clientId'], after['clientSecret']) == ('Deploys production', stored['clientId'], stored['clientSecret'])
    assert '"client_secret"' not in updated.output
    assert_no_leak(updated.output)


def test_create_in_check_mode_predicts_the_client(fake, workdir, owner_env):
    result = run_playbook(play('''
- name: create
  ovhcloud.iam.ovh_oauth2_client:
    name: web
    flow: AUTHORIZATION_CODE
    callback_urls: [https://web.example.com/cb]
    return_secret: false
'''), workdir, env=owner_env, check=True, diff=True)
    assert result.rc == 0, result
    task = result.task('create')
    assert task['changed'] is True
    assert task['client'] == {'client_id': None, 'name': 'web', 'description': 'Managed by Ansible',
                              'flow': 'AUTHORIZATION_CODE', 'callback_urls': ['https://web.example.com/cb'],
                              'identity': None, 'created_at': None}
    assert task['diff'] == {'before': {}, 'after': task['client']}
    assert 'client_secret' not in task
    assert fake.writes() == [] and fake.state()['clients'] == []


# ---------------------------------------------------------------- duplicates, flow change, replacement

def test_duplicates_refused_flow_change_refused_then_recreate_replaces(fake, workdir, owner_env, assert_no_leak):
    api = fake.owner_api()
    twin_a = make_client(api, 'twin')
    twin_b = make_client(api, 'twin')
    web = make_client(api, 'web', flow='AUTHORIZATION_CODE', description='old app', callback_urls=['https://web.example.com/cb'])
    policy = make_policy(api, 'web-rights', [web['identity'], 'urn:v1:eu:identity:group:%s/devs' % fake.nic])
    fake.clear_requests()

    result = run_playbook(play('''
- name: duplicates
  ovhcloud.iam.ovh_oauth2_client:
    name: twin
  ignore_errors: true
''' + '''
- name: flow change
  ovhcloud.iam.ovh_oauth2_client:
    name: web
  ignore_errors: true
''' + '''
- name: replace
  ovhcloud.iam.ovh_oauth2_client:
    name: web
    recreate: true
  register: replaced
  no_log: true
''' + '''
- name: show
  ansible.builtin.debug:
    msg: "{{ replaced | dict2items | rejectattr('key', 'equalto', 'client_secret') | items2dict }}"
'''), workdir, env=owner_env, diff=True, verbosity=4)
    assert result.rc == 0, result

    duplicates = result.task('duplicates')
    assert result.status('duplicates') == 'failed' and twin_a['clientId'] in duplicates['msg'] and twin_b['clientId'] in duplicates['msg']
    flow_change = result.task('flow change')
    assert result.status('flow change') == 'failed' and 'recreate' in flow_change['msg'] and 'AUTHORIZATION_CODE' in flow_change['msg']

    replaced = result.task('show')['msg']
    assert replaced['changed'] is True
    new = replaced['client']
    [stored] = clients_named(fake, 'web')
    assert new['client_id'] == stored['clientId'] != web['clientId']
    assert (new['flow'], new['description'], new['callback_urls']) == ('CLIENT_CREDENTIALS', 'old app', [])
    assert replaced['repointed_policies'] == [{'id': policy['id'], 'name': 'web-rights'}]
    assert any('identity URN change' in w for w in replaced['warnings'])
    assert replaced['diff']['before']['client_id'] == web['clientId']
    [moved] = [p for p in fake.state()['policies'] if p['id'] == policy['id']]
    assert moved['identities'] == [new['identity'], 'urn:v1:eu:identity:group:%s/devs' % fake.nic]
    # The refused tasks wrote nothing; the replacement is: create, re-point, delete the old one.
    assert fake.write_calls() == [('POST', CLIENTS), ('PUT', '/v2/iam/policy/%s' % policy['id']),
                                  ('DELETE', '%s/%s' % (CLIENTS, web['clientId']))]
    assert_no_leak(result.output, json.dumps(result.records))


# ---------------------------------------------------------------- lost create answers

@pytest.mark.parametrize('status', [503, 0], ids=['5xx-after-apply', 'dropped-connection'])
def test_lost_create_answer_ends_with_one_client_and_its_secret(fake, workdir, owner_env, assert_no_leak, status):
    fake.fault(method='POST', path=CLIENTS, status=status, apply=True)
    # No no_log here: the documented client_secret return (asked for) must be the only place the secret shows up.
    result = run_playbook(play('''
- name: create
  ovhcloud.iam.ovh_oauth2_client:
    name: flaky
    return_secret: true
'''), workdir, env=owner_env, verbosity=4)
    assert result.rc == 0, result
    [stored] = clients_named(fake, 'flaky')
    task = result.task('create')
    assert task['changed'] is True
    assert task['client']['client_id'] == stored['clientId']
    assert task['client_secret'] == stored['clientSecret']
    assert [r['method'] for r in fake.writes()] == ['POST', 'DELETE', 'POST']
    assert_no_leak(result.output, allowed=[stored['clientSecret']])
    shown = result.output.replace('"client_secret": "%s"' % stored['clientSecret'], '')
    assert stored['clientSecret'] not in shown


def test_lost_create_answers_every_time_leave_nothing_behind(fake, workdir, owner_env):
    fake.fault(method='POST', path=CLIENTS, status=503, apply=True, times=3)
    result = run_playbook(play('''
- name: create
  ovhcloud.iam.ovh_oauth2_client:
    name: doomed
    return_secret: true
'''), workdir, env=owner_env)
    assert result.rc != 0
    assert 'nothing was left behind' in result.task('create')['msg']
    assert clients_named(fake, 'doomed') == []


# ---------------------------------------------------------------- credentials file

def use_fake_in_python_ovh(monkeypatch, fake):
    import ovh.client
    monkeypatch.setitem(ovh.client.ENDPOINTS, fake.endpoint, fake.endpoint)
    monkeypatch.setitem(ovh.client.OAUTH2_TOKEN_URLS, fake.endpoint, fake.url + '/auth/oauth2/token')
    monkeypatch.setenv('OAUTHLIB_INSECURE_TRANSPORT', '1')
    for name in ('OVH_ENDPOINT', 'OVH_APPLICATION_KEY', 'OVH_APPLICATION_SECRET', 'OVH_CONSUMER_KEY',
                 'OVH_CLIENT_ID', 'OVH_CLIENT_SECRET'):
        monkeypatch.delenv(name, raising=False)
    return ovh


def test_credentials_file_is_written_0600_refused_over_others_and_usable_by_python_ovh(
        fake, workdir, owner_env, assert_no_leak, monkeypatch):
    path = os.path.join(workdir, 'creds', 'ovh.conf')
    os.mkdir(os.path.dirname(path))
    task = '''
- name: %s
  ovhcloud.iam.ovh_oauth2_client:
    name: %s
    credentials_file: %s
    return_secret: false
  ignore_errors: true
'''
    result = run_playbook(play(task % ('create', 'backup-agent', path) + task % ('again', 'backup-agent', path) +
                               task % ('other', 'other-agent', path)),
                          workdir, env=owner_env, verbosity=4)
    assert result.rc == 0, result
    [stored] = clients_named(fake, 'backup-agent')
    created = result.task('create')
    assert created['changed'] is True and created['credentials_file'] == path
    assert 'client_secret' not in created
    assert result.task('again')['changed'] is False and 'warnings' not in result.task('again')
    other = result.task('other')
    assert result.status('other') == 'failed' and 'already holds other credentials' in other['msg']
    assert clients_named(fake, 'other-agent') == []
    assert [r['method'] for r in fake.writes()] == ['POST']
    assert mode_of(path) == 0o600
    assert sorted(os.listdir(os.path.dirname(path))) == ['ovh.conf']
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    # The fake's endpoint is only a URL: the file says python-ovh refuses it and carries the token URL.
    assert text.startswith('# The endpoint is a base URL') and 'InvalidRegion' in text
    assert text.split('\n', 2)[2] == '[default]\nendpoint=%s\n\n[%s]\nclient_id=%s\nclient_secret=%s\ntoken_url=%s\n' % (
        fake.endpoint, fake.endpoint, stored['clientId'], stored['clientSecret'], fake.info['token_url'])
    # return_secret: false and no no_log: still the secret is nowhere in the output.
    assert_no_leak(result.output, json.dumps(result.records))

    ovh = use_fake_in_python_ovh(monkeypatch, fake)
    owner = ovh.Client(fake.endpoint, application_key=fake.info['application_key'],
                       application_secret=fake.info['application_secret'], consumer_key=fake.info['consumer_key'])
    owner.post('/v2/iam/policy', name='backup-agent-read', identities=[stored['identity']],
               resources=[{'urn': fake.account_urn()}], permissions={'allow': [{'action': GET_CLIENTS_ACTION}]})
    service_account = ovh.Client(config_file=path)
    assert stored['clientId'] in service_account.get('/me/api/oauth2/client')
    assert any(r['identity'] == stored['identity'] for r in fake.requests())


def test_existing_client_with_a_missing_credentials_file_warns(fake, workdir, owner_env):
    make_client(fake.owner_api(), 'kept')
    fake.clear_requests()
    path = os.path.join(workdir, 'kept.conf')
    result = run_playbook(play('''
- name: present
  ovhcloud.iam.ovh_oauth2_client:
    name: kept
    description: set up by the test
    credentials_file: %s
''' % path), workdir, env=owner_env)
    assert result.rc == 0, result
    task = result.task('present')
    assert task['changed'] is False
    assert any('was not written' in w for w in task['warnings'])
    assert not os.path.exists(path) and fake.writes() == []


# ---------------------------------------------------------------- absent

def test_absent_detaches_the_identity_then_deletes_and_is_idempotent(fake, workdir, owner_env, assert_no_leak):
    api = fake.owner_api()
    doomed = make_client(api, 'doomed')
    group = 'urn:v1:eu:identity:group:%s/devs' % fake.nic
    shared = make_policy(api, 'shared', [doomed['identity'], group])
    alone = make_policy(api, 'alone', [doomed['identity']])
    unrelated = make_policy(api, 'unrelated', [group])
    managed = fake._control('POST', 'policies', {
        'name': 'ovh-managed', 'readOnly': True, 'identities': [doomed['identity']],
        'resources': [{'urn': fake.account_urn()}], 'permissions': {'allow': [{'action': '*'}]}})
    fake.clear_requests()

    absent = '''
- name: %s
  ovhcloud.iam.ovh_oauth2_client:
    name: doomed
    state: absent
  check_mode: %s
'''
    result = run_playbook(play(absent % ('predict', 'true') + absent % ('remove', 'false')),
                          workdir, env=owner_env, diff=True, verbosity=4)
    assert result.rc == 0, result
    expected = sorted([{'id': shared['id'], 'name': 'shared', 'deleted': False},
                       {'id': alone['id'], 'name': 'alone', 'deleted': False}], key=lambda p: p['id'])
    for name in ('predict', 'remove'):
        task = result.task(name)
        assert task['changed'] is True and task['client'] == {}
        assert sorted(task['detached_policies'], key=lambda p: p['id']) == expected
        assert task['diff'] == {'before': dict(task['diff']['before']), 'after': {}}
        assert task['diff']['before']['client_id'] == doomed['clientId']
        assert any('ovh-managed' in w and 'read-only' in w for w in task['warnings'])
    assert sorted(fake.write_calls()) == sorted([
        ('PUT', '/v2/iam/policy/%s' % shared['id']), ('PUT', '/v2/iam/policy/%s' % alone['id']),
        ('DELETE', '%s/%s' % (CLIENTS, doomed['clientId']))])
    assert fake.write_calls()[-1][0] == 'DELETE'
    policies = dict((p['id'], p) for p in fake.state()['policies'])
    assert policies[shared['id']]['identities'] == [group]
    assert policies[alone['id']]['identities'] == []
    assert policies[unrelated['id']]['identities'] == [group]
    assert policies[managed['id']]['identities'] == [doomed['identity']]
    assert clients_named(fake, 'doomed') == []

    fake.clear_requests()
    again = run_playbook(play(absent % ('remove', 'false')), workdir, env=owner_env, verbosity=4)
    assert again.rc == 0, again
    assert again.task('remove')['changed'] is False and again.task('remove')['detached_policies'] == []
    assert fake.writes() == []
    assert_no_leak(result.output, again.output)


def test_absent_by_client_id_deletes_emptied_policies_when_asked(fake, workdir, owner_env):
    api = fake.owner_api()
    doomed = make_client(api, 'doomed')
    alone = make_policy(api, 'alone', [doomed['identity']])
    result = run_playbook(play('''
- name: remove
  ovhcloud.iam.ovh_oauth2_client:
    client_id: %s
    state: absent
    delete_empty_policies: true
''' % doomed['clientId']), workdir, env=owner_env)
    assert result.rc == 0, result
    assert result.task('remove')['detached_policies'] == [{'id': alone['id'], 'name': 'alone', 'deleted': True}]
    assert [p for p in fake.state()['policies'] if p['id'] == alone['id']] == []
    assert fake.state()['clients'] == []


# ---------------------------------------------------------------- info

INFO = '''
- name: %s
  ovhcloud.iam.ovh_oauth2_client_info:%s
'''


def seed_three(fake):
    api = fake.owner_api()
    return [make_client(api, 'alpha'), make_client(api, 'beta'),
            make_client(api, 'beta', flow='AUTHORIZATION_CODE', callback_urls=['https://beta.example.com/cb'])]


def check_info(result, clients):
    by_id = dict((c['clientId'], c) for c in clients)
    every = result.task('all')['clients']
    assert [c['client_id'] for c in every] == sorted(by_id, key=lambda i: (by_id[i]['name'], i))
    for item in every:
        source = by_id[item['client_id']]
        assert item == {'client_id': source['clientId'], 'name': source['name'], 'description': source['description'],
                        'flow': source['flow'], 'callback_urls': source['callbackUrls'], 'identity': source['identity'],
                        'created_at': source['createdAt']}
    assert [c['name'] for c in result.task('by name')['clients']] == ['beta', 'beta']
    assert [c['flow'] for c in result.task('by flow')['clients']] == ['AUTHORIZATION_CODE']
    assert [c['client_id'] for c in result.task('by id')['clients']] == [clients[0]['clientId']]
    assert result.task('unknown id')['clients'] == []
    assert not any(result.task(name)['changed'] for name in ('all', 'by name', 'by flow', 'by id', 'unknown id'))


def info_play(first_id):
    return play(INFO % ('all', '') + INFO % ('by name', '\n    name: beta') +
                INFO % ('by flow', '\n    flow: AUTHORIZATION_CODE') +
                INFO % ('by id', '\n    client_id: %s' % first_id) +
                INFO % ('unknown id', '\n    client_id: EU.doesnotexist'))


def test_info_filters_in_check_mode(fake, workdir, owner_env, assert_no_leak):
    clients = seed_three(fake)
    fake.clear_requests()
    result = run_playbook(info_play(clients[0]['clientId']), workdir, env=owner_env, check=True, verbosity=4)
    assert result.rc == 0, result
    check_info(result, clients)
    assert fake.writes() == []
    assert_no_leak(result.output)


def test_info_ad_hoc(fake, workdir, owner_env):
    clients = seed_three(fake)
    result = run_adhoc('ovhcloud.iam.ovh_oauth2_client_info', {}, workdir, env=owner_env)
    assert result.rc == 0, result
    assert len(result.records[-1]['result']['clients']) == 3
    assert clients[0]['identity'] in result.stdout


@pytest.fixture(scope='module')
def fake_without_expansion():
    server = FakeApi('--no-expansion')
    yield server
    server.stop()


def test_info_without_list_expansion_still_returns_full_objects(fake_without_expansion, workdir):
    fake = fake_without_expansion
    fake.reset()
    clients = seed_three(fake)
    fake.clear_requests()
    result = run_playbook(info_play(clients[0]['clientId']), workdir, env=fake.owner_env())
    assert result.rc == 0, result
    check_info(result, clients)
    per_id = [r for r in fake.requests() if r['method'] == 'GET' and r['path'].startswith(CLIENTS + '/')]
    assert len(per_id) >= 3
