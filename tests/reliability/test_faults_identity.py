"""Faults on the writes of ovh_iam_user, ovh_iam_group and ovh_iam_resource_tags, through real ansible-playbook runs.

A POST carried out by the server whose answer is lost (connection closed, or a 503) is not sent again by the client;
the module reads the object back and goes on when the write took. Each case adds one entry to faults.json.
"""

import pytest
import requests

from tests.ansible_runner import run_playbook
from tests.playbooks import play, task

VPS = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'
DEFAULTS = {'max_retries': 4}


@pytest.mark.parametrize('status', [0, 503])
def test_lost_answers_of_applied_identity_and_tag_writes(fake, workdir, owner_env, ledger, status):
    faults = [{'method': 'POST', 'path': path, 'status': status, 'times': 1, 'apply': True}
              for path in ('/1.0/me/identity/group', '/1.0/me/identity/user', '/1.0/me/identity/user/*/disable',
                           '/v2/iam/resource/*/tag')]
    for spec in faults:
        fake.fault(**spec)
    env = dict(owner_env, REL_USER_PASSWORD='Rel-Pa55word-identity')
    tasks = [
        task('group', 'ovh_iam_group', {'name': 'rel-ops', 'role': 'NONE'}),
        task('user', 'ovh_iam_user', {'login': 'rel-alice', 'group': 'rel-ops', 'email': 'alice@example.com',
                                      'password': "{{ lookup('ansible.builtin.env', 'REL_USER_PASSWORD') }}"}),
        task('disable', 'ovh_iam_user', {'login': 'rel-alice', 'enabled': False}),
        task('tags', 'ovh_iam_resource_tags', {'urn': VPS, 'tags': {'team': 'rel'}, 'purge_tags': False}),
    ]
    run = run_playbook(play(tasks, ovh_defaults=DEFAULTS), workdir, env=env)
    state = requests.get(fake.url + '/_fake/identities', timeout=30).json()
    users = [user for user in state['users'] if user['login'] == 'rel-alice']
    groups = [group for group in state['groups'] if group['name'] == 'rel-ops']
    tags = [item for item in fake.state()['resources'] if item['urn'] == VPS][0]['tags']
    lost = []
    if len(users) != 1 or users[0]['status'] != 'DISABLED':
        lost.append('user creation or disable')
    if len(groups) != 1:
        lost.append('group creation')
    if tags.get('team') != 'rel':
        lost.append('tag')
    faulted = [r for r in fake.requests() if r.get('fault')]
    entry = {
        'case': 'applied POST of a group, a user, a disable and a tag, answer lost (%s)'
                % ('connection closed' if status == 0 else 'HTTP 503'),
        'faults': faults, 'faulty_answers_served': len(faulted),
        'error_answers': len([r for r in fake.requests() if r.get('fault') or r['status'] >= 400]),
        'runs': [{'rc': run.rc, 'failed_tasks': [r['task'] for r in run.records if r['status'] == 'failed']}],
        'outcome': 'survived' if run.rc == 0 else 'failed', 'duplicated': [], 'orphaned': [], 'lost': lost,
        'notes': 'each write is read back and adopted when it took',
    }
    ledger.add('faults', entry)
    assert run.rc == 0, run
    assert len(faulted) == 4 and not lost
    assert [r['task'] for r in run.records if r['result'].get('changed')] == ['group', 'user', 'disable', 'tags']


def test_a_user_and_a_group_created_meanwhile_by_another_run_are_adopted(fake, workdir, owner_env, ledger):
    """The POST is carried out but answers 409 Conflict, as when another run created the same login or name first."""
    faults = [{'method': 'POST', 'path': path, 'status': 409, 'times': 1, 'apply': True}
              for path in ('/1.0/me/identity/group', '/1.0/me/identity/user')]
    for spec in faults:
        fake.fault(**spec)
    env = dict(owner_env, REL_USER_PASSWORD='Rel-Pa55word-race')
    run = run_playbook(play([
        task('group', 'ovh_iam_group', {'name': 'rel-race', 'role': 'REGULAR', 'description': 'race'}),
        task('user', 'ovh_iam_user', {'login': 'rel-racer', 'group': 'rel-race', 'email': 'r@example.com',
                                      'password': "{{ lookup('ansible.builtin.env', 'REL_USER_PASSWORD') }}"}),
    ], ovh_defaults=DEFAULTS), workdir, env=env)
    state = requests.get(fake.url + '/_fake/identities', timeout=30).json()
    users = [user for user in state['users'] if user['login'] == 'rel-racer']
    groups = [group for group in state['groups'] if group['name'] == 'rel-race']
    warnings = [w for r in run.records for w in r['result'].get('warnings') or ()]
    ledger.add('faults', {
        'case': 'POST of a group and a user answered 409 Conflict (created meanwhile by another run)',
        'faults': faults, 'faulty_answers_served': len([r for r in fake.requests() if r.get('fault')]),
        'error_answers': len([r for r in fake.requests() if r.get('fault') or r['status'] >= 400]),
        'runs': [{'rc': run.rc, 'failed_tasks': [r['task'] for r in run.records if r['status'] == 'failed']}],
        'outcome': 'survived' if run.rc == 0 else 'failed', 'duplicated': [], 'orphaned': [],
        'lost': [] if len(users) == 1 and len(groups) == 1 else ['user or group'], 'notes': 'adopted, with a warning',
    })
    assert run.rc == 0, run
    assert len(users) == 1 and len(groups) == 1 and groups[0]['role'] == 'REGULAR'
    assert len(warnings) == 2 and all('409 Conflict' in w and 'adopted' in w for w in warnings)
