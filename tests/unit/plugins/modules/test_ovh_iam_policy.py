"""The decisions of ovh_iam_policy, without HTTP: what state=present does, and which names a rename would clash with."""

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_policy as module

ROBOT = 'urn:v1:eu:identity:credential:aa1-ovh/oauth2-EU.0f0f0f0f0f0f0f0f'
DEVS = 'urn:v1:eu:identity:group:aa1-ovh/devs'
ACCOUNT = 'urn:v1:eu:resource:account:aa1-ovh'


def params(**given):
    """The module's options as Ansible hands them over: every option present, defaults applied."""
    spec = module.argument_spec()
    values = dict((name, option.get('default')) for name, option in spec.items())
    values.update(given)
    return values


def remote(**fields):
    flat = {'id': 'p1', 'name': 'web', 'description': '', 'identities': [ROBOT], 'resources': [ACCOUNT],
            'allow': ['account:apiovh:me/get'], 'except': [], 'deny': [], 'permissions_groups': [],
            'conditions': None, 'expired_at': None, 'owner': 'aa1-ovh', 'read_only': False}
    flat.update(fields)
    return flat


def test_argument_spec_has_a_purge_switch_per_list_and_no_connection_options():
    spec = module.argument_spec()
    assert all(spec['purge_' + field]['default'] is True
               for field in ('identities', 'resources', 'allow', 'except', 'deny', 'permissions_groups'))
    assert 'endpoint' not in spec and 'application_secret' not in spec


def test_a_missing_policy_is_created_with_what_the_options_give():
    action, desired = module.present_action({}, params(name='web', identities=[ROBOT], resources=[ACCOUNT],
                                                       allow=['account:apiovh:me/get']))
    assert action == 'create'
    assert (desired['name'], desired['identities'], desired['resources'], desired['allow']) == (
        'web', [ROBOT], [ACCOUNT], ['account:apiovh:me/get'])


def test_only_removing_an_identity_from_a_missing_policy_does_nothing():
    assert module.present_action({}, params(name='web', remove_identities=[ROBOT])) == ('none', {})


def test_a_policy_that_already_matches_is_left_alone():
    current = remote()
    action, desired = module.present_action(current, params(name='web', identities=[ROBOT], allow=['account:apiovh:me/get']))
    assert action == 'none' and desired['identities'] == [ROBOT]


def test_adding_without_purge_updates_and_keeps_what_is_there():
    action, desired = module.present_action(remote(), params(name='web', identities=[DEVS], purge_identities=False))
    assert action == 'update' and desired['identities'] == sorted([ROBOT, DEVS])


def test_remove_identities_wins_over_identities():
    action, desired = module.present_action(remote(), params(name='web', identities=[ROBOT, DEVS],
                                                             remove_identities=[ROBOT]))
    assert action == 'update' and desired['identities'] == [DEVS]


def test_a_rename_clashes_only_with_other_policies_of_that_name():
    current = remote()
    assert module.name_clash(current, dict(current, name='web'), [{'id': 'p2'}]) == []
    assert module.name_clash(current, dict(current, name='api'), [{'id': 'p1'}]) == []
    assert module.name_clash(current, dict(current, name='api'), [{'id': 'p3'}, {'id': 'p2'}, {'id': 'p1'}]) == ['p2', 'p3']
