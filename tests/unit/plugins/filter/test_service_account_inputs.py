"""The checks of the policy entries given to the service_account role (no HTTP): every problem at once, each naming
its entry and key."""

import datetime
import os

import pytest
import yaml

from ansible_collections.ovhcloud.iam.plugins.filter.service_account_inputs import (
    POLICY_KEYS,
    FilterModule,
    application_problems,
    policy_entry,
    policy_problems,
    service_account_applications_check,
    service_account_policies_check,
)
from tests.conftest import REPO_ROOT

ACCOUNT = 'urn:v1:eu:resource:account:xx1111-ovh'
READ = 'account:apiovh:me/get'
SUPPORTED = 'supported keys: name, description, resources, allow, except, deny, permissions_groups, conditions, expired_at'


def good(name='reader', **extra):
    return dict({'name': name, 'resources': [ACCOUNT], 'allow': [READ]}, **extra)


def test_both_filters_are_exported():
    assert set(FilterModule().filters()) == {'service_account_policies_check', 'service_account_applications_check'}


def test_right_entries_have_no_problem():
    conditions = {'operator': 'MATCH', 'values': {'request.IP.IN_RANGE': '192.0.2.0/24'}}
    writer = good('writer', description='Writes', deny=['account:apiovh:me/put'], conditions=conditions,
                  expired_at='2099-12-31T23:59:59Z', permissions_groups=None)
    admins = {'name': 'admins', 'resources': [ACCOUNT], 'permissions_groups': ['urn:v1:eu:permissionsGroup:ovh:globalAdmin']}
    entries = [good(), writer, admins]
    assert policy_problems(entries, region='eu') == []
    assert service_account_policies_check(entries) == ''
    assert service_account_policies_check([]) == '' and service_account_policies_check(None) == ''


def test_a_misspelt_key_names_the_entry_the_key_the_supported_keys_and_the_key_meant():
    problems = policy_problems([good(), {'name': 'reader2', 'resources': [ACCOUNT], 'alow': [READ]}])
    assert problems == ['service_account_policies[1] (name: reader2): unknown key alow (did you mean allow?); ' + SUPPORTED]


def test_an_unknown_key_far_from_every_supported_key_gets_no_guess():
    [problem] = policy_problems([good(colour='blue')])
    assert problem == 'service_account_policies[0] (name: reader): unknown key colour; ' + SUPPORTED


@pytest.mark.parametrize('key, value, expected', [
    ('allow', {READ: True}, 'allow must be a list of actions, not a mapping'),
    ('resources', True, 'resources must be a list of resource URNs, not a boolean'),
    ('deny', [READ, {'x': 1}], 'deny[1] must be a string (one of the actions), not a mapping'),
    ('name', ['reader'], 'name must be a string, not a list'),
    ('expired_at', ['2030-01-01'], 'expired_at must be a string, not a list'),
    ('conditions', 'not a mapping', 'conditions must be a mapping (operator, values, conditions), not a string'),
    ('conditions', [1], 'conditions must be a mapping (operator, values, conditions), not a list'),
])
def test_a_wrong_type_is_named(key, value, expected):
    _normalized, problems = policy_entry(good(**{key: value}))
    assert expected in problems


def test_values_are_read_as_ansible_reads_its_types():
    normalized, problems = policy_entry({'name': 42, 'resources': ACCOUNT, 'allow': 'a:apiovh:x/get,a:apiovh:y/get',
                                         'expired_at': datetime.date(2099, 1, 31), 'conditions': '{"operator": "AND"}'})
    assert problems == []
    assert normalized == {'name': '42', 'resources': [ACCOUNT], 'allow': ['a:apiovh:x/get', 'a:apiovh:y/get'],
                          'expired_at': '2099-01-31', 'conditions': {'operator': 'AND'}}


def test_every_problem_of_every_entry_is_named_at_once():
    problems = policy_problems([
        good(),
        {'name': 'reader2', 'resources': ['*'], 'alow': [READ]},
        'reader3',
        {'resources': [ACCOUNT], 'allow': [READ]},
        good('reader'),
        good('joined'),
        good('ovh-mine'),
        good('bare', allow=['not an action']),
        {'name': 'nothing', 'resources': [ACCOUNT]},
        good('eu', resources=['urn:v1:ca:resource:account:xx1111-ovh']),
    ], join_policies=['joined'], region='eu')
    assert problems[0] == 'service_account_policies[1] (name: reader2): unknown key alow (did you mean allow?); ' + SUPPORTED
    assert problems[1].startswith("service_account_policies[1] (name: reader2): resources: '*' is not a resource URN")
    # with a misspelt key, "needs permissions" would only repeat it
    assert not any('reader2' in p and 'needs permissions' in p for p in problems)
    assert problems[2].startswith('service_account_policies[2]: a policy is a mapping with the keys name, ')
    assert problems[3] == 'service_account_policies[3]: name is required: the policy is found by its name'
    assert problems[4] == ('service_account_policies[4] (name: reader): the name reader is also the name of '
                           'service_account_policies[0]; names find policies, so give each once')
    assert problems[5].startswith('service_account_policies[5] (name: joined): joined is also in service_account_join_policies')
    assert problems[6].startswith("service_account_policies[6] (name: ovh-mine): name: 'ovh-mine' starts with 'ovh-'")
    assert problems[7].startswith("service_account_policies[7] (name: bare): allow: 'not an action' is not an IAM action")
    assert problems[8] == ('service_account_policies[8] (name: nothing): a policy needs permissions: '
                           'give allow, deny or permissions_groups')
    assert problems[9].startswith("service_account_policies[9] (name: eu): resources: 'urn:v1:ca:resource:account:")
    assert "region 'ca' but the endpoint is in region 'eu'" in problems[9]
    assert len(problems) == 10


def test_with_state_absent_only_keys_types_and_names_matter():
    entries = [{'name': 'reader'}, {'name': 'old', 'resources': ['*'], 'alow': []}, {'name': 'ovh-x'}, {'name': 'reader'}]
    problems = policy_problems(entries, state='absent')
    assert [p.split(':')[0] for p in problems] == [
        'service_account_policies[1] (name', 'service_account_policies[2] (name', 'service_account_policies[3] (name']
    assert 'unknown key alow' in problems[0] and 'ovh-' in problems[1] and 'also the name of' in problems[2]


def test_the_message_numbers_the_problems_and_says_nothing_was_sent():
    message = service_account_policies_check([good(alow=[]), good('x', allow={})])
    assert message.startswith('2 problems in service_account_policies, so nothing was sent to OVHcloud: (1) '
                              'service_account_policies[0] (name: reader): unknown key alow')
    assert '(2) service_account_policies[1] (name: x): allow must be a list of actions, not a mapping.' in message


def test_the_region_comes_from_the_connection_options():
    entry = [good(resources=['urn:v1:ca:resource:account:xx1111-ovh'])]
    eu, ca = ({'endpoint': endpoint, 'access_token': 'token', 'config_file': None} for endpoint in ('ovh-eu', 'ovh-ca'))
    assert "region 'ca' but the endpoint is in region 'eu'" in service_account_policies_check(entry, api=eu)
    assert service_account_policies_check(entry, api=ca) == ''
    assert service_account_policies_check(entry, state='absent', api=eu) == ''
    # connection options that do not resolve leave the region to the API tasks, which report them
    assert service_account_policies_check(entry, api={'endpoint': 'no-such-endpoint'}) == ''


def test_a_list_is_required():
    assert policy_problems({'name': 'reader'}) == ['service_account_policies must be a list of policies (mappings), not a mapping']


def test_applications_name_the_application_and_the_policy_entry():
    problems = application_problems([
        {'name': 'app-a', 'policies': [good('app-a-read', alow=[])]},
        {'name': 'app-b', 'polices': []},
        {'description': 'no name'},
        'app-d',
        {'name': 'app-e', 'state': 'absent', 'policies': [{'name': 'app-e-read'}]},
    ])
    assert problems == [
        'service_account_applications[0] (name: app-a) policies[0] (name: app-a-read): unknown key alow '
        '(did you mean allow?); ' + SUPPORTED,
        'service_account_applications[1] (name: app-b): unknown key polices (did you mean policies?); supported keys: '
        'name, description, state, policies, credentials_path, credentials_owner, credentials_group, credentials_mode',
        'service_account_applications[2]: name is required: the service account is found by its name',
        'service_account_applications[3]: an application is a mapping with the keys name, description, state, policies, '
        'credentials_path, credentials_owner, credentials_group, credentials_mode, not a string',
    ]
    assert service_account_applications_check([{'name': 'app-a', 'policies': [good()]}]) == ''
    assert service_account_applications_check([{'name': 'app-a', 'policies': 'x'}]).startswith(
        '1 problem in service_account_applications, so nothing was sent to OVHcloud: (1) service_account_applications[0] '
        '(name: app-a) policies must be a list of policies (mappings), not a string.')


def test_the_role_documents_every_key_and_leaves_the_entries_to_the_filter():
    with open(os.path.join(REPO_ROOT, 'roles', 'service_account', 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        spec = yaml.safe_load(handle)['argument_specs']['main']['options']['service_account_policies']
    assert 'options' not in spec and spec['type'] == 'list' and spec['elements'] == 'dict'
    documented = ' '.join(spec['description'])
    assert all('C(%s) (' % key in documented for key in POLICY_KEYS)
    with open(os.path.join(REPO_ROOT, 'docs', 'role-service-account.md'), encoding='utf-8') as handle:
        guide = handle.read()
    row = [line for line in guide.splitlines() if line.startswith('| `policies` |')][0]
    assert all('`%s`' % key in row for key in POLICY_KEYS)
