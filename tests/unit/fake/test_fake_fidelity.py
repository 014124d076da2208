"""The fake's IAM conditions, action patterns and the switchable unknowns of the real API (docs/api-fidelity.md)."""

import datetime

import pytest

from tests.ovh_fake import conditions
from tests.unit.fake.conftest import FakeClient

CLIENT_PATH = '/1.0/me/api/oauth2/client'
CLIENT_GET = 'account:apiovh:me/api/oauth2/client/get'
POLICY_PATH = '/v2/iam/policy'


def error_of(response, status):
    assert response.status_code == status, response.text
    return response.json()


def allowed(fake, token):
    status = fake.bearer(token, 'GET', CLIENT_PATH).status_code
    assert status in (200, 403)
    return status == 200


def allowed_at(fake, client, moment):
    """Move the fake clock to a UTC datetime, then ask with a token issued at that time."""
    skew = moment.replace(tzinfo=datetime.timezone.utc).timestamp() - datetime.datetime.now(datetime.timezone.utc).timestamp()
    fake.control('POST', 'clock', {'skew_s': skew})
    return allowed(fake, fake.token(client['clientId'], client['clientSecret']))


def test_source_ip_condition_limits_a_service_account(fake):
    _client, token = fake.service_account([CLIENT_GET], conditions={
        'operator': 'MATCH', 'values': {'request.IP.IN_RANGE': '198.51.100.0/24,203.0.113.7/32'}})
    assert not allowed(fake, token), 'the peer address 127.0.0.1 is outside the range'
    fake.control('POST', 'source-ip', {'ip': '198.51.100.20'})
    assert allowed(fake, token)
    fake.control('POST', 'source-ip', {'ip': '203.0.113.8'})
    assert not allowed(fake, token)
    fake.control('POST', 'source-ip', {'ip': None})
    assert not allowed(fake, token)


def test_the_peer_address_is_what_conditions_see_by_default(fake):
    _client, token = fake.service_account([CLIENT_GET], conditions={'operator': 'MATCH', 'values': {'request.IP.EQ': '127.0.0.1'}})
    assert allowed(fake, token)


def test_hour_and_week_day_conditions_follow_the_fake_clock_in_the_zone(fake):
    office = {'operator': 'AND', 'conditions': [
        {'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.IN': 'Monday,Tuesday,Wednesday,Thursday,Friday'}},
        {'operator': 'MATCH', 'values': {'date(Europe/Paris).Hour.GE': '9', 'date(Europe/Paris).Hour.LT': '18'}}]}
    client, _token = fake.service_account([CLIENT_GET], conditions=office)
    assert allowed_at(fake, client, datetime.datetime(2030, 1, 7, 8, 30))  # Monday 09:30 in Paris (UTC+1)
    assert not allowed_at(fake, client, datetime.datetime(2030, 1, 7, 7, 30))  # Monday 08:30 in Paris
    assert not allowed_at(fake, client, datetime.datetime(2030, 1, 5, 10, 0))  # Saturday


def test_date_not_and_or_conditions(fake):
    client, _token = fake.service_account([CLIENT_GET], conditions={'operator': 'OR', 'conditions': [
        {'operator': 'MATCH', 'values': {'date(UTC).Date.IN': '2030-03-01,2030-03-03'}},
        {'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': {'date(UTC).Date.BEFORE': '2031-01-01'}}]}]})
    assert allowed_at(fake, client, datetime.datetime(2030, 3, 1, 12))
    assert not allowed_at(fake, client, datetime.datetime(2030, 3, 2, 12))
    assert allowed_at(fake, client, datetime.datetime(2031, 6, 1, 12))


def test_resource_name_type_and_tag_conditions(fake):
    account = fake.ok('GET', '/v2/iam/resource?resourceURN=' + fake.account_urn)[0]
    _client, token = fake.service_account([CLIENT_GET], conditions={'operator': 'MATCH', 'values': {
        'resource.Type.EQ': 'account', 'resource.Name.STARTS_WITH': account['name'][:3]}})
    assert allowed(fake, token)
    _client, token = fake.service_account([CLIENT_GET], conditions={'operator': 'MATCH', 'values': {'resource.Type.IN': 'vps,dnsZone'}})
    assert not allowed(fake, token)
    _client, token = fake.service_account([CLIENT_GET], conditions={'operator': 'MATCH', 'values': {'resource.Tag(nope).EQ': 'x'}})
    assert not allowed(fake, token)


def test_an_empty_and_is_no_condition(fake):
    _client, token = fake.service_account([CLIENT_GET], conditions={'operator': 'AND', 'conditions': []})
    assert allowed(fake, token)


@pytest.mark.parametrize('values', [{'request.IP.IN': '10.0.0.0/8'}, {'request.Country.EQ': 'FR'},
                                    {'resource.Tag(env).IN': 'a,b'}, {'date(UTC).Minute.EQ': '3'}])
def test_condition_keys_outside_the_control_panel_grammar_are_refused(fake, values):
    body = fake.policy_body([fake.identity_of('EU.0000000000000000')], [CLIENT_GET], conditions={'operator': 'MATCH', 'values': values})
    error = error_of(fake.signed('POST', POLICY_PATH, body), 400)
    assert error['class'] == 'Client::BadRequest::INVALID_FORMAT' and error['message'].startswith('[conditions.values]')


def test_match_is_terminal(fake):
    body = fake.policy_body([fake.identity_of('EU.0000000000000000')], [CLIENT_GET], conditions={
        'operator': 'MATCH', 'values': {'request.IP.EQ': '192.0.2.1'}, 'conditions': [{'operator': 'AND', 'conditions': []}]})
    assert error_of(fake.signed('POST', POLICY_PATH, body), 400)['message'].startswith('[conditions.conditions]')


def test_leading_star_actions_grant_like_global_read_only(fake):
    _client, token = fake.service_account(['*get'])
    assert allowed(fake, token)
    assert fake.bearer(token, 'POST', CLIENT_PATH, {'name': 'x', 'description': 'x', 'flow': 'CLIENT_CREDENTIALS',
                                                    'callbackUrls': []}).status_code == 403


def test_except_only_trims_its_own_policy_not_a_permissions_group(fake):
    group = fake.ok('POST', '/v2/iam/permissionsGroup', {'name': 'readers', 'description': 'r',
                                                         'permissions': {'allow': [{'action': CLIENT_GET}]}})
    client = fake.create_client()
    identity = fake.identity_of(client['clientId'])
    fake.ok('POST', POLICY_PATH, fake.policy_body([identity], [], permissionsGroups=[{'urn': group['urn']}],
                                                  permissions={'except': [{'action': CLIENT_GET}]}))
    token = fake.token(client['clientId'], client['clientSecret'])
    assert allowed(fake, token)


@pytest.mark.parametrize('put_absent', ['clear', 'keep'])
def test_put_absent_knob(fake, put_absent):
    fake.control('POST', 'knobs', {'put_absent': put_absent})
    body = fake.policy_body([fake.identity_of('EU.0000000000000000')], [CLIENT_GET], description='d',
                            expiredAt='2040-01-01T00:00:00Z', conditions={'operator': 'MATCH', 'values': {'request.IP.EQ': '192.0.2.1'}})
    policy = fake.ok('POST', POLICY_PATH, body)
    for key in ('description', 'expiredAt', 'conditions'):
        body.pop(key)
    body['expiredAt'] = None
    after = fake.ok('PUT', POLICY_PATH + '/' + policy['id'], body)
    kept = put_absent == 'keep'
    assert ('expiredAt' in after, 'conditions' in after, 'description' in after) == (kept, kept, kept)
    # Sent explicitly, an empty AND replaces the conditions under both settings.
    after = fake.ok('PUT', POLICY_PATH + '/' + policy['id'], dict(body, conditions={'operator': 'AND', 'conditions': []}))
    assert after['conditions'] == {'operator': 'AND', 'conditions': []}


def test_expiry_echo_knob(fake):
    body = fake.policy_body([fake.identity_of('EU.0000000000000000')], [CLIENT_GET], expiredAt='2040-01-01T01:00:00.5+01:00')
    assert fake.ok('POST', POLICY_PATH, body)['expiredAt'] == '2040-01-01T00:00:00.500000Z'
    fake.control('POST', 'knobs', {'expiry_echo': 'as-sent'})
    assert fake.ok('POST', POLICY_PATH, dict(body, name='echo'))['expiredAt'] == '2040-01-01T01:00:00.5+01:00'


def test_v2_default_page_size_knob(fake):
    fake.control('POST', 'seed', {'policies': 150})
    first = fake.signed('GET', POLICY_PATH)
    assert len(first.json()) == 100 and first.headers.get('X-Pagination-Cursor-Next')
    fake.control('POST', 'knobs', {'v2_default_page_size': None})
    every = fake.signed('GET', POLICY_PATH)
    assert len(every.json()) == 151 and not every.headers.get('X-Pagination-Cursor-Next')
    assert len(fake.signed('GET', POLICY_PATH, headers={'X-Pagination-Size': '10'}).json()) == 10
    fake.control('POST', 'reset')
    assert fake.control('GET', 'state')['knobs']['v2_default_page_size'] == 100


def test_knobs_and_source_ip_refuse_bad_values(fake):
    assert fake.http.post(fake.url + '/_fake/knobs', json={'put_absent': 'maybe'}).status_code == 400
    assert fake.http.post(fake.url + '/_fake/knobs', json={'colour': 'red'}).status_code == 400
    assert fake.http.post(fake.url + '/_fake/source-ip', json={'ip': 'nowhere'}).status_code == 400


def test_start_up_flags_set_the_knobs(start_fake):
    started = FakeClient(start_fake('--put-absent', 'keep', '--v2-default-page-size', 'all', '--expiry-echo', 'as-sent').info)
    assert started.control('GET', 'state')['knobs'] == {'put_absent': 'keep', 'v2_default_page_size': None, 'expiry_echo': 'as-sent'}


def test_condition_evaluation_units():
    context = {'now': datetime.datetime(2030, 1, 7, 12, tzinfo=datetime.timezone.utc).timestamp(), 'ip': '10.1.2.3',
               'resource': {'name': 'vps-1.vps.ovh.net', 'type': 'vps', 'tags': {'env': 'prod-eu'}}}

    def holds(values):
        return conditions.holds({'operator': 'MATCH', 'values': values}, context)

    assert holds({'request.IP.IN_RANGE': '10.0.0.0/8'}) and not holds({'request.IP.EQ': '10.1.2.4'})
    assert holds({'resource.Name.ENDS_WITH': '.ovh.net'}) and holds({'resource.Name.IN': 'a,vps-1.vps.ovh.net'})
    assert holds({'resource.Tag(env).STARTS_WITH': 'prod'}) and not holds({'resource.Tag(env).EQ': 'prod'})
    assert holds({'date(UTC).WeekDay.EQ': 'monday'}) and holds({'date(UTC).WeekDay.LE': 'Friday'})
    assert holds({'date(UTC).Hour.In': '11,12'}) and not holds({'date(Asia/Tokyo).Hour.EQ': '12'})
    assert holds({'date(UTC).Date.AFTER': '2030-01-06'}) and not holds({'date(UTC).Date.EQ': '2030-01-06'})
    assert not holds({'date(Nowhere/Land).Hour.GE': '0'})
    assert conditions.holds({'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': {'request.IP.EQ': '10.1.2.3'}}]},
                            context) is False
