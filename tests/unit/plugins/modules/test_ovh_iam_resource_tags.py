"""Decisions of ovh_iam_resource_tags, without any API call."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_resource_tags as module

URN = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in module.argument_spec().items())
    values.update(overrides)
    return values


def test_every_input_problem_at_once():
    problems = module.input_problems(params(urn='urn:v1:eu:resource:vps:*', tags={'bad key': 'x', 'count': 3}))
    assert len(problems) == 3 and 'one resource' in problems[0]
    assert module.input_problems(params(urn=URN, tags={'env': 'prod'})) == []


def test_no_tags_leaves_the_resource_as_it_is_even_with_purge():
    assert module.tag_changes({'env': 'prod'}, params(urn=URN, tags=None, purge_tags=True)) == ({}, [], {'env': 'prod'})


def test_tags_are_set_and_purged_but_ovh_tags_stay():
    current = {'env': 'staging', 'owner': 'bob', 'ovh:region': 'gra'}
    to_set, to_delete, after = module.tag_changes(current, params(urn=URN, tags={'env': 'prod'}))
    assert (to_set, to_delete) == ({'env': 'prod'}, ['owner'])
    assert after == {'env': 'prod', 'ovh:region': 'gra'}
    assert module.tag_changes(current, params(urn=URN, tags={'team': 'web'}, purge_tags=False))[1] == []
