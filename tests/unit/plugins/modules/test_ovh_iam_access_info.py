"""The decisions of ovh_iam_access_info, without HTTP."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_access_info as module

VPS = 'urn:v1:eu:resource:vps:vps-1.vps.ovh.net'
CATALOGUE = [{'action': 'vps:apiovh:snapshot/get', 'resourceType': 'vps'},
             {'action': 'vps:apiovh:snapshot/create', 'resourceType': 'vps'},
             {'action': 'vps:apiovh:reboot', 'resourceType': 'vps'},
             {'action': 'dedicatedServer:apiovh:snapshot/get', 'resourceType': 'dedicatedServer'}]


def params(**overrides):
    values = {'service_account': None, 'user': None, 'group': None, 'identity_urn': None, 'resources': [],
              'resource_type': [], 'actions': [], 'mode': 'check', 'context': {}}
    values.update(overrides)
    return values


def test_check_mode_needs_actions_and_resources_all_reported_at_once():
    problems = module.option_problems(params(context={'at': 'tomorrow'}))
    assert [problem.split(':')[0] for problem in problems] == ['context.at', 'actions', 'resources']
    assert module.option_problems(params(mode='list')) == []
    assert module.option_problems(params(resources=[VPS], actions=['vps:apiovh:reboot'])) == []


def test_patterns_and_resource_groups_are_not_resources_to_answer_for():
    problems = module.option_problems(params(resources=['urn:v1:eu:resource:vps:*'], actions=['vps:apiovh:reboot']))
    assert len(problems) == 1 and 'resource_type' in problems[0]


def test_a_wildcard_action_stands_for_the_catalogue_actions_of_the_resource_type():
    found = module.concrete_actions(['vps:apiovh:snapshot/*', 'vps:apiovh:reboot', 'vps:apiovh:reboot'], 'vps', CATALOGUE)
    assert found == ['vps:apiovh:snapshot/get', 'vps:apiovh:snapshot/create', 'vps:apiovh:reboot']


def test_check_result_indexes_the_answers_for_assert():
    access = [{'resource': VPS, 'action': 'a', 'decision': 'allowed', 'allowed': True},
              {'resource': VPS, 'action': 'b', 'decision': 'depends', 'allowed': False}]
    result = module.check_result(access)
    assert result['allowed'] == {VPS: {'a': True, 'b': False}}
    assert result['all_allowed'] is False and result['denied'] == ['b on %s' % VPS]
    assert module.check_result([])['all_allowed'] is False
