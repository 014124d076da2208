"""Issue 11: the collection against OVHcloud as its own clients use it (docs/api-fidelity.md), through real
ansible-playbook runs against the fake, under each side of the API's unknowns (the fake's knobs).
"""

import datetime

import pytest

from tests.ansible_runner import run_playbook
from tests.integration.test_iam_policy import CLIENT_GET, info_task, policy_task, stored_policy
from tests.playbooks import play, tolerant

CATALOGUE = '/v2/iam/reference/action'
OFFICE_RANGE = '198.51.100.0/24'


def base_policy(fake, name='fidelity', **changes):
    options = dict(name=name, identities=['urn:v1:%s:identity:group:%s/ops' % (fake.region(), fake.nic)],
                   resources=[fake.account_urn()], allow=[CLIENT_GET])
    options.update(changes)
    return options


def catalogue_reads(fake):
    return [r for r in fake.requests() if r['path'] == CATALOGUE]


def service_account(fake):
    """A service account made with the owner's keys: its client id, secret and identity URN."""
    client = fake.owner_api()
    created = client.post('/me/api/oauth2/client', {'name': 'fidelity-sa', 'description': 'conditions test',
                                                    'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
    identity = client.get('/me/api/oauth2/client/' + created['clientId'])['identity']
    client.close()
    return created['clientId'], created['clientSecret'], identity


def as_service_account(fake, client_id, secret):
    return {'OVH_ENDPOINT': fake.endpoint, 'OVH_CLIENT_ID': client_id, 'OVH_CLIENT_SECRET': secret}


LIST_CLIENTS = {'name': 'List service accounts', 'ovhcloud.iam.ovh_oauth2_client_info': {}, 'ignore_errors': True}


def test_a_condition_really_limits_a_service_account(fake, workdir, owner_env):
    """Allowed only from the office range and during office hours; 403 otherwise (peer address 127.0.0.1)."""
    client_id, secret, identity = service_account(fake)
    office = {'operator': 'AND', 'conditions': [
        {'operator': 'MATCH', 'values': {'request.IP.IN_RANGE': OFFICE_RANGE}},
        {'operator': 'MATCH', 'values': {'date(Europe/Paris).Hour.GE': '9', 'date(Europe/Paris).Hour.LT': '18'}}]}
    granted = run_playbook(play([policy_task('Grant from the office only', **base_policy(
        fake, identities=[identity], conditions=office))]), workdir, env=owner_env)
    assert granted.rc == 0, granted

    def listing():
        result = run_playbook(play([LIST_CLIENTS]), workdir, env=as_service_account(fake, client_id, secret))
        return result.status('List service accounts'), result.task('List service accounts')

    def at(hour_utc):
        moment = datetime.datetime(2030, 1, 8, hour_utc, 30, tzinfo=datetime.timezone.utc)  # a Tuesday, Paris is UTC+1
        fake.skew_clock(moment.timestamp() - datetime.datetime.now(datetime.timezone.utc).timestamp())

    at(10)
    status, outside = listing()
    assert status == 'failed' and '403' in outside['msg'] and CLIENT_GET in outside['msg'], outside
    fake.set_source_ip('198.51.100.42')
    status, inside = listing()
    assert status == 'ok' and client_id in [c['client_id'] for c in inside['clients']], inside
    at(6)  # 07:30 in Paris: before office hours
    status, early = listing()
    assert status == 'failed' and '403' in early['msg']
    fake.set_source_ip(None)


def test_a_control_panel_policy_with_an_empty_and_is_adopted_without_a_diff(fake, workdir, owner_env):
    client = fake.owner_api()
    client.post('/v2/iam/policy', {'name': 'from-the-panel', 'identities': base_policy(fake)['identities'],
                                   'resources': [{'urn': fake.account_urn()}], 'permissions': {'allow': [{'action': CLIENT_GET}]},
                                   'conditions': {'operator': 'AND', 'conditions': []}})
    client.close()
    fake.clear_requests()
    options = base_policy(fake, name='from-the-panel')
    result = run_playbook(play([
        policy_task('Adopt, saying nothing of conditions', **options),
        policy_task('Adopt, saying no conditions as {}', conditions={}, **options),
        policy_task('Adopt, saying no conditions as the panel does', conditions={'operator': 'AND', 'conditions': []}, **options),
        info_task('Read it back', name='from-the-panel'),
    ]), workdir, env=owner_env, diff=True)
    assert result.rc == 0, result
    assert result.changed_tasks() == []
    assert result.task('Read it back')['policies'][0]['conditions'] is None
    assert fake.write_calls() == [] and catalogue_reads(fake) == []


def test_every_condition_subject_of_the_control_panel_round_trips(fake, workdir, owner_env):
    conditions = {'operator': 'OR', 'conditions': [
        {'operator': 'MATCH', 'values': {'request.IP.IN_RANGE': '10.23.0.0/16,192.0.2.0/24'}},
        {'operator': 'MATCH', 'values': {'request.IP.EQ': '203.0.113.9'}},
        {'operator': 'MATCH', 'values': {'resource.Name.STARTS_WITH': 'vps-', 'resource.Type.IN': 'vps,dnsZone'}},
        {'operator': 'MATCH', 'values': {'resource.Tag(environment).ENDS_WITH': 'prod'}},
        {'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': {'date(Europe/Paris).Date.IN': '2030-12-24,2030-12-25'}}]},
        {'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.LE': 'Friday', 'date(UTC).Hour.GT': '6'}}]}
    options = base_policy(fake, conditions=conditions)
    result = run_playbook(play([policy_task('Create', **options), policy_task('Again', **options)]), workdir, env=owner_env)
    assert result.rc == 0, result
    assert result.changed_tasks() == ['Create']
    assert stored_policy(fake, 'fidelity')['conditions']['operator'] == 'OR'


def test_conditions_the_api_cannot_mean_are_refused_before_any_request(fake, workdir, owner_env):
    result = run_playbook(play([policy_task('Old docs', **base_policy(fake, conditions={'operator': 'AND', 'conditions': [
        {'operator': 'MATCH', 'values': {'request.IP.IN': '192.0.2.0/24'}},
        {'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.IN': 'mon,tue'}},
        {'operator': 'MATCH', 'values': {'date(Mars/Olympus).Hour.GE': '25'}}]}))]), workdir, env=owner_env)
    failed = result.task('Old docs')
    assert result.rc != 0 and failed['msg'].startswith('4 problems in the options'), failed['msg']
    assert 'a CIDR goes with request.IP.IN_RANGE' in failed['msg'] and "'mon' is not a week day" in failed['msg']
    assert "'Mars/Olympus' is not an IANA time zone" in failed['msg'] and "'25' is not an hour" in failed['msg']
    assert fake.requests() == []


def test_unknown_actions_are_refused_with_suggestions_and_nothing_is_written(fake, workdir, owner_env):
    typos = ['account:apivoh:me/bill/get', 'account:apiovh:me/api/oauth2/clinet/get', 'account:apiovh:me/api/oauth2/client/GET']
    result = run_playbook(play([
        tolerant(policy_task('Typos', **base_policy(fake, allow=typos, deny=['account:apiovh:nothing*']))),
        tolerant({'name': 'Typo in a group', 'ovhcloud.iam.ovh_iam_permissions_group': {
            'name': 'readers', 'allow': ['vps:apiovh:rebot']}}),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    problems = result.task('Typos')['problems']
    assert len(problems) == 4, problems
    assert "'account:apivoh:me/bill/get' is not in OVHcloud's action catalogue (did you mean 'account:apiovh:me/bill/get'" in problems[0]
    assert "did you mean 'account:apiovh:me/api/oauth2/client/get'" in problems[1]
    assert "did you mean 'account:apiovh:me/api/oauth2/client/get'" in problems[2]
    assert "'account:apiovh:nothing*' matches no action" in problems[3]
    assert "did you mean 'vps:apiovh:reboot'" in result.task('Typo in a group')['msg']
    assert fake.write_calls() == []
    assert [r['query'] for r in catalogue_reads(fake)] == ['resourceType=account', 'resourceType=vps']


def test_validate_actions_false_is_the_escape_hatch_and_wildcards_on_the_type_are_not_checked(fake, workdir, owner_env):
    result = run_playbook(play([
        policy_task('A brand-new action', validate_actions=False, **base_policy(fake, allow=['account:apiovh:me/brandNew/get'])),
        policy_task('Read-only like globalReadOnly', **base_policy(fake, name='reader', allow=['*get'])),
        policy_task('Known actions and a matching wildcard', **base_policy(fake, name='known', allow=[
            CLIENT_GET, 'account:apiovh:me/api/oauth2/client/*'])),
        policy_task('Known actions again', **base_policy(fake, name='known', allow=[CLIENT_GET, 'account:apiovh:me/api/oauth2/client/*'])),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    assert result.changed_tasks() == ['A brand-new action', 'Read-only like globalReadOnly', 'Known actions and a matching wildcard']
    assert stored_policy(fake, 'reader')['permissions']['allow'] == [{'action': '*get'}]
    assert len(catalogue_reads(fake)) == 1, 'only the third task had actions to check; an unchanged run reads nothing'


@pytest.mark.parametrize('put_absent', ['clear', 'keep'])
def test_clearing_conditions_works_whatever_put_does_with_an_absent_field(fake, workdir, owner_env, put_absent):
    fake.set_knobs(put_absent=put_absent)
    conditions = {'operator': 'MATCH', 'values': {'request.IP.IN_RANGE': OFFICE_RANGE}}
    result = run_playbook(play([
        policy_task('Create with conditions', **base_policy(fake, conditions=conditions, description='d')),
        policy_task('Clear them', conditions={}, **base_policy(fake)),
        policy_task('Clear them again', conditions={}, **base_policy(fake)),
        policy_task('Clear the description', description='', **base_policy(fake)),
        policy_task('Clear it again', description='', **base_policy(fake)),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    assert result.changed_tasks() == ['Create with conditions', 'Clear them', 'Clear the description']
    assert result.task('Clear them')['policy']['conditions'] is None
    stored = stored_policy(fake, 'fidelity')
    assert stored['conditions'] == {'operator': 'AND', 'conditions': []} and not stored.get('description')


@pytest.mark.parametrize('put_absent', ['clear', 'keep'])
def test_an_expiry_that_does_not_clear_is_an_error_naming_the_field_not_a_change_every_run(fake, workdir, owner_env, put_absent):
    fake.set_knobs(put_absent=put_absent)
    result = run_playbook(play([
        policy_task('Create with an expiry', **base_policy(fake, expired_at='2040-01-01')),
        tolerant(policy_task('Remove the expiry', expired_at='', **base_policy(fake))),
        tolerant(policy_task('Remove the expiry again', expired_at='', **base_policy(fake))),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    if put_absent == 'clear':
        assert result.changed_tasks() == ['Create with an expiry', 'Remove the expiry']
        assert result.status('Remove the expiry again') == 'ok'
        assert 'expiredAt' not in stored_policy(fake, 'fidelity')
        return
    for task in ('Remove the expiry', 'Remove the expiry again'):
        assert result.status(task) == 'failed', task
        failed = result.task(task)
        assert failed['untaken_fields'] == ['expired_at'] and not failed.get('changed')
        assert 'expired_at: sent null, OVHcloud kept "2040-01-01T00:00:00Z"' in failed['msg'] and 'set a later date' in failed['msg']


@pytest.mark.parametrize('expiry_echo', ['normalised', 'as-sent'])
def test_expiry_compares_as_an_instant(fake, workdir, owner_env, expiry_echo):
    fake.set_knobs(expiry_echo=expiry_echo)
    result = run_playbook(play([
        policy_task('Create', **base_policy(fake, expired_at='2040-01-01T01:00:00.5+01:00')),
        policy_task('Same instant, other offset', **base_policy(fake, expired_at='2040-01-01T00:00:00Z')),
        policy_task('Same instant, a date', **base_policy(fake, expired_at='2040-01-01')),
        policy_task('Same instant, as written first', **base_policy(fake, expired_at='2040-01-01T01:00:00.5+01:00')),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    assert result.changed_tasks() == ['Create']
    assert result.task('Same instant, a date')['policy']['expired_at'] == '2040-01-01T00:00:00Z'


@pytest.mark.parametrize('default_size', [100, None])
def test_v2_lists_work_with_either_default_page_size(fake, workdir, owner_env, default_size):
    fake.set_knobs(v2_default_page_size=default_size)
    fake.seed(policies=150)
    result = run_playbook(play([info_task('Every policy')]), workdir, env=owner_env)
    assert result.rc == 0, result
    assert len(result.task('Every policy')['policies']) == 151


def test_names_and_dates_that_are_surely_mistakes_are_refused_before_any_write(fake, workdir, owner_env):
    other_region = 'ca' if fake.region() != 'ca' else 'eu'
    result = run_playbook(play([
        tolerant(policy_task('Space in a new name', **base_policy(fake, name='web team'))),
        tolerant(policy_task('NUL in a name', **base_policy(fake, name='web\x00team'))),
        tolerant(policy_task('Past expiry', **base_policy(fake, expired_at='2001-01-01'))),
        tolerant(policy_task('Mixed regions', **base_policy(fake, resources=['urn:v1:%s:resource:vps:*' % other_region]))),
        tolerant({'name': 'Resource group name', 'ovhcloud.iam.ovh_iam_resource_group': {'name': 'my servers'}}),
        tolerant({'name': 'Control character in a group name', 'ovhcloud.iam.ovh_iam_permissions_group': {
            'name': 'readers\n', 'allow': [CLIENT_GET]}}),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    messages = dict((task, result.task(task)['msg']) for task in (
        'Space in a new name', 'NUL in a name', 'Past expiry', 'Mixed regions', 'Resource group name', 'Control character in a group name'))
    assert 'INVALID_FORMAT' in messages['Space in a new name']
    assert 'control character' in messages['NUL in a name']
    assert 'already past' in messages['Past expiry']
    assert 'mix the regions' in messages['Mixed regions']
    assert 'INVALID_FORMAT' in messages['Resource group name']
    assert 'control character' in messages['Control character in a group name']
    assert fake.write_calls() == []


def test_a_create_answered_already_exists_after_a_lost_first_attempt_is_adopted(fake, workdir, owner_env):
    # The first POST is refused by a front end (503: nothing created, so the module sends it once more); the second
    # lands but is answered 409 POLICY_ALREADY_EXISTS, as when a first attempt landed late.
    fake.fault(method='POST', path='/v2/iam/policy', status=503)
    fake.fault(method='POST', path='/v2/iam/policy', status=409, apply=True)
    result = run_playbook(play([policy_task('Create', **base_policy(fake))]), workdir, env=owner_env)
    assert result.rc == 0, result
    created = result.task('Create')
    assert created['changed'] and created['policy']['id'] == stored_policy(fake, 'fidelity')['id']
    assert fake.write_calls() == [('POST', '/v2/iam/policy'), ('POST', '/v2/iam/policy')]
