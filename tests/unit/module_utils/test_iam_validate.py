"""Input checks made before any API call: each bad item is named, good ones pass."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _iam_validate as validate


@pytest.mark.parametrize('key', ['date(Europe/Paris).WeekDay.In', 'date(UTC).Hour.GE', 'request.IP.IN', 'request.IP',
                                 'resource.Tag(environment)', 'date(America/New_York).Date.before'])
def test_condition_keys_accepted(key):
    assert validate.condition_problems('conditions', {'operator': 'MATCH', 'values': {key: 'x'}}) == []


@pytest.mark.parametrize('key', ['date(Europe/Paris).Weekday', 'Request.IP', 'resource.tag(env)', 'request.IP.LIKE', 'ip'])
def test_condition_keys_refused_with_the_key_named(key):
    problems = validate.condition_problems('conditions', {'operator': 'MATCH', 'values': {key: 'x'}})
    assert len(problems) == 1 and repr(key) in problems[0]


def test_every_bad_node_of_a_deep_tree_is_reported_with_its_path():
    tree = {'operator': 'AND', 'conditions': [
        {'operator': 'OR', 'conditions': [{'operator': 'MATCH'}, {'operator': 'XOR', 'values': {'request.IP': '1'}}]},
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
                                    'publicCloudProject:openstack:infrastructureSupervisor'])
def test_actions_accepted(action):
    assert validate.action_problems('allow', [action]) == []


@pytest.mark.parametrize('action', ['vps', 'reboot vps', 'urn:v1:eu:resource:vps:x', '', 'a:b:c:d'])
def test_actions_refused(action):
    assert len(validate.action_problems('allow', [action])) == 1
