"""Input checks made before any API call: each bad item is named, good ones pass."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _iam_validate as validate


# Every subject/operator pair of OVHcloud's Control Panel (ovh/manager conditionType.constants.js), with a value of its kind.
CONTROL_PANEL_KEYS = [
    ('resource.Tag(environment).EQ', 'prod'), ('resource.Tag(environment).STARTS_WITH', 'pr'),
    ('resource.Tag(environment).ENDS_WITH', 'od'),
    ('resource.Name.EQ', 'vps-1.vps.ovh.net'), ('resource.Name.STARTS_WITH', 'vps-'), ('resource.Name.ENDS_WITH', '.net'),
    ('resource.Name.IN', 'a,b'),
    ('resource.Type.EQ', 'vps'), ('resource.Type.STARTS_WITH', 'v'), ('resource.Type.ENDS_WITH', 's'), ('resource.Type.IN', 'vps,dnsZone'),
    ('request.IP.EQ', '192.0.2.10'), ('request.IP.IN_RANGE', '10.23.0.0/16'), ('request.IP.IN_RANGE', '10.23.0.0/16,2001:db8::/32'),
    ('date(Europe/Paris).Date.EQ', '2026-12-31'), ('date(Europe/Paris).Date.IN', '2026-12-24,2026-12-31'),
    ('date(UTC).Date.BEFORE', '2027-01-01'), ('date(UTC).Date.AFTER', '2026-01-01'),
] + [('date(America/New_York).%s.%s' % (field, operator), value)
     for field, value in (('WeekDay', 'Monday'), ('Hour', '9'))
     for operator in ('EQ', 'BEFORE', 'AFTER', 'GE', 'GT', 'LE', 'LT', 'IN')] + [
    ('date(Europe/Paris).WeekDay.IN', 'Monday,Tuesday,Wednesday,Thursday,Friday'), ('date(UTC).Hour.IN', '9,10,11'),
    ('date(Europe/Paris).WeekDay.In', 'monday'),  # OVHcloud's guides write the operator in any case
    ('request.IP', '192.0.2.1'),  # no operator: EQ
]


@pytest.mark.parametrize('key, value', CONTROL_PANEL_KEYS)
def test_every_key_the_control_panel_writes_is_accepted(key, value):
    assert validate.condition_problems('conditions', {'operator': 'MATCH', 'values': {key: value}}) == []


@pytest.mark.parametrize('key', ['date(Europe/Paris).Weekday', 'Request.IP', 'resource.tag(env)', 'request.IP.LIKE', 'ip'])
def test_condition_keys_refused_with_the_key_named(key):
    problems = validate.condition_problems('conditions', {'operator': 'MATCH', 'values': {key: 'x'}})
    assert len(problems) == 1 and repr(key) in problems[0]


@pytest.mark.parametrize('key, value, fragment', [
    ('request.IP.IN', '10.0.0.0/8', 'a CIDR goes with request.IP.IN_RANGE'),
    ('request.IP.EQ', '10.0.0.0/8', 'not one IP address'),
    ('request.IP.IN_RANGE', '10.0.0.300/8', 'not an IP address or CIDR'),
    ('resource.Tag(env).IN', 'a', 'takes the operators EQ, STARTS_WITH, ENDS_WITH'),
    ('resource.Name.GE', 'a', 'takes the operators'),
    ('date(Mars/Olympus).Hour.EQ', '9', 'not an IANA time zone'),
    ('date(UTC).Hour.GE', '24', 'not an hour from 0 to 23'),
    ('date(UTC).WeekDay.EQ', 'Funday', 'not a week day'),
    ('date(UTC).Date.EQ', '31/12/2026', 'not a date'),
    ('date(UTC).Date.GE', '2026-12-31', 'takes the operators EQ, IN, BEFORE, AFTER'),
    ('resource.Name.EQ', '', 'empty value'),
])
def test_values_are_checked_per_operator(key, value, fragment):
    problems = validate.condition_problems('conditions', {'operator': 'MATCH', 'values': {key: value}})
    assert len(problems) == 1 and fragment in problems[0], problems


@pytest.mark.parametrize('tree', [{'operator': 'AND', 'conditions': []}, {'operator': 'AND'}, {'operator': 'OR', 'conditions': []}])
def test_an_empty_group_is_no_condition_not_an_error(tree):
    assert validate.condition_problems('conditions', tree) == []


def test_match_is_terminal():
    problems = validate.condition_problems('conditions', {'operator': 'MATCH', 'values': {'request.IP.EQ': '192.0.2.1'},
                                                          'conditions': [{'operator': 'MATCH', 'values': {'request.IP.EQ': '192.0.2.2'}}]})
    assert problems == ['conditions: a MATCH condition takes values, not nested conditions']


def test_every_bad_node_of_a_deep_tree_is_reported_with_its_path():
    tree = {'operator': 'AND', 'conditions': [
        {'operator': 'OR', 'conditions': [{'operator': 'MATCH'}, {'operator': 'XOR', 'values': {'request.IP': '192.0.2.1'}}]},
        {'operator': 'NOT', 'conditions': []}]}
    problems = validate.condition_problems('conditions', tree)
    assert any(p.startswith('conditions.conditions[0].conditions[0]: a MATCH condition needs values') for p in problems)
    assert any(p.startswith("conditions.conditions[0].conditions[1].operator: 'XOR'") for p in problems)
    assert any(p.startswith('conditions.conditions[1]: a NOT condition negates exactly one') for p in problems)


@pytest.mark.parametrize('value, expected', [
    ('2026-12-31', '2026-12-31T00:00:00Z'),
    ('2026-12-31T23:59:59Z', '2026-12-31T23:59:59Z'),
    ('2026-12-31T10:00:00+02:00', '2026-12-31T08:00:00Z'),
    ('2026-12-31T10:00:00.123456-0130', '2026-12-31T11:30:00Z'),
    ('31/12/2026', None),
    ('2026-02-30', None),
])
def test_dates_normalised_to_utc(value, expected):
    assert validate.normalize_datetime(value) == expected


def test_star_resource_gets_told_what_to_write():
    (problem,) = validate.resource_problems('resources', ['*'])
    assert 'INVALID_RESOURCE_URN' in problem and 'urn:v1:eu:resource:account:' in problem


@pytest.mark.parametrize('action', ['*', 'account:apiovh:*', 'webHosting:*', '*:apiovh:*', 'dnsZone:apiovh:record/*',
                                    'publicCloudProject:openstack:infrastructureSupervisor', '*get', '*/get',
                                    'vps:apiovh:*/get'])
def test_actions_accepted(action):
    assert validate.action_problems('allow', [action]) == []


@pytest.mark.parametrize('action', ['vps', 'reboot vps', 'urn:v1:eu:resource:vps:x', '', 'a:b:c:d', 'account:apiovh', 'a::*', '* get'])
def test_actions_refused(action):
    assert len(validate.action_problems('allow', [action])) == 1


CATALOGUE = {'account:apiovh:me/bill/get', 'account:apiovh:me/api/oauth2/client/get', 'account:apiovh:me/api/oauth2/client/create',
             'vps:apiovh:reboot'}


@pytest.mark.parametrize('action, suggestion', [
    ('account:apivoh:me/bill/get', 'account:apiovh:me/bill/get'),
    ('account:apiovh:me/api/oauth2/clinet/get', 'account:apiovh:me/api/oauth2/client/get'),
    ('account:apiovh:me/api/oauth2/client/GET', 'account:apiovh:me/api/oauth2/client/get'),
])
def test_unknown_actions_are_refused_with_the_closest_known_one(action, suggestion):
    (problem,) = validate.unknown_action_problems('allow', [action], CATALOGUE)
    assert problem.startswith("allow: %r is not in OVHcloud's action catalogue (did you mean %r" % (action, suggestion))
    assert 'validate_actions: false' in problem


def test_known_actions_and_matching_wildcards_pass_and_unmatched_wildcards_do_not():
    assert validate.unknown_action_problems('allow', ['vps:apiovh:reboot', 'account:apiovh:me/*', '*get', '*'], CATALOGUE) == []
    (problem,) = validate.unknown_action_problems('deny', ['account:apiovh:nothing*'], CATALOGUE)
    assert 'matches no action' in problem
    (problem,) = validate.unknown_action_problems('allow', ['dedicatedServer:apiovh:reboot'], CATALOGUE)
    assert "no action for the resource type 'dedicatedServer'" in problem


@pytest.mark.parametrize('name, pattern, fragment', [
    ('', False, 'must not be empty'), ('  ', False, 'must not be empty'), ('a\x00b', False, 'control character'),
    ('tab\there', False, 'control character'), ('with space', True, 'INVALID_FORMAT'), ('dots.in.name', True, 'INVALID_FORMAT'),
])
def test_names_that_are_surely_mistakes(name, pattern, fragment):
    (problem,) = validate.name_problems('name', name, validate.ENTITY_NAME_RE if pattern else None)
    assert fragment in problem


def test_control_panel_names_pass():
    assert validate.name_problems('name', 'ci-deployer/eu_1+x', validate.ENTITY_NAME_RE) == []
    assert validate.name_problems('name', 'with space') == []  # only a name about to be written gets the format check


def test_urns_of_another_region():
    (problem,) = validate.region_mismatch_problems('eu', [('resources', ['urn:v1:ca:resource:vps:*', 'urn:v1:eu:resource:vps:*'])])
    assert "region 'ca' but the endpoint is in region 'eu'" in problem
    (problem,) = validate.region_mismatch_problems(None, [('identities', ['urn:v1:ca:identity:account:x']),
                                                          ('resources', ['urn:v1:eu:resource:vps:*'])])
    assert 'mix the regions ca, eu' in problem
    assert validate.region_mismatch_problems(None, [('resources', ['urn:v1:ca:resource:vps:*'])]) == []


def test_past_expiry_is_refused():
    import datetime
    now = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
    (problem,) = validate.past_expiry_problems('expired_at', '2026-06-01T01:00:00+02:00', now)
    assert 'already past' in problem
    assert validate.past_expiry_problems('expired_at', '2026-06-01T01:00:00+00:00', now) == []


def test_name_problems():
    assert validate.name_problems('name', None) == []
    assert validate.name_problems('name', 'x') == []
    assert validate.name_problems('name', '  ') == ['name: must not be empty']
