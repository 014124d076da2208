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


def test_names_and_the_caller_are_one_request_each(api, fake):
    identity.create_group(api, {'name': 'ops', 'role': 'NONE'})
    identity.create_user(api, identity.user_create_body(user_params(group='ops'), 'Pa55word!'))
    before = api.request_count
    assert identity.list_user_logins(api) == ['alice']
    assert 'ops' in identity.list_group_names(api) and 'DEFAULT' in identity.list_group_names(api)
    caller = identity.caller_details(api)
    assert caller['account'] == fake.nic and caller['identities']
    assert api.request_count - before == 4


def conflict():
    return OvhApiError('POST', '/me/identity/group', status=409, message='already exists')


def test_a_conflict_adopts_what_another_writer_created_and_other_errors_stand():
    def refused():
        raise conflict()

    assert identity.create_or_find_taken(lambda: {'name': 'ops'}, lambda: 1 / 0) == ({'name': 'ops'}, None)
    assert identity.create_or_find_taken(refused, lambda: {'name': 'ops'}) == (None, {'name': 'ops'})
    with pytest.raises(OvhApiError):
        identity.create_or_find_taken(refused, lambda: None)  # 409 but nothing to adopt

    def failed():
        raise OvhApiError('POST', '/me/identity/group', status=400)

    with pytest.raises(OvhApiError):
        identity.create_or_find_taken(failed, lambda: 1 / 0)  # not read: only a 409 says someone else made it


def test_retire_detaches_the_identity_then_deletes_it_and_check_mode_sends_nothing(api, fake):
    group = identity.create_group(api, {'name': 'ops', 'role': 'NONE'})
    api.post('/v2/iam/policy', {'name': 'ops-read', 'identities': [group['urn'], 'urn:v1:eu:identity:account:%s' % fake.nic],
                                'resources': [{'urn': 'urn:v1:eu:resource:vps:*'}],
                                'permissions': {'allow': [{'action': 'vps:apiovh:get'}]}})
    params = {'detach_policies': True, 'delete_empty_policies': False}
    writes = len([r for r in fake.requests() if r['method'] != 'GET'])

    def delete():
        return identity.delete_group(api, 'ops')

    planned = identity.retire(api, group, delete, params, True, warn=pytest.fail)
    assert [(p['name'], p['deleted']) for p in planned] == [('ops-read', False)]
    assert len([r for r in fake.requests() if r['method'] != 'GET']) == writes
    assert identity.retire(api, group, delete, params, False, warn=pytest.fail) == planned
    assert identity.get_group(api, 'ops') is None
    policy = [p for p in api.list_v2('/v2/iam/policy') if p['name'] == 'ops-read'][0]
    assert group['urn'] not in policy['identities']


def test_a_refused_delete_says_which_policies_were_already_changed(api, fake):
    group = identity.create_group(api, {'name': 'ops', 'role': 'NONE'})
    api.post('/v2/iam/policy', {'name': 'ops-read', 'identities': [group['urn'], 'urn:v1:eu:identity:account:%s' % fake.nic],
                                'resources': [{'urn': 'urn:v1:eu:resource:vps:*'}],
                                'permissions': {'allow': [{'action': 'vps:apiovh:get'}]}})

    def refused():
        raise OvhApiError('DELETE', '/me/identity/group/ops', status=403, message='group has members')

    with pytest.raises(OvhApiError) as error:
        identity.retire(api, group, refused, {'detach_policies': True, 'delete_empty_policies': False}, False,
                        warn=pytest.fail)
    assert 'group has members' in str(error.value) and 'already taken out of the policies ops-read' in str(error.value)
