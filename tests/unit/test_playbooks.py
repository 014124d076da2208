"""tests/playbooks.py: the one play() every suite builds its localhost plays with."""

import yaml

from tests.playbooks import play, task, tolerant

TASK_TEXT = '''
    - name: create
      ovhcloud.iam.ovh_oauth2_client:
        name: ci-deployer
        credentials_file_mode: 0640
      register: created
'''
TASK_DICT = {'name': 'create', 'ovhcloud.iam.ovh_oauth2_client': {'name': 'ci-deployer', 'credentials_file_mode': 0o640},
             'register': 'created'}


def test_a_play_on_localhost_with_a_local_connection_and_no_facts():
    assert yaml.safe_load(play([TASK_DICT])) == [
        {'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': [TASK_DICT]}]


def test_tasks_as_yaml_text_at_any_indentation_make_the_same_play_and_stay_as_written():
    at_column_0 = '\n'.join(line[4:] for line in TASK_TEXT.splitlines())
    assert yaml.safe_load(play(TASK_TEXT)) == yaml.safe_load(play(at_column_0)) == yaml.safe_load(play([TASK_DICT]))
    assert 'credentials_file_mode: 0640\n' in play(TASK_TEXT)  # unquoted, as a user writes it


def test_ovh_defaults_go_to_the_action_group_beside_other_module_defaults():
    [body] = yaml.safe_load(play([TASK_DICT], ovh_defaults={'max_retries': 4}, name='faults', vars_files=['sa.json'],
                                 module_defaults={'ansible.builtin.copy': {'mode': '0600'}}))
    assert body['name'] == 'faults' and body['vars_files'] == ['sa.json']
    assert body['module_defaults'] == {'ansible.builtin.copy': {'mode': '0600'}, 'group/ovhcloud.iam.ovh': {'max_retries': 4}}


def test_a_play_without_tasks_carries_only_its_roles():
    [body] = yaml.safe_load(play(roles=[{'role': 'ovhcloud.iam.service_account'}]))
    assert 'tasks' not in body and body['roles'] == [{'role': 'ovhcloud.iam.service_account'}]


def test_task_and_tolerant():
    entry = task('read', 'ovh_oauth2_client_info', {'name': 'x'}, register='found')
    assert entry == {'name': 'read', 'ovhcloud.iam.ovh_oauth2_client_info': {'name': 'x'}, 'register': 'found'}
    assert tolerant(entry) == dict(entry, ignore_errors=True) and 'ignore_errors' not in entry
