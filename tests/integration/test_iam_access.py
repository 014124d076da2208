"""Who can do what: ovh_iam_access_info's offline answers against what the fake really lets each identity do.

For hand-built accounts (allow, except, deny, permissions groups, resource groups, wildcards, expiry, conditions),
the owner asks the module about each service account; then each service account makes the calls itself and the
fake answers 200 (or a 4xx past IAM) or 403. On the account resource every IAM action of a route is probed with a
real call; on other resources (VPS) the fake's authorization-check route answers with the evaluator that enforces
IAM. ovh_iam_caller_info, run with each service account's own credentials, must agree with both.
"""

import datetime
import time

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import OvhClient, escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError
from tests.ansible_runner import run_playbook
from tests.playbooks import play

SOURCE_IP = '10.1.2.3'
MISSING_ID = '00000000-0000-4000-8000-000000000000'
# IAM action of a route -> a call that reaches it (a body or id the handler refuses past IAM is fine: only 403 is IAM's).
PROBES = {
    'account:apiovh:me/get': ('GET', '/me', None),
    'account:apiovh:me/api/oauth2/client/get': ('GET', '/me/api/oauth2/client', None),
    'account:apiovh:me/api/oauth2/client/create': ('POST', '/me/api/oauth2/client', {}),
    'account:apiovh:me/api/oauth2/client/edit': ('PUT', '/me/api/oauth2/client/EU.0000000000000000', {}),
    'account:apiovh:me/api/oauth2/client/delete': ('DELETE', '/me/api/oauth2/client/EU.0000000000000000', None),
    'account:apiovh:iam/policy/get': ('GET', '/v2/iam/policy', None),
    'account:apiovh:iam/policy/create': ('POST', '/v2/iam/policy', {}),
    'account:apiovh:iam/policy/edit': ('PUT', '/v2/iam/policy/' + MISSING_ID, {}),
    'account:apiovh:iam/policy/delete': ('DELETE', '/v2/iam/policy/' + MISSING_ID, None),
    'account:apiovh:iam/permissionsGroup/get': ('GET', '/v2/iam/permissionsGroup', None),
    'account:apiovh:iam/resourceGroup/get': ('GET', '/v2/iam/resourceGroup', None),
}
VPS_ACTIONS = ['vps:apiovh:get', 'vps:apiovh:reboot', 'vps:apiovh:rebuild', 'vps:apiovh:stop']
PLAYBOOK = play('''
    - name: explain
      ovhcloud.iam.ovh_iam_access_info:
        service_account: "{{ item.name }}"
        resources: "{{ resources }}"
        actions: "{{ actions }}"
        context:
          ip: "%s"
      loop: "{{ accounts }}"
      loop_control:
        label: "{{ item.name }}"
      register: explained

    - name: ask
      ovhcloud.iam.ovh_iam_caller_info:
        auth_client_id: "{{ item.client_id }}"
        auth_client_secret: "{{ item.secret }}"
        resources: "{{ resources }}"
        actions: "{{ actions }}"
        batch: "{{ item.batch }}"
      loop: "{{ accounts }}"
      loop_control:
        label: "{{ item.name }}"
      register: asked
''' % SOURCE_IP)


def _client(fake, **credentials):
    return OvhClient(resolve_connection(dict(credentials, endpoint=fake.endpoint, max_retries=0), environ={}))


class Account:
    """The fake account, built through the API by its owner."""

    def __init__(self, fake):
        self.fake = fake
        info = fake.info
        self.owner = _client(fake, application_key=info['application_key'], application_secret=info['application_secret'],
                             consumer_key=info['consumer_key'])
        self.account_urn = fake.account_urn()
        self.resources = {item['urn']: item for item in self.owner.get('/v2/iam/resource')}
        self.vps = sorted(urn for urn, item in self.resources.items() if item['type'] == 'vps')
        self.service_accounts = []

    def service_account(self, name):
        created = self.owner.post('/me/api/oauth2/client', {'name': name, 'description': name, 'flow': 'CLIENT_CREDENTIALS'})
        identity = 'urn:v1:%s:identity:credential:%s/oauth2-%s' % (self.fake.region(), self.fake.nic, created['clientId'])
        account = {'name': name, 'client_id': created['clientId'], 'secret': created['clientSecret'], 'identity': identity,
                   'batch': len(self.service_accounts) % 2 == 1}
        self.service_accounts.append(account)
        return account

    def policy(self, name, identity, resources, allow=(), excepted=(), deny=(), groups=(), conditions=None, expired_at=None):
        body = {'name': name, 'description': name, 'identities': [identity], 'resources': [{'urn': urn} for urn in resources],
                'permissions': {'allow': [{'action': a} for a in allow], 'except': [{'action': a} for a in excepted],
                                'deny': [{'action': a} for a in deny]},
                'permissionsGroups': [{'urn': urn} for urn in groups]}
        if conditions:
            body['conditions'] = conditions
        if expired_at is not None:  # the API may refuse a past date: store it as an old policy would be
            body.update(expiredAt=datetime.datetime.fromtimestamp(expired_at, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
                        _expires_at=expired_at)
            return self.fake._control('POST', 'policies', body)
        return self.owner.post('/v2/iam/policy', body)


def _condition(key, value, operator='MATCH'):
    return {'operator': 'AND', 'conditions': [{'operator': operator, 'values': {key: value}}]}


def build(fake):
    account = Account(fake)
    acct = account.account_urn
    today = datetime.datetime.now(datetime.timezone.utc).strftime('%A').lower()
    other_day = 'sunday' if today != 'sunday' else 'monday'

    sa = account.service_account('allow-only')
    account.policy('allow-only', sa['identity'], [acct], allow=['account:apiovh:me/get', 'account:apiovh:iam/policy/get'])

    sa = account.service_account('allow-except')
    account.policy('allow-except', sa['identity'], [acct], allow=['account:apiovh:*'],
                   excepted=['account:apiovh:iam/policy/*', 'account:apiovh:me/api/oauth2/client/delete'])

    sa = account.service_account('group-except-deny')
    group = account.owner.post('/v2/iam/permissionsGroup', {
        'name': 'client-admin', 'description': 'service accounts',
        'permissions': {'allow': [{'action': 'account:apiovh:me/api/oauth2/client/*'},
                                  {'action': 'account:apiovh:iam/permissionsGroup/get'}]}})
    # the policy's own except does not reach into the permissions group: client/get stays allowed through it
    account.policy('group-and-except', sa['identity'], [acct], allow=['account:apiovh:me/get'],
                   excepted=['account:apiovh:me/api/oauth2/client/get'], groups=[group['urn']])
    account.policy('deny-delete', sa['identity'], [acct], deny=['account:apiovh:me/api/oauth2/client/delete'])

    sa = account.service_account('resource-group-reader')
    account_id = account.resources[acct]['id']
    resource_group = account.owner.post('/v2/iam/resourceGroup', {'name': 'the-account', 'resources': [{'id': account_id}]})
    account.policy('read-through-group', sa['identity'], [resource_group['urn']], allow=['*get'])

    sa = account.service_account('expired-admin')
    account.policy('expired-everything', sa['identity'], [acct], allow=['*'], expired_at=fake_now(fake) - 3600)
    account.policy('still-me', sa['identity'], [acct], allow=['account:apiovh:me/get'])

    sa = account.service_account('conditional')
    account.policy('from-the-office', sa['identity'], [acct], allow=['account:apiovh:me/get'],
                   conditions=_condition('request.IP.IN_RANGE', '10.0.0.0/8'))
    account.policy('today', sa['identity'], [acct], allow=['account:apiovh:iam/policy/get'],
                   conditions=_condition('date(UTC).WeekDay.EQ', today))
    account.policy('another-day', sa['identity'], [acct], allow=['account:apiovh:iam/resourceGroup/get'],
                   conditions=_condition('date(UTC).WeekDay.EQ', other_day))
    account.policy('not-from-here', sa['identity'], [acct], allow=['account:apiovh:me/api/oauth2/client/get'],
                   conditions={'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': {'request.IP.EQ': SOURCE_IP}}]})

    sa = account.service_account('vps-operator')
    account.policy('vps-all-but-reboot', sa['identity'], ['urn:v1:%s:resource:vps:*' % fake.region()], allow=['vps:apiovh:*'],
                   excepted=['vps:apiovh:reboot'])
    account.policy('no-rebuild-in-production', sa['identity'], ['urn:v1:%s:resource:vps:*' % fake.region()],
                   deny=['vps:apiovh:rebuild'], conditions=_condition('resource.Tag(environment).EQ', 'production'))
    return account


def fake_now(fake):
    return time.time()  # the fake's clock is not skewed after its reset


def probe_verdicts(client):
    """{action: allowed} for every call of PROBES made with this client: allowed unless IAM answers 403."""
    verdicts = {}
    for action, (method, path, body) in PROBES.items():
        try:
            client.request(method, path, body=body)
            verdicts[action] = True
        except OvhApiError as exc:
            verdicts[action] = exc.status != 403
    return verdicts


def real_verdicts(fake, account, service_account):
    """What the fake does when the service account makes each call: allowed unless IAM answers 403."""
    client = _client(fake, auth_client_id=service_account['client_id'], auth_client_secret=service_account['secret'])
    verdicts = probe_verdicts(client)
    vps = {}
    for urn in account.vps:
        answer = client.post('/v2/iam/resource/%s/authorization/check' % escape_path_segment(urn), {'actions': VPS_ACTIONS})
        vps[urn] = {action: action in answer['authorizedActions'] for action in VPS_ACTIONS}
    client.close()
    return {account.account_urn: verdicts, **vps}


@pytest.fixture
def built(fake, workdir):
    fake.set_source_ip(SOURCE_IP)
    account = build(fake)
    resources = [account.account_urn] + account.vps
    actions = list(PROBES) + VPS_ACTIONS
    extra = {'accounts': account.service_accounts, 'resources': resources, 'actions': actions}
    result = run_playbook(PLAYBOOK, workdir, env=fake.owner_env(), extra_vars=extra)
    assert result.rc == 0, result
    return account, result


def _module_verdicts(answer, account):
    """The module's answers restricted to the pairs a probe checks (account actions on the account, VPS on VPS)."""
    wanted = {account.account_urn: list(PROBES)}
    wanted.update((urn, VPS_ACTIONS) for urn in account.vps)
    return {urn: {action: answer[urn][action] for action in actions} for urn, actions in wanted.items()}


def test_every_offline_answer_matches_what_the_identity_can_really_do(fake, built):
    account, result = built
    explained = {item['item']['name']: item for item in result.task('explain')['results']}
    mismatches = []
    for service_account in account.service_accounts:
        answer = explained[service_account['name']]
        assert all(item['decision'] != 'depends' for item in answer['access']), answer['access']
        offline = _module_verdicts(answer['allowed'], account)
        real = real_verdicts(fake, account, service_account)
        for urn in real:
            for action, verdict in real[urn].items():
                if offline[urn][action] != verdict:
                    mismatches.append('%s: %s on %s: module %s, fake %s'
                                      % (service_account['name'], action, urn, offline[urn][action], verdict))
    assert mismatches == []

    def verdict(name, action, urn=account.account_urn):
        return explained[name]['allowed'][urn][action]

    # each rule decides something, so a wrong rule cannot pass unnoticed
    assert verdict('allow-only', 'account:apiovh:me/get') and not verdict('allow-only', 'account:apiovh:me/api/oauth2/client/get')
    assert verdict('allow-except', 'account:apiovh:me/api/oauth2/client/create')
    assert not verdict('allow-except', 'account:apiovh:iam/policy/get')
    assert verdict('group-except-deny', 'account:apiovh:me/api/oauth2/client/get')  # except stays in its own set
    assert not verdict('group-except-deny', 'account:apiovh:me/api/oauth2/client/delete')  # deny beats the group's allow
    assert verdict('resource-group-reader', 'account:apiovh:iam/policy/get')
    assert not verdict('resource-group-reader', 'account:apiovh:iam/policy/create')
    assert verdict('expired-admin', 'account:apiovh:me/get') and not verdict('expired-admin', 'account:apiovh:iam/policy/get')
    assert verdict('conditional', 'account:apiovh:me/get') and verdict('conditional', 'account:apiovh:iam/policy/get')
    assert not verdict('conditional', 'account:apiovh:iam/resourceGroup/get')
    assert not verdict('conditional', 'account:apiovh:me/api/oauth2/client/get')
    production, staging = sorted(account.vps, key=lambda urn: account.resources[urn]['tags']['environment'])
    assert verdict('vps-operator', 'vps:apiovh:rebuild', staging) and not verdict('vps-operator', 'vps:apiovh:rebuild', production)
    assert not verdict('vps-operator', 'vps:apiovh:reboot', staging) and verdict('vps-operator', 'vps:apiovh:stop', production)


def test_the_reasons_name_the_policies_groups_and_conditions(built):
    account, result = built
    explained = {item['item']['name']: item for item in result.task('explain')['results']}

    def answer(name, action, urn=account.account_urn):
        [found] = [item for item in explained[name]['access'] if item['resource'] == urn and item['action'] == action]
        return found

    via_group = answer('group-except-deny', 'account:apiovh:me/api/oauth2/client/get')
    assert [(e['policy'], e['permissions_group'] is not None) for e in via_group['allowed_by']] == [('group-and-except', True)]
    assert via_group['excepted_by'] == []  # the policy's except matches, but its own allow does not: nothing taken out
    assert [(e['policy'], e['permissions_group']) for e in via_group['inert_excepts']] == [('group-and-except', None)]
    assert 'does not apply: an except only trims the allow of its own permission set' in via_group['reason']
    denied = answer('group-except-deny', 'account:apiovh:me/api/oauth2/client/delete')
    assert denied['decision'] == 'denied' and 'deny beats allow' in denied['reason']
    assert [e['policy'] for e in denied['denied_by']] == ['deny-delete']
    grouped = answer('resource-group-reader', 'account:apiovh:me/get')
    assert grouped['allowed_by'][0]['resource_group'] == 'the-account' and grouped['allowed_by'][0]['pattern'] == '*get'
    expired = answer('expired-admin', 'account:apiovh:iam/policy/get')
    assert [e['name'] for e in expired['ignored']] == ['expired-everything'] and 'expired' in expired['reason']
    off_day = answer('conditional', 'account:apiovh:iam/resourceGroup/get')
    assert off_day['allowed_by'][0]['conditions_hold'] is False


def test_the_api_check_for_the_caller_agrees_with_the_offline_answer(fake, built):
    account, result = built
    explained = {item['item']['name']: item for item in result.task('explain')['results']}
    asked = {item['item']['name']: item for item in result.task('ask')['results']}
    for service_account in account.service_accounts:
        caller = asked[service_account['name']]
        assert caller['caller']['identities'] == [service_account['identity']]
        assert caller['authorized'] == explained[service_account['name']]['allowed'], service_account['name']
    checks = [(entry['method'], entry['path']) for entry in fake.requests() if 'authorization/check' in entry['path']]
    assert ('POST', '/v2/iam/authorization/check') in checks  # the batch route (odd accounts) was exercised too


def test_list_mode_groups_everything_by_resource(fake, workdir):
    fake.set_source_ip(SOURCE_IP)
    account = build(fake)
    fake.clear_requests()
    result = run_playbook(play('''
    - name: everything
      ovhcloud.iam.ovh_iam_access_info:
        service_account: vps-operator
        mode: list
'''), workdir, env=fake.owner_env())
    assert result.rc == 0, result
    grants = {row['resource']: row for row in result.task('everything')['grants']}
    production, staging = sorted(account.vps, key=lambda urn: account.resources[urn]['tags']['environment'])
    assert set(grants) == {'urn:v1:eu:resource:vps:*', production, staging}
    assert grants[staging]['actions'] == sorted(set(grants[staging]['actions']))
    assert 'vps:apiovh:rebuild' in grants[staging]['actions'] and 'vps:apiovh:rebuild' not in grants[production]['actions']
    assert 'vps:apiovh:reboot' not in grants[staging]['actions']
    assert [s['policy'] for s in grants[production]['permission_sets']] == ['vps-all-but-reboot', 'no-rebuild-in-production']
    assert fake.writes() == []


# -- local users are covered by their group's policies (issue 16's users and groups)

USER_PLAYBOOK = play('''
    - name: explain
      ovhcloud.iam.ovh_iam_access_info:
        user: "{{ item.user | default(omit) }}"
        group: "{{ item.group | default(omit) }}"
        identity_urn: "{{ item.identity_urn | default(omit) }}"
        resources: ["{{ account_urn }}"]
        actions: "{{ actions }}"
      loop: "{{ asked }}"
      register: explained
''')


def test_a_users_answers_include_its_groups_policies_and_match_its_real_calls(fake, workdir):
    account = Account(fake)
    acct = account.account_urn
    nic, region = fake.nic, fake.region()
    account.owner.post('/me/identity/group', {'name': 'ops', 'description': 'operators', 'role': 'NONE'})
    for login in ('alice', 'bob'):
        account.owner.post('/me/identity/user', {'login': login, 'email': login + '@example.com', 'group': 'ops',
                                                 'description': login, 'password': 'Correct-Horse-9'})
    user_urn = 'urn:v1:%s:identity:user:%s/alice' % (region, nic)
    group_urn = 'urn:v1:%s:identity:group:%s/ops' % (region, nic)
    account.policy('ops-read', group_urn, [acct], allow=['account:apiovh:*get'])
    account.policy('ops-no-policies', group_urn, [acct], deny=['account:apiovh:iam/policy/*'])
    account.policy('alice-clients', user_urn, [acct], allow=['account:apiovh:me/api/oauth2/client/*', 'account:apiovh:iam/policy/create'])
    asked = [{'user': 'alice'}, {'identity_urn': user_urn}, {'group': 'ops'}, {'user': 'bob'}]
    result = run_playbook(USER_PLAYBOOK, workdir, env=fake.owner_env(),
                          extra_vars={'asked': asked, 'account_urn': acct, 'actions': list(PROBES)})
    assert result.rc == 0, result
    alice, alice_by_urn, group, bob = result.task('explain')['results']
    assert alice['identity']['identities'] == [user_urn, group_urn] == alice_by_urn['identity']['identities']
    assert alice['identity']['group'] == {'name': 'ops', 'urn': group_urn, 'role': 'NONE'}
    assert group['identity']['identities'] == [group_urn]
    assert alice['allowed'] == alice_by_urn['allowed']

    for login, answer in (('alice', alice), ('bob', bob)):
        token = fake._control('POST', 'user-token', {'login': login})['access_token']
        as_user = _client(fake, access_token=token)
        real = probe_verdicts(as_user)
        as_user.close()
        assert answer['allowed'][acct] == real, login

    verdicts = alice['allowed'][acct]
    assert verdicts['account:apiovh:me/get']  # through the group only
    assert verdicts['account:apiovh:me/api/oauth2/client/create']  # through the user's own policy
    assert not verdicts['account:apiovh:iam/policy/create']  # the group's deny beats the user's allow
    assert not bob['allowed'][acct]['account:apiovh:me/api/oauth2/client/create'] and bob['allowed'][acct]['account:apiovh:me/get']
    assert not group['allowed'][acct]['account:apiovh:me/api/oauth2/client/create']
    [denied] = [item for item in alice['access'] if item['action'] == 'account:apiovh:iam/policy/create']
    assert [e['policy'] for e in denied['denied_by']] == ['ops-no-policies'] and [e['policy'] for e in denied['allowed_by']] == ['alice-clients']


def test_date_and_time_conditions_answered_for_context_at_match_the_fake_at_that_time(fake, workdir):
    at = datetime.datetime(2030, 1, 7, 9, 30, tzinfo=datetime.timezone.utc)  # a Monday
    fake.skew_clock(int(at.timestamp() - time.time()))
    account = Account(fake)
    acct = account.account_urn
    sa = account.service_account('scheduled')
    account.policy('office-hours', sa['identity'], [acct], allow=['account:apiovh:me/get'],
                   conditions=_condition('date(Europe/Paris).Hour.IN', '9,10,11'))  # 10:30 in Paris
    account.policy('mondays', sa['identity'], [acct], allow=['account:apiovh:iam/policy/get'],
                   conditions=_condition('date(UTC).WeekDay.EQ', 'Monday'))
    account.policy('until-2030', sa['identity'], [acct], allow=['account:apiovh:me/api/oauth2/client/get'],
                   conditions=_condition('date(UTC).Date.BEFORE', '2030-01-01'))
    account.policy('mornings-only', sa['identity'], [acct], allow=['account:apiovh:iam/resourceGroup/get'],
                   conditions=_condition('date(UTC).Hour.LT', '9'))
    result = run_playbook(play('''
    - name: explain
      ovhcloud.iam.ovh_iam_access_info:
        service_account: scheduled
        resources: ["%s"]
        actions: %s
        context:
          at: "2030-01-07T10:30:00+01:00"
''' % (acct, list(PROBES))), workdir, env=fake.owner_env())
    assert result.rc == 0, result
    offline = result.task('explain')['allowed'][acct]
    real = real_verdicts(fake, account, sa)[acct]
    assert offline == real
    assert offline['account:apiovh:me/get'] and offline['account:apiovh:iam/policy/get']
    assert not offline['account:apiovh:me/api/oauth2/client/get'] and not offline['account:apiovh:iam/resourceGroup/get']
