"""The decisions of ovh_iam_user, without HTTP."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_user as module

CURRENT = {'login': 'alice', 'email': 'a@example.com', 'description': 'Alice', 'group': 'web-ops', 'enabled': True,
           'status': 'OK', 'type': 'USER', 'urn': 'urn:v1:eu:identity:user:xx1111-ovh/alice'}


def params(**overrides):
    values = {'login': 'alice', 'email': None, 'description': None, 'group': None, 'password': None,
              'update_password': 'on_create', 'enabled': None, 'state': 'present', 'detach_policies': True,
              'delete_empty_policies': False}
    values.update(overrides)
    return values


def test_an_unchanged_user_needs_no_write():
    assert module.wanted_update(CURRENT, params(email='a@example.com', enabled=True)) == ({}, None, CURRENT)


def test_a_disable_is_a_toggle_and_shows_in_the_user_after():
    changes, enabled, after = module.wanted_update(CURRENT, params(enabled=False, group='leads'))
    assert changes == {'group': 'leads'} and enabled is False
    assert (after['enabled'], after['status'], after['group']) == (False, 'DISABLED', 'leads')


def test_enabling_a_disabled_user_sets_it_ok():
    disabled = dict(CURRENT, enabled=False, status='DISABLED')
    assert module.wanted_update(disabled, params(enabled=True))[1:] == (True, dict(CURRENT))


def test_a_new_user_goes_to_the_default_group_enabled_unless_asked():
    planned = module.wanted_creation(params(password='pw'))
    assert (planned['group'], planned['enabled'], planned['status'], planned['urn']) == ('DEFAULT', True, 'OK', None)
    assert module.wanted_creation(params(password='pw', enabled=False, group='ops'))['status'] == 'DISABLED'


def test_a_new_user_needs_a_password():
    assert 'password is required' in module.creation_refusal(params())
    assert module.creation_refusal(params(password='pw')) is None


def test_update_password_always_is_refused_for_an_existing_user_only_with_a_password():
    refusal = module.update_refusal(CURRENT, params(password='pw', update_password='always'))
    assert 'update_password=always' in refusal and 'alice' in refusal
    assert module.update_refusal(CURRENT, params(update_password='always')) is None
    assert module.update_refusal(CURRENT, params(password='pw')) is None


def test_argument_spec_hides_the_password():
    assert module.argument_spec()['password']['no_log'] is True
