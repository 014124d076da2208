"""Decisions of ovh_iam_resource_group (and its _info module), without any API call."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_resource_group as module
from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_resource_group_info as info

GROUP_ID = '9167fb26-382b-11ee-895a-0050568ce122'
ACCOUNT = {'id': '6d375624-1230-5b56-9ac6-ebaa18f0edeb', 'urn': 'urn:v1:eu:resource:account:xx1111-ovh',
           'name': 'xx1111-ovh', 'display_name': 'xx1111-ovh', 'type': 'account'}
VPS = {'id': '5d0e28e2-306e-11ee-8dad-0050568ce122', 'urn': 'urn:v1:eu:resource:vps:vps-1.vps.ovh.net',
       'name': 'vps-1.vps.ovh.net', 'display_name': 'vps-1', 'type': 'vps'}
UNSEEN_ID = 'ffffffff-0000-0000-0000-000000000000'


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in module.argument_spec().items())
    values.update(overrides)
    return values


def current(**overrides):
    group = dict(module.new_group('web'), id=GROUP_ID, urn='urn:v1:eu:resourceGroup:' + GROUP_ID, resources=[ACCOUNT])
    group.update(overrides)
    return group


def test_every_input_problem_at_once():
    problems = module.input_problems(params(name='', group_id='nope', resources=['vps-1', 'urn:v1:eu:resource:vps:*']))
    assert len(problems) == 4
    assert problems[0].startswith('name') and problems[1].startswith('group_id') and 'wildcard' in problems[3]
    assert module.input_problems(params(name='web', group_id=GROUP_ID, resources=[VPS['id'], VPS['urn']])) == []


def test_wanted_group_keeps_members_when_resources_are_left_out():
    assert module.wanted_group(params(name='web2'), current()) == dict(current(), name='web2')


def test_wanted_group_adds_or_replaces_members_with_what_is_known_of_them():
    known = {ACCOUNT['id']: ACCOUNT, VPS['id']: VPS}
    added = module.wanted_group(params(resources=[VPS['urn']], purge_resources=False), current(), [VPS['id']], known)
    assert added['resources'] == [ACCOUNT, VPS]
    replaced = module.wanted_group(params(resources=[UNSEEN_ID]), current(), [UNSEEN_ID], known)
    assert replaced['resources'] == [module.unseen_member(UNSEEN_ID)]


def test_a_name_is_checked_against_the_control_panel_format_only_when_written():
    assert module.rename_problems(current(name='legacy name'), current(name='legacy name')) == []
    assert module.rename_problems(current(), current(name='has space'))[0].startswith('name')
    assert module.rename_problems(None, module.new_group('my servers'))
    assert module.rename_problems(None, module.new_group('servers')) == []


def test_members_without_details_are_read_again_after_a_write():
    assert module.lacks_member_details(current(resources=[ACCOUNT, module.unseen_member(UNSEEN_ID)]))
    assert not module.lacks_member_details(current())
    assert not module.lacks_member_details(dict(module.new_group('web'), resources=[module.unseen_member(UNSEEN_ID)]))


def test_info_refuses_a_group_id_that_is_no_uuid():
    assert info.input_problems({'group_id': GROUP_ID, 'name': None}) == []
    assert info.input_problems({'group_id': None, 'name': 'web'}) == []
    assert info.input_problems({'group_id': 'web', 'name': None}) == ["group_id: 'web' is not a resource group id (a UUID)"]
