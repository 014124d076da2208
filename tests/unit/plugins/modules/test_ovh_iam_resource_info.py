"""Decisions of ovh_iam_resource_info, without any API call."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_resource_info as module


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in module.argument_spec().items())
    values.update(overrides)
    return values


def test_every_input_problem_at_once():
    problems = module.input_problems(params(type=['vps:apiovh:reboot'], action_search=[' '], name=[''],
                                            tag_filters=[{'key': 'a', 'operator': 'EXISTS', 'value': 'x'}]))
    assert len(problems) == 5  # type, action_search without actions_for, empty search text, tag filter, name
    assert any('set actions_for too' in problem for problem in problems)
    assert module.input_problems(params(type=['vps'], actions_for=['account'], action_search=['oauth2'])) == []


def test_resources_are_listed_unless_only_the_reference_is_asked():
    assert module.wants_resources(params())
    assert not module.wants_resources(params(actions_for=['account']))
    assert not module.wants_resources(params(resource_types=True))
    assert module.wants_resources(params(actions_for=['account'], type=['vps']))


def test_action_filters_match_text_anywhere_and_any_category():
    view = {'action': 'account:apiovh:me/api/oauth2/client/get', 'description': 'Get an OAuth2 client', 'categories': ['READ']}
    assert module.action_matches(view, None, None)
    assert module.action_matches(view, ['OAUTH2', 'nothing'], ['READ', 'EDIT'])
    assert not module.action_matches(view, ['policy'], None)
    assert not module.action_matches(view, None, ['DELETE'])
