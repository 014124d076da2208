"""The decisions of ovh_iam_group, without HTTP."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_group as module

OPS = {'name': 'ops', 'description': 'Ops', 'role': 'NONE', 'default_group': False}


def params(**overrides):
    values = {'name': 'ops', 'description': None, 'role': None, 'state': 'present', 'detach_policies': True,
              'delete_empty_policies': False}
    values.update(overrides)
    return values


def test_a_new_group_has_the_role_none_unless_asked():
    assert module.create_body(params()) == {'name': 'ops', 'role': 'NONE'}
    assert module.create_body(params(role='ADMIN', description='')) == {'name': 'ops', 'role': 'ADMIN', 'description': ''}


def test_only_default_groups_are_refused():
    assert module.default_group_refusal(OPS, 'the task asks to delete it') is None
    refusal = module.default_group_refusal(dict(OPS, name='DEFAULT', default_group=True), 'the task asks to delete it')
    assert "DEFAULT is one of OVHcloud's default groups" in refusal and 'delete' in refusal


def test_the_role_choices_are_the_api_roles():
    assert module.argument_spec()['role']['choices'] == ['ADMIN', 'REGULAR', 'UNPRIVILEGED', 'NONE']
