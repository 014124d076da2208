"""The offline IAM evaluator (module_utils/_iam_access.py), audit and report (_iam_audit.py): one test per rule."""

import datetime

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_access import (
    ALLOWED,
    DENIED,
    DEPENDS,
    Account,
    condition_holds,
    explain,
    grants,
    parse_condition_key,
    parse_instant,
    pattern_match,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_audit import Audit, counts, markdown_report, mermaid
from tests.ovh_fake import conditions as fake_conditions

ME = 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0123456789abcdef'
OTHER = 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.fedcba9876543210'
GROUP = 'urn:v1:eu:identity:group:xx1111-ovh/ops'
ACCOUNT = 'urn:v1:eu:resource:account:xx1111-ovh'
VPS1 = 'urn:v1:eu:resource:vps:vps-1.vps.ovh.net'
VPS2 = 'urn:v1:eu:resource:vps:vps-2.vps.ovh.net'
RG = 'urn:v1:eu:resourceGroup:6d0a0b5e-3a55-4e8e-8c2e-63d5d0f7f1aa'
PG = 'urn:v1:eu:permissionsGroup:xx1111-ovh:vps-ops'
MONDAY_9_UTC = datetime.datetime(2030, 1, 7, 9, 30, tzinfo=datetime.timezone.utc).timestamp()
RESOURCES = [
    {'urn': ACCOUNT, 'name': 'xx1111-ovh', 'type': 'account', 'tags': {}},
    {'urn': VPS1, 'name': 'vps-1.vps.ovh.net', 'type': 'vps', 'tags': {'environment': 'production'}},
    {'urn': VPS2, 'name': 'vps-2.vps.ovh.net', 'type': 'vps', 'tags': {'environment': 'staging'}},
]


def policy(name, resources, allow=(), excepted=(), deny=(), groups=(), identities=(ME,), conditions=None, expired_at=None,
           read_only=False):
    return {'id': 'id-' + name, 'name': name, 'identities': list(identities), 'resources': [{'urn': urn} for urn in resources],
            'permissions': {'allow': [{'action': a} for a in allow], 'except': [{'action': a} for a in excepted],
                            'deny': [{'action': a} for a in deny]},
            'permissionsGroups': [{'urn': urn} for urn in groups], 'conditions': conditions, 'expiredAt': expired_at,
            'readOnly': read_only}


def account(*policies, permissions_groups=(), resource_groups=()):
    return Account(policies, permissions_groups, resource_groups, RESOURCES)


def decide(acct, action, urn=ACCOUNT, identities=(ME,), now=MONDAY_9_UTC, ip=None):
    return explain(acct, list(identities), urn, action, now, ip)


def match(key, value):
    return {'operator': 'AND', 'conditions': [{'operator': 'MATCH', 'values': {key: value}}]}


# ---------------------------------------------------------------------------- the rules


def test_nothing_is_allowed_without_a_policy():
    answer = decide(account(), 'account:apiovh:me/get')
    assert (answer['decision'], answer['allowed'], answer['reason']) == (DENIED, False, 'not granted: no policy allows it')


def test_allow_grants_and_names_the_policy():
    answer = decide(account(policy('p', [ACCOUNT], allow=['account:apiovh:me/get'])), 'account:apiovh:me/get')
    assert answer['allowed'] and answer['decision'] == ALLOWED
    assert [(e['policy'], e['pattern'], e['resource_pattern']) for e in answer['allowed_by']] == [('p', 'account:apiovh:me/get', ACCOUNT)]


def test_a_policy_of_another_identity_or_resource_does_not_apply():
    acct = account(policy('p', [VPS1], allow=['*']), policy('q', [ACCOUNT], allow=['*'], identities=[OTHER]))
    assert not decide(acct, 'account:apiovh:me/get')['allowed']


def test_except_takes_out_of_its_own_allow():
    acct = account(policy('p', [ACCOUNT], allow=['account:apiovh:*'], excepted=['account:apiovh:iam/*']))
    answer = decide(acct, 'account:apiovh:iam/policy/get')
    assert answer['decision'] == DENIED and answer['excepted_by'][0]['except_pattern'] == 'account:apiovh:iam/*'
    assert decide(acct, 'account:apiovh:me/get')['allowed']


def test_except_does_not_reach_into_a_linked_permissions_group():
    group = {'urn': PG, 'permissions': {'allow': [{'action': 'vps:apiovh:*'}]}}
    acct = account(policy('p', [VPS1], allow=['vps:apiovh:get'], excepted=['vps:apiovh:reboot'], groups=[PG]),
                   permissions_groups=[group])
    answer = decide(acct, 'vps:apiovh:reboot', VPS1)
    assert answer['allowed'] and answer['allowed_by'][0]['permissions_group'] == PG
    assert [(e['policy'], e['except_pattern']) for e in answer['inert_excepts']] == [('p', 'vps:apiovh:reboot')]
    assert "the except 'vps:apiovh:reboot' of policy 'p' does not apply" in answer['reason']


def test_a_permissions_group_except_stays_in_the_group():
    group = {'urn': PG, 'permissions': {'allow': [{'action': 'vps:apiovh:*'}], 'except': [{'action': 'vps:apiovh:reboot'}]}}
    acct = account(policy('p', [VPS1], allow=['vps:apiovh:reboot'], groups=[PG]), permissions_groups=[group])
    answer = decide(acct, 'vps:apiovh:reboot', VPS1)
    assert answer['allowed']
    assert [e['permissions_group'] for e in answer['allowed_by']] == [None]
    assert [e['permissions_group'] for e in answer['excepted_by']] == [PG]


def test_deny_beats_allow_across_policies_and_groups():
    group = {'urn': PG, 'permissions': {'deny': [{'action': 'vps:apiovh:rebuild'}]}}
    acct = account(policy('admin', [VPS1], allow=['*']), policy('guard', ['urn:v1:eu:resource:vps:*'], groups=[PG]),
                   permissions_groups=[group])
    answer = decide(acct, 'vps:apiovh:rebuild', VPS1)
    assert answer['decision'] == DENIED and 'deny beats allow' in answer['reason']
    assert answer['denied_by'][0]['permissions_group'] == PG and answer['allowed_by'][0]['policy'] == 'admin'


@pytest.mark.parametrize('pattern, action, expected', [
    ('*', 'vps:apiovh:reboot', True),
    ('*get', 'account:apiovh:me/get', True),
    ('*get', 'account:apiovh:me/edit', False),
    ('vps:apiovh:*', 'vps:apiovh:snapshot/create', True),
    ('vps:apiovh:*', 'dnsZone:apiovh:get', False),
    ('account:apiovh:me/api/oauth2/client/get', 'account:apiovh:me/api/oauth2/client/get', True),
    ('account:apiovh:me/get', 'account:apiovh:me/getx', False),
])
def test_action_wildcards_at_the_start_or_the_end(pattern, action, expected):
    assert pattern_match(pattern, action) is expected
    assert decide(account(policy('p', [ACCOUNT, VPS1], allow=[pattern])), action,
                  VPS1 if action.startswith('vps') else ACCOUNT)['allowed'] is expected


def test_resource_patterns_and_resource_groups_cover_their_members():
    group = {'urn': RG, 'name': 'web', 'resources': [{'urn': VPS1}]}
    by_pattern = policy('by-pattern', ['urn:v1:eu:resource:vps:vps-2*'], allow=['vps:apiovh:stop'])
    acct = account(policy('by-group', [RG], allow=['vps:apiovh:get']), by_pattern, resource_groups=[group])
    answer = decide(acct, 'vps:apiovh:get', VPS1)
    assert answer['allowed'] and answer['allowed_by'][0]['resource_group'] == 'web'
    assert not decide(acct, 'vps:apiovh:get', VPS2)['allowed']
    assert decide(acct, 'vps:apiovh:stop', VPS2)['allowed'] and not decide(acct, 'vps:apiovh:stop', VPS1)['allowed']


def test_expired_policies_are_ignored_and_said_so():
    acct = account(policy('old', [ACCOUNT], allow=['*'], expired_at='2030-01-07T09:00:00Z'),
                   policy('future', [ACCOUNT], allow=['account:apiovh:me/get'], expired_at='2030-01-07T10:00:00+00:00'))
    gone = decide(acct, 'account:apiovh:iam/policy/get')
    assert not gone['allowed'] and gone['ignored'][0]['name'] == 'old' and 'expired' in gone['reason']
    assert decide(acct, 'account:apiovh:me/get')['allowed']


def test_a_user_is_covered_by_its_group():
    user = 'urn:v1:eu:identity:user:xx1111-ovh/alice'
    acct = account(policy('ops', [ACCOUNT], allow=['account:apiovh:me/get'], identities=[GROUP]))
    assert not decide(acct, 'account:apiovh:me/get', identities=[user])['allowed']
    assert decide(acct, 'account:apiovh:me/get', identities=[user, GROUP])['allowed']


def test_identity_wildcards_match():
    acct = account(policy('all-credentials', [ACCOUNT], allow=['*'], identities=['urn:v1:eu:identity:credential:xx1111-ovh/*']))
    assert decide(acct, 'account:apiovh:me/get')['allowed']


# ---------------------------------------------------------------------------- conditions


@pytest.mark.parametrize('key, value, expected', [
    ('request.IP.IN_RANGE', '10.0.0.0/8, 192.168.0.0/16', True),
    ('request.IP.IN_RANGE', '172.16.0.0/12', False),
    ('request.IP.EQ', '10.1.2.3', True),
    ('date(UTC).WeekDay.EQ', 'monday', True),
    ('date(UTC).WeekDay.IN', 'saturday,sunday', False),
    ('date(UTC).WeekDay.LE', 'friday', True),
    ('date(UTC).Hour.GE', '9', True),
    ('date(UTC).Hour.LT', '9', False),
    ('date(UTC).Hour.IN', '8,9,10', True),
    ('date(Europe/Paris).Hour.EQ', '10', True),
    ('date(UTC).Date.EQ', '2030-01-07', True),
    ('date(UTC).Date.BEFORE', '2030-01-07', False),
    ('date(UTC).Date.AFTER', '2029-12-31', True),
    ('resource.Tag(environment).EQ', 'production', True),
    ('resource.Tag(environment).STARTS_WITH', 'prod', True),
    ('resource.Tag(team).EQ', 'web', False),
    ('resource.Name.ENDS_WITH', '.vps.ovh.net', True),
    ('resource.Name.IN', 'vps-2.vps.ovh.net,vps-3.vps.ovh.net', False),
    ('resource.Type.EQ', 'vps', True),
    ('resource.Type', 'vps', True),  # no operator: EQ
])
def test_conditions_agree_with_the_fake(key, value, expected):
    context = {'now': MONDAY_9_UTC, 'ip': '10.1.2.3', 'resource': RESOURCES[1]}
    tree = match(key, value)
    assert condition_holds(tree, context) is expected
    assert fake_conditions.holds(tree, context) is expected  # the fake that enforces IAM says the same


def test_condition_operators_and_or_not():
    context = {'now': MONDAY_9_UTC, 'ip': '10.1.2.3', 'resource': RESOURCES[1]}
    yes, no = {'request.IP.EQ': '10.1.2.3'}, {'request.IP.EQ': '10.9.9.9'}
    both = [{'operator': 'MATCH', 'values': no}, {'operator': 'MATCH', 'values': yes}]
    assert condition_holds({'operator': 'OR', 'conditions': both}, context) is True
    assert condition_holds({'operator': 'AND', 'conditions': both}, context) is False
    assert condition_holds({'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': yes}]}, context) is False
    assert condition_holds({'operator': 'AND', 'conditions': []}, context) is True  # the Control Panel's empty AND
    assert condition_holds(None, context) is True


def test_undecidable_conditions_make_the_answer_depend():
    acct = account(policy('office', [ACCOUNT], allow=['account:apiovh:me/get'], conditions=match('request.IP.IN_RANGE', '10.0.0.0/8')))
    unknown = decide(acct, 'account:apiovh:me/get')
    assert unknown['decision'] == DEPENDS and not unknown['allowed'] and unknown['allowed_by'][0]['conditions_hold'] is None
    assert decide(acct, 'account:apiovh:me/get', ip='10.0.0.1')['decision'] == ALLOWED
    assert decide(acct, 'account:apiovh:me/get', ip='192.0.2.1')['decision'] == DENIED
    # NOT of an unknown is unknown; OR with a known true is true
    assert condition_holds({'operator': 'NOT', 'conditions': [match('request.IP.EQ', '10.0.0.1')]}, {'now': 0}) is None
    assert condition_holds({'operator': 'OR', 'conditions': [match('request.IP.EQ', '10.0.0.1'), match('date(UTC).Date.AFTER', '1960-01-01')]},
                           {'now': 0}) is True


def test_an_undecidable_deny_makes_an_allow_depend():
    acct = account(policy('all', [ACCOUNT], allow=['*']),
                   policy('not-from-outside', [ACCOUNT], deny=['*'],
                          conditions={'operator': 'NOT', 'conditions': [match('request.IP.IN_RANGE', '10.0.0.0/8')]}))
    assert decide(acct, 'account:apiovh:me/get')['decision'] == DEPENDS
    assert decide(acct, 'account:apiovh:me/get', ip='10.2.2.2')['decision'] == ALLOWED
    assert decide(acct, 'account:apiovh:me/get', ip='8.8.8.8')['decision'] == DENIED


def test_condition_keys_parse_like_the_control_panel_writes_them():
    assert parse_condition_key('resource.Tag(env).STARTS_WITH') == ('resource.Tag', 'STARTS_WITH', 'env')
    assert parse_condition_key('date(Europe/Paris).WeekDay.In') == ('WeekDay', 'IN', 'Europe/Paris')
    assert parse_condition_key('request.IP') == ('request.IP', 'EQ', None)
    assert parse_condition_key('request.IP.IN') is None  # not an operator of IPs
    assert parse_condition_key('resource.Colour.EQ') is None


def test_instants_compare_across_offsets_and_fractions():
    assert parse_instant('2030-01-07T10:30:00+01:00') == MONDAY_9_UTC
    assert parse_instant('2030-01-07T09:30:00.5Z') == MONDAY_9_UTC + 0.5
    assert parse_instant('soon') is None and parse_instant(None) is None


# ---------------------------------------------------------------------------- everything an identity can do


def test_grants_list_every_resource_with_its_permission_sets_and_concrete_actions():
    catalogue = [{'action': a, 'resourceType': 'vps'} for a in ('vps:apiovh:get', 'vps:apiovh:reboot', 'vps:apiovh:rebuild')]
    acct = account(policy('ops', ['urn:v1:eu:resource:vps:*'], allow=['vps:apiovh:*'], excepted=['vps:apiovh:reboot']),
                   policy('guard', ['urn:v1:eu:resource:vps:*'], deny=['vps:apiovh:rebuild'],
                          conditions=match('resource.Tag(environment).EQ', 'production')),
                   policy('old', [ACCOUNT], allow=['*'], expired_at='2000-01-01T00:00:00Z'))
    rows = {row['resource']: row for row in grants(acct, [ME], MONDAY_9_UTC, catalogue=catalogue)}
    assert set(rows) == {'urn:v1:eu:resource:vps:*', VPS1, VPS2}  # the expired policy's account is not there
    assert rows[VPS1]['actions'] == ['vps:apiovh:get'] and rows[VPS2]['actions'] == ['vps:apiovh:get', 'vps:apiovh:rebuild']
    assert rows[VPS2]['policies'] == ['ops'] and rows[VPS1]['policies'] == ['guard', 'ops']
    assert rows[VPS1]['permission_sets'][0]['except'] == ['vps:apiovh:reboot']


# ---------------------------------------------------------------------------- audit

def client(name, client_id):
    return {'name': name, 'client_id': client_id, 'identity': 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-' + client_id}


def test_audit_finds_each_kind_of_problem():
    clients = [client('app', 'EU.0123456789abcdef'), client('twin', 'EU.fedcba9876543210'), client('idle', 'EU.1111111111111111')]
    twin_rights = dict(resources=[VPS1], allow=['vps:apiovh:get'])
    policies = [
        policy('ovh-default', [RG], allow=['*'], identities=['urn:v1:eu:identity:account:xx1111-ovh'], read_only=True),
        policy('app', identities=[clients[0]['identity']], **twin_rights),
        policy('twin', identities=[clients[1]['identity']], **twin_rights),
        policy('god', ['urn:v1:eu:resource:*'], allow=['*'], identities=[clients[0]['identity']]),
        policy('gone', [ACCOUNT], allow=['account:apiovh:me/get'],
               identities=['urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.9999999999999999',
                           'urn:v1:eu:identity:user:xx1111-ovh/bob']),
        policy('stale', [ACCOUNT], allow=['account:apiovh:me/get'], identities=[clients[0]['identity']], expired_at='2020-01-01T00:00:00Z'),
        policy('typo', [VPS1], allow=['vps:apiovh:reboto', 'vps:apiovh:snap*'], identities=[clients[1]['identity']]),
    ]
    catalogue = [{'action': 'vps:apiovh:get'}, {'action': 'vps:apiovh:reboot'}, {'action': 'account:apiovh:me/get'}]
    audit = Audit(policies, clients, catalogue, MONDAY_9_UTC, resource_groups=[{'urn': RG, 'readOnly': True, 'name': 'ovh-default'}],
                  users=[{'login': 'alice'}], groups=[])
    found = {(item['code'], item['severity']): item for item in audit.findings()}
    assert set(found) == {('full_access', 'high'), ('orphan_identity', 'medium'), ('unknown_action', 'medium'),
                          ('unused_service_account', 'low'), ('expired_policy', 'low')}
    assert [item['code'] for item in audit.findings()][0] == 'full_access'
    assert found[('full_access', 'high')]['objects'] == [{'kind': 'policy', 'name': 'god', 'id': 'id-god'}]
    orphans = [item for item in audit.findings() if item['code'] == 'orphan_identity']
    assert sorted(item['objects'][1]['name'] for item in orphans) == [
        'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.9999999999999999', 'urn:v1:eu:identity:user:xx1111-ovh/bob']
    assert "'vps:apiovh:reboto', " not in found[('unknown_action', 'medium')]['message']
    assert 'vps:apiovh:reboto, vps:apiovh:snap*' in found[('unknown_action', 'medium')]['message']
    assert found[('unused_service_account', 'low')]['objects'][0]['name'] == 'idle'
    # app also holds 'god', so no identical rights yet; without it the two are twins
    twins = Audit(policies[:3], clients, catalogue, MONDAY_9_UTC).findings()
    identical = [item for item in twins if item['code'] == 'identical_rights']
    assert [sorted(obj['name'] for obj in item['objects']) for item in identical] == [['app', 'twin']]
    assert counts(audit.findings())['high'] == 1 and counts(audit.findings())['low'] == len(audit.findings())


def test_audit_does_not_fault_ovhcloud_policies_nor_a_clean_account():
    clients = [client('app', 'EU.0123456789abcdef')]
    policies = [policy('ovh-default', [RG], allow=['*'], identities=['urn:v1:eu:identity:account:xx1111-ovh'], read_only=True),
                policy('app', [VPS1], allow=['vps:apiovh:get'], identities=[clients[0]['identity']])]
    assert Audit(policies, clients, [{'action': 'vps:apiovh:get'}], MONDAY_9_UTC).findings() == []


def test_account_wide_resources_count_as_full_access():
    for resource in (ACCOUNT, 'urn:v1:eu:resourceGroup:*', RG):
        policies = [policy('wide', [resource], allow=['*'])]
        codes = [item['code'] for item in Audit(policies, [], [], 0, resource_groups=[{'urn': RG, 'readOnly': True}]).findings()]
        assert 'full_access' in codes, resource
    assert Audit([policy('narrow', [VPS1], allow=['*'])], [client('me', 'EU.0123456789abcdef')], [], 0).findings() == []


# ---------------------------------------------------------------------------- report


def test_the_report_is_markdown_with_a_mermaid_graph_highlighting_findings():
    clients = [client('app "quoted" <x>', 'EU.0123456789abcdef')]
    policies = [policy('god|mode', ['urn:v1:eu:resource:*'], allow=['*'], identities=[clients[0]['identity']])]
    findings = Audit(policies, clients, [], 0).findings()
    report = markdown_report(findings, policies, clients, generated_at='2030-01-07T09:30:00Z')
    assert report.startswith('# OVHcloud IAM audit\n')
    assert '| high | 1 |' in report and 'god\\|mode' in report
    graph = report.split('```mermaid\n', 1)[1].split('```', 1)[0]
    assert graph.startswith('flowchart LR\n')
    assert 'service account app #quot;quoted#quot; #lt;x#gt;' in graph and '"quoted"' not in graph
    lines = graph.splitlines()
    assert '  n1 --> n0' in lines and '  n0 --> n2' in lines  # identity -> policy -> resource
    assert '  class n0 high' in lines and any(line.startswith('  classDef high ') for line in lines)


def test_the_graph_shows_service_accounts_without_policies():
    graph = mermaid([], [client('idle', 'EU.1111111111111111')], [{'severity': 'low', 'objects': [
        {'kind': 'service_account', 'name': 'idle', 'id': 'EU.1111111111111111'}]}])
    assert graph.splitlines() == ['flowchart LR', '  n0["service account idle"]', '  classDef low fill:#e2e3e5,stroke:#41464b,stroke-dasharray:4 2',
                                  '  class n0 low']
