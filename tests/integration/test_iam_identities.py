"""ovh_iam_user, ovh_iam_group (with their _info twins) and ovh_iam_resource_tags through real ansible-playbook runs.

Each lifecycle runs a few playbooks: create -> unchanged re-run (no write in the request log) -> check mode ->
diff -> update -> refusals -> absent twice. The users-and-groups guide's playbook runs as written, and a member of
its group is then allowed on the tagged VPS and refused on the untagged one.
"""

import os
import re
from urllib.parse import quote

import requests

from tests.ansible_runner import run_adhoc, run_playbook
from tests.playbooks import failure, play, run_play
from tests.conftest import REPO_ROOT

VPS_PROD = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'
VPS_STAGING = 'urn:v1:eu:resource:vps:vps-1f2e3d4c.vps.ovh.net'
PASSWORD = 'Initial-Pa55word.for-alice'
GUIDE = os.path.join(REPO_ROOT, 'docs', 'users-and-groups.md')


def control(fake, route, payload):
    response = requests.post(fake.url + '/_fake/' + route, json=payload, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def identities(fake):
    return requests.get(fake.url + '/_fake/identities', timeout=30).json()


USER_TASKS = '''
    - name: group
      ovhcloud.iam.ovh_iam_group:
        name: web-ops
        description: Web operations
        role: NONE
    - name: user
      ovhcloud.iam.ovh_iam_user:
        login: alice
        email: alice@example.com
        description: Alice
        group: web-ops
        password: "{{ lookup('ansible.builtin.env', 'ALICE_PASSWORD') }}"
'''

REMOVE_ALICE_AND_WEB_OPS = '''
    - name: user gone
      ovhcloud.iam.ovh_iam_user:
        login: alice
        state: absent
    - name: group gone
      ovhcloud.iam.ovh_iam_group:
        name: web-ops
        state: absent
'''


def test_user_and_group_lifecycle(fake, workdir, owner_env, assert_no_leak):
    owner_env = dict(owner_env, ALICE_PASSWORD=PASSWORD)
    created = run_play(fake, workdir, owner_env, USER_TASKS, diff=True, verbosity=4)
    group, user = created.task('group')['group'], created.task('user')['user']
    assert group['urn'] == 'urn:v1:eu:identity:group:%s/web-ops' % fake.nic and group['default_group'] is False
    assert group['role'] == 'NONE' and group['description'] == 'Web operations'
    assert user['urn'] == 'urn:v1:eu:identity:user:%s/alice' % fake.nic
    assert (user['group'], user['email'], user['enabled'], user['status']) == ('web-ops', 'alice@example.com', True, 'OK')
    assert created.task('user')['diff'] == {'before': {}, 'after': user}
    assert fake.write_calls() == [('POST', '/1.0/me/identity/group'), ('POST', '/1.0/me/identity/user')]
    assert PASSWORD in list(fake.secrets())  # the fake knows it, so the scan below can find a leak
    assert_no_leak(created.output, repr(created.records))

    again = run_play(fake, workdir, owner_env, USER_TASKS, diff=True, verbosity=4)
    assert again.changed_tasks() == [] and fake.write_calls() == []
    assert again.task('user')['user'] == user and again.task('group')['group'] == group
    assert_no_leak(again.output)

    change = '''
        - name: user
          ovhcloud.iam.ovh_iam_user:
            login: alice
            email: alice@corp.example.com
            enabled: false
            password: "{{ lookup('ansible.builtin.env', 'ALICE_PASSWORD') }}"
        - name: group
          ovhcloud.iam.ovh_iam_group:
            name: web-ops
            role: UNPRIVILEGED
    '''
    checked = run_play(fake, workdir, owner_env, change, check=True, diff=True)
    assert checked.changed_tasks() == ['user', 'group'] and fake.write_calls() == []
    diff = checked.task('user')['diff']
    assert diff['before'] == user
    assert (diff['after']['email'], diff['after']['enabled'], diff['after']['status']) == ('alice@corp.example.com', False, 'DISABLED')
    assert checked.task('group')['diff']['after']['role'] == 'UNPRIVILEGED'

    changed = run_play(fake, workdir, owner_env, change, diff=True)
    assert changed.task('user')['diff'] == checked.task('user')['diff']  # check mode foretold the change exactly
    assert changed.task('group')['diff'] == checked.task('group')['diff']
    assert fake.write_calls() == [('PUT', '/1.0/me/identity/user/alice'), ('POST', '/1.0/me/identity/user/alice/disable'),
                                  ('PUT', '/1.0/me/identity/group/web-ops')]
    assert changed.task('user')['user']['enabled'] is False and changed.task('user')['user']['email'] == 'alice@corp.example.com'
    assert {'description': 'Alice', 'group': 'web-ops'}.items() <= changed.task('user')['user'].items()
    assert run_play(fake, workdir, owner_env, change).changed_tasks() == [] and fake.write_calls() == []

    gone = run_play(fake, workdir, owner_env, REMOVE_ALICE_AND_WEB_OPS, diff=True)
    assert gone.changed_tasks() == ['user gone', 'group gone']
    assert fake.write_calls() == [('DELETE', '/1.0/me/identity/user/alice'), ('DELETE', '/1.0/me/identity/group/web-ops')]
    assert gone.task('user gone')['diff']['after'] == {} and gone.task('user gone')['user'] == {}
    twice = run_play(fake, workdir, owner_env, REMOVE_ALICE_AND_WEB_OPS)
    assert twice.changed_tasks() == [] and fake.write_calls() == []
    assert [g['name'] for g in identities(fake)['groups']] == ['ADMIN', 'DEFAULT', 'UNPRIVILEGED']


def test_deleting_a_user_or_group_detaches_it_from_policies_first(fake, workdir, owner_env):
    setup_env = dict(owner_env, NIC=fake.nic, ALICE_PASSWORD=PASSWORD)
    run_play(fake, workdir, setup_env, USER_TASKS + '''
    - name: policy
      ovhcloud.iam.ovh_iam_policy:
        name: web-ops-read
        identities:
          - "{{ lookup('ansible.builtin.env', 'NIC') | ovhcloud.iam.identity_urn(group='web-ops') }}"
          - "{{ lookup('ansible.builtin.env', 'NIC') | ovhcloud.iam.identity_urn(user='alice') }}"
          - urn:v1:eu:identity:account:{{ lookup('ansible.builtin.env', 'NIC') }}
        resources: [urn:v1:eu:resource:vps:*]
        allow: [vps:apiovh:get]
    ''')
    gone = run_play(fake, workdir, owner_env, '''
    - name: check
      ovhcloud.iam.ovh_iam_user:
        login: alice
        state: absent
      check_mode: true
''' + REMOVE_ALICE_AND_WEB_OPS)
    assert gone.task('check')['detached_policies'] == gone.task('user gone')['detached_policies']
    assert [p['name'] for p in gone.task('user gone')['detached_policies']] == ['web-ops-read']
    methods = [method for method, _path in fake.write_calls()]
    assert methods == ['PUT', 'DELETE', 'PUT', 'DELETE']  # policy first, then the identity
    policy = [p for p in fake.state()['policies'] if p['name'] == 'web-ops-read'][0]
    assert policy['identities'] == ['urn:v1:eu:identity:account:%s' % fake.nic]


def test_refusals_come_before_any_write(fake, workdir, owner_env, assert_no_leak):
    owner_env = dict(owner_env, ALICE_PASSWORD=PASSWORD)
    run_play(fake, workdir, owner_env, USER_TASKS)
    result = run_playbook(play('''
        - name: default group
          ovhcloud.iam.ovh_iam_group:
            name: DEFAULT
            role: ADMIN
          ignore_errors: true
        - name: delete default group
          ovhcloud.iam.ovh_iam_group:
            name: ADMIN
            state: absent
          ignore_errors: true
        - name: default group unchanged
          ovhcloud.iam.ovh_iam_group:
            name: DEFAULT
        - name: password always
          ovhcloud.iam.ovh_iam_user:
            login: alice
            password: "{{ lookup('ansible.builtin.env', 'ALICE_PASSWORD') }}-new"
            update_password: always
            email: new@example.com
          ignore_errors: true
        - name: no password
          ovhcloud.iam.ovh_iam_user:
            login: bob
          ignore_errors: true
        - name: unknown group
          ovhcloud.iam.ovh_iam_user:
            login: alice
            group: nope
          ignore_errors: true
        - name: bad names
          ovhcloud.iam.ovh_iam_user:
            login: " a/b"
            email: not-an-email
            group: "x/y"
          ignore_errors: true
    '''), workdir, env=owner_env, verbosity=4)
    assert 'default groups' in failure(result, 'default group')['msg']
    assert 'delete' in failure(result, 'delete default group')['msg']
    assert result.status('default group unchanged') == 'ok'
    message = failure(result, 'password always')['msg']
    assert 'update_password' in message and 'Nothing was changed' in message
    assert 'password is required' in failure(result, 'no password')['msg']
    assert "group 'nope' does not exist" in failure(result, 'unknown group')['msg']
    bad = failure(result, 'bad names')
    assert len(bad['problems']) == 3 and 'login' in bad['msg'] and 'email' in bad['msg'] and 'group' in bad['msg']
    assert fake.write_calls() == [('POST', '/1.0/me/identity/group'), ('POST', '/1.0/me/identity/user')]  # the setup only
    assert_no_leak(result.output, allowed=())


def test_resource_tags_lifecycle_keeps_ovh_tags(fake, workdir, owner_env):
    control(fake, 'resource-tags', {'urn': VPS_PROD, 'tags': {'environment': 'production', 'ovh:region': 'gra',
                                                              'owner': 'bob'}})
    tasks = '''
        - name: tags
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags:
              env: production
              environment: prod
    ''' % VPS_PROD
    checked = run_play(fake, workdir, owner_env, tasks, check=True, diff=True)
    assert fake.write_calls() == []
    planned = checked.task('tags')
    assert planned['tags'] == {'env': 'production', 'environment': 'prod', 'ovh:region': 'gra'}
    assert planned['removed_tags'] == ['owner'] and planned['added_tags'] == {'env': 'production', 'environment': 'prod'}
    assert planned['diff']['before'] == {'environment': 'production', 'ovh:region': 'gra', 'owner': 'bob'}

    done = run_play(fake, workdir, owner_env, tasks, diff=True)
    base = '/v2/iam/resource/' + quote(VPS_PROD, safe='')
    assert fake.write_calls() == [('DELETE', base + '/tag/owner'), ('POST', base + '/tag'), ('POST', base + '/tag')]
    assert done.task('tags')['tags'] == planned['tags']
    resource = [r for r in fake.state()['resources'] if r['urn'] == VPS_PROD][0]
    assert resource['tags'] == planned['tags']
    assert run_play(fake, workdir, owner_env, tasks).changed_tasks() == [] and fake.write_calls() == []

    requests.post(fake.url + '/_fake/tag-post-existing', json={'mode': 'conflict'}, timeout=30).raise_for_status()
    keep = run_play(fake, workdir, owner_env, '''
        - name: change one, keep the others
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags: {env: staging, ovh:region: gra}
            purge_tags: false
        - name: purge all
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags: {}
        - name: purge again
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags: {}
    ''' % (VPS_PROD, VPS_PROD, VPS_PROD))
    assert keep.task('change one, keep the others')['tags'] == {'env': 'staging', 'environment': 'prod', 'ovh:region': 'gra'}
    assert keep.task('purge all')['tags'] == {'ovh:region': 'gra'}
    assert keep.changed_tasks() == ['change one, keep the others', 'purge all']
    assert sorted(path.rsplit('/', 1)[-1] for method, path in fake.write_calls() if method == 'DELETE') == ['env', 'env', 'environment']

    refused = run_playbook(play('''
        - name: managed
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags: {ovh:region: rbx, "bad key": x, count: 3}
          ignore_errors: true
        - name: wildcard
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: urn:v1:eu:resource:vps:*
            tags: {}
          ignore_errors: true
        - name: missing
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: urn:v1:eu:resource:vps:nope.vps.ovh.net
            tags: {}
          ignore_errors: true
    ''' % VPS_PROD), workdir, env=owner_env)
    assert len(failure(refused, 'managed')['problems']) == 2  # bad key, non-string value; ovh: comes after the read
    fake.clear_requests()
    again = run_playbook(play('''
        - name: managed
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags: {ovh:region: rbx}
          ignore_errors: true
    ''' % VPS_PROD), workdir, env=owner_env)
    assert "'ovh:region' is managed by OVHcloud" in failure(again, 'managed')['msg']
    assert 'one resource' in failure(refused, 'wildcard')['msg']
    assert 'no resource of the account' in failure(refused, 'missing')['msg']
    assert fake.write_calls() == []


def guide_playbook():
    with open(GUIDE, encoding='utf-8') as handle:
        return marked_block(handle.read(), 'test', 'users-groups-team')


def marked_block(text, kind, ident):
    return re.search(r'<!-- doc-%s: %s -->\s*```yaml\n(.*?)```' % (kind, ident), text, re.S).group(1)


def check_as(fake, token, urn, action):
    response = requests.post('%s/v2/iam/resource/%s/authorization/check' % (fake.url, quote(urn, safe='')),
                             json={'actions': [action]}, headers={'Authorization': 'Bearer ' + token}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_users_and_groups_guide_limits_a_group_to_tagged_resources(fake, workdir, owner_env):
    passwords = {'initial_passwords': {'alice': PASSWORD, 'bob': PASSWORD + '-bob'}}
    first = run_playbook(guide_playbook(), workdir, env=owner_env, extra_vars=dict(passwords, nic=fake.nic))
    assert first.rc == 0, first
    fake.clear_requests()
    second = run_playbook(guide_playbook(), workdir, env=owner_env, extra_vars=dict(passwords, nic=fake.nic))
    assert second.rc == 0 and second.changed_tasks() == [] and fake.write_calls() == []

    alice = control(fake, 'user-token', {'login': 'alice'})['access_token']
    allowed = check_as(fake, alice, VPS_PROD, 'vps:apiovh:reboot')
    refused = check_as(fake, alice, VPS_STAGING, 'vps:apiovh:reboot')
    assert allowed == {'authorizedActions': ['vps:apiovh:reboot'], 'unauthorizedActions': []}
    assert refused == {'authorizedActions': [], 'unauthorizedActions': ['vps:apiovh:reboot']}
    # Alice is covered through her group only: the policy names no user.
    policy = [p for p in fake.state()['policies'] if p['name'] == 'web-ops-production-vps'][0]
    assert not [urn for urn in policy['identities'] if ':identity:user:' in urn]
    # Moving the tag moves the right, without touching the policy.
    run_play(fake, workdir, owner_env, '''
        - name: tag staging
          ovhcloud.iam.ovh_iam_resource_tags:
            urn: %s
            tags: {env: production}
            purge_tags: false
    ''' % VPS_STAGING)
    assert check_as(fake, alice, VPS_STAGING, 'vps:apiovh:reboot')['authorizedActions'] == ['vps:apiovh:reboot']
    # Alice may not manage service accounts; Bob, a lead, may.
    bob = control(fake, 'user-token', {'login': 'bob'})['access_token']
    listing = '%s/me/api/oauth2/client' % fake.endpoint
    assert requests.get(listing, headers={'Authorization': 'Bearer ' + alice}, timeout=30).status_code == 403
    assert requests.get(listing, headers={'Authorization': 'Bearer ' + bob}, timeout=30).status_code == 200
    # The modules themselves run as a local user with its token (access_token).
    as_user = {'OVH_ENDPOINT': fake.endpoint}
    listed = run_adhoc('ovhcloud.iam.ovh_oauth2_client_info', {'access_token': bob}, workdir, env=as_user)
    assert listed.rc == 0, listed
    refused = run_adhoc('ovhcloud.iam.ovh_oauth2_client_info', {'access_token': alice, 'max_retries': 0}, workdir, env=as_user)
    assert refused.rc != 0 and 'account:apiovh:me/api/oauth2/client/get' in refused.output
    assert alice not in refused.output and bob not in listed.output
    # The guide's removal tasks, as written.
    with open(GUIDE, encoding='utf-8') as handle:
        removal = marked_block(handle.read(), 'yaml', 'users-groups-removal-tasks')
    removed = run_play(fake, workdir, owner_env, removal)
    assert removed.rc == 0, removed
    identities = requests.get(fake.url + '/_fake/identities', timeout=30).json()
    assert 'bob' in [user['login'] for user in identities['users']]
    assert 'alice' not in [user['login'] for user in identities['users']]
    assert 'web-ops' not in [group['name'] for group in identities['groups']]
