"""Decisions of local users and user groups (_identity.py), and its calls against the real fake."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _identity as identity
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError

USER = {'login': 'alice', 'email': 'a@example.com', 'description': 'Alice', 'group': 'web-ops', 'enabled': True}


def user_params(**overrides):
    params = {'login': 'alice', 'email': None, 'description': None, 'group': None, 'password': None, 'state': 'present'}
    params.update(overrides)
    return params


# ---------------------------------------------------------------- users and groups


def test_user_changes_leave_unset_options_alone():
    assert identity.user_changes(USER, user_params()) == {}
    assert identity.user_changes(USER, user_params(email='b@example.com', group='web-ops')) == {'email': 'b@example.com'}


def test_user_update_body_sends_every_writable_field():
    body = identity.user_update_body(USER, {'group': 'leads'})
    assert body == {'description': 'Alice', 'email': 'a@example.com', 'group': 'leads'}


def test_user_create_body_defaults_the_group_and_holds_the_password():
    body = identity.user_create_body(user_params(email='a@example.com'), 'pw')
    assert body == {'login': 'alice', 'group': 'DEFAULT', 'email': 'a@example.com', 'password': 'pw'}


def test_user_problems_are_all_reported_at_once():
    problems = identity.user_problems(user_params(login=' a/b', email='nope', group='x/y', password='', state='present'))
    assert len(problems) == 4
    assert identity.user_problems(user_params(password='pw', state='absent')) == ['password is only used with state=present; remove it.']
    assert identity.user_problems(user_params(email='alice@example.com', group='web-ops', password='pw')) == []


def test_user_view_says_enabled_from_the_status():
    assert identity.user_from_api({'login': 'a', 'status': 'DISABLED'})['enabled'] is False
    assert identity.user_from_api({'login': 'a', 'status': 'PASSWORD_CHANGE_REQUIRED'})['enabled'] is True


def test_group_changes_and_body():
    group = {'name': 'ops', 'description': 'Ops', 'role': 'NONE'}
    assert identity.group_changes(group, {'description': None, 'role': 'NONE'}) == {}
    assert identity.group_changes(group, {'description': 'x', 'role': 'ADMIN'}) == {'description': 'x', 'role': 'ADMIN'}
    assert identity.group_update_body(group, {'role': 'ADMIN'}) == {'role': 'ADMIN', 'description': 'Ops'}


# ---------------------------------------------------------------- against the fake


def test_reads_and_writes_against_the_fake(api, fake):
    assert [group['name'] for group in identity.list_groups(api) if group['default_group']] == ['ADMIN', 'DEFAULT', 'UNPRIVILEGED']
    identity.create_group(api, {'name': 'ops', 'role': 'NONE'})
    identity.create_user(api, identity.user_create_body(user_params(group='ops'), 'Pa55word!'))
    identity.set_user_enabled(api, 'alice', False)
    user = identity.get_user(api, 'alice')
    assert (user['enabled'], user['group'], user['urn']) == (False, 'ops', 'urn:v1:eu:identity:user:%s/alice' % fake.nic)
    assert identity.get_user(api, 'nobody') is None and identity.get_group(api, 'nothing') is None
    with pytest.raises(OvhApiError) as refused:
        identity.update_group(api, 'DEFAULT', {'role': 'ADMIN'})
    assert refused.value.status == 403
    assert identity.delete_user(api, 'alice') and not identity.delete_user(api, 'alice')
