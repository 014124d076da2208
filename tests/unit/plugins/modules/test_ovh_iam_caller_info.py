"""The decisions of ovh_iam_caller_info, without HTTP."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_caller_info as module

ACCOUNT = 'urn:v1:eu:resource:account:xx1111-ovh'


def test_resources_and_actions_go_together():
    problems = module.option_problems({'resources': [ACCOUNT], 'actions': [], 'batch': False})
    assert problems == ['resources and actions: give both (the actions are checked on each resource), or neither']
    assert module.option_problems({'resources': [], 'actions': [], 'batch': False}) == []


def test_a_pattern_is_not_a_resource_to_check():
    problems = module.option_problems({'resources': ['urn:v1:eu:resource:vps:*'], 'actions': ['vps:apiovh:get']})
    assert len(problems) == 1 and 'one resource at a time' in problems[0]


def test_authorization_result_indexes_the_answers_for_assert():
    answers = [{'resource': ACCOUNT, 'authorized_actions': ['account:apiovh:me/get'], 'unauthorized_actions': ['x:y:z']}]
    result = module.authorization_result(answers, ['account:apiovh:me/get', 'x:y:z'])
    assert result['authorized'] == {ACCOUNT: {'account:apiovh:me/get': True, 'x:y:z': False}}
    assert result['all_authorized'] is False and result['unauthorized'] == ['x:y:z on %s' % ACCOUNT]
    assert result['authorization'] == answers
