"""Decisions of ovh_iam_permissions_group (and its _info module), without any API call."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_permissions_group as module
from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_permissions_group_info as info

URN = 'urn:v1:eu:permissionsGroup:xx1111-ovh:ops'


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in module.argument_spec().items())
    values.update(overrides)
    return values


def current(**overrides):
    group = dict(module.new_group('ops'), id='e04eef98', urn=URN, owner='xx1111-ovh', description='operators',
                 allow=['account:apiovh:me/get', 'account:apiovh:me/api/oauth2/client/*'])
    group.update(overrides)
    return group


def test_argument_spec_holds_except_although_it_is_a_keyword():
    spec = module.argument_spec()
    assert spec['except'] == {'type': 'list', 'elements': 'str'}
    assert spec['state']['default'] == 'present' and 'api_url' not in spec


def test_every_input_problem_at_once():
    problems = module.input_problems(params(name=' ', urn='urn:v1:eu:resource:vps:x', allow=['reboot'], deny=['x y']))
    assert len(problems) == 4
    assert problems[0].startswith('name') and problems[1].startswith('urn') and problems[2].startswith('allow')
    assert module.input_problems(params(name='ops', allow=['account:apiovh:me/get'])) == []


def test_wanted_group_keeps_what_options_leave_out():
    wanted = module.wanted_group(params(deny=['account:apiovh:me/delete']), current())
    assert wanted['allow'] == current()['allow'] and wanted['description'] == 'operators'
    assert wanted['deny'] == ['account:apiovh:me/delete'] and wanted['urn'] == URN


def test_wanted_group_merges_without_purge_and_replaces_with_purge():
    added = module.wanted_group(params(allow=['account:apiovh:me/get', 'a:apiovh:x'], purge_allow=False), current())
    assert added['allow'] == ['account:apiovh:me/get', 'account:apiovh:me/api/oauth2/client/*', 'a:apiovh:x']
    assert module.wanted_group(params(allow=[]), current())['allow'] == []


def test_wanted_group_of_a_new_group_has_no_server_fields():
    wanted = module.wanted_group(params(name='ops', allow=['a:apiovh:x']), None)
    assert (wanted['id'], wanted['urn'], wanted['owner'], wanted['description']) == (None, None, None, '')
    assert wanted['allow'] == ['a:apiovh:x']


def test_only_actions_the_group_lacks_go_to_the_catalogue():
    asked = params(allow=['account:apiovh:me/get', 'account:apiovh:me/put', '*get'], deny=['account:apiovh:me/delete'])
    assert module.actions_to_confirm(asked, current()) == [
        ('allow', ['account:apiovh:me/put']), ('deny', ['account:apiovh:me/delete'])]
    assert module.actions_to_confirm(params(allow=['account:apiovh:me/get']), current()) == []


def test_info_refuses_a_urn_of_another_kind_only():
    assert info.input_problems({'urn': None, 'name': 'ops'}) == []
    assert info.input_problems({'urn': URN, 'name': None}) == []
    assert 'not a permissions group URN' in info.input_problems({'urn': 'urn:v1:eu:resource:vps:x', 'name': None})[0]
