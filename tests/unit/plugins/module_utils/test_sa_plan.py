"""The decisions of the service_account role (module_utils/_sa_plan.py), one test per branch."""

import datetime

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _sa_plan as sa_plan

NAME = 'billing-exporter'
NOW = datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.timezone.utc)


def client(client_id, name=NAME, created_at='2026-01-01T00:00:00Z', description='desc'):
    return {'client_id': client_id, 'name': name, 'created_at': created_at, 'description': description,
            'identity': 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-%s' % client_id}


def rotation(client_id, minutes_ago, created_at='2026-11-30T11:00:00Z'):
    started = NOW - datetime.timedelta(minutes=minutes_ago)
    return client(client_id, sa_plan.rotation_name(NAME, started), created_at)


def holds(*client_ids, writable=True):
    return dict(('app%d' % (index + 1), {'client_id': cid, 'writable': writable or bool(cid), 'path': '/etc/x.conf'})
                for index, cid in enumerate(client_ids))


def plan(clients, holdings, **options):
    return sa_plan.plan(NAME, clients, holdings, NOW, **options)


def test_no_client_creates_one_under_the_account_name():
    result = plan([client('other', name='someone-else')], holds('', ''))
    assert result['action'] == 'create' and result['create'] is True
    assert result['create_name'] == NAME
    assert result['retire'] == [] and result['keep'] == {}
    assert result['description'] == sa_plan.DEFAULT_DESCRIPTION
    assert result['error'] == ''


def test_held_client_is_kept_and_copied_from_a_host_that_holds_it():
    old, new = client('EU.old', created_at='2026-01-01'), client('EU.new', created_at='2026-02-01')
    result = plan([new, old], holds('', 'EU.new'))
    assert result['action'] == 'keep' and not result['create']
    assert result['keep'] == new and result['source_host'] == 'app2'
    assert result['retire'] == [old]  # nobody holds it


def test_newest_held_client_wins_when_hosts_hold_different_ones():
    old, new = client('EU.old', created_at='2026-01-01'), client('EU.new', created_at='2026-02-01')
    result = plan([old, new], holds('EU.old', 'EU.new'))
    assert result['keep'] == new and result['retire'] == [old] and result['source_host'] == 'app2'


def test_rotate_creates_under_a_rotation_name_and_retires_every_settled_client():
    current = client('EU.cur')
    result = plan([current], holds('EU.cur', 'EU.cur'), rotate=True)
    assert result['action'] == 'rotate' and result['create']
    assert result['create_name'] == '%s (rotation 20261130T120000Z)' % NAME
    assert result['retire'] == [current] and result['keep'] == {}


def test_rotation_keeps_the_account_description_unless_one_is_stated():
    current = client('EU.cur', description='Exports invoices')
    assert plan([current], holds('EU.cur'), rotate=True)['description'] == 'Exports invoices'
    assert plan([current], holds('EU.cur'), rotate=True, description='New one')['description'] == 'New one'


def test_nothing_held_asks_for_the_rights_of_the_unheld_clients_first():
    lost = client('EU.lost')
    result = plan([lost], holds('', ''))
    assert result['action'] == 'check_rights' and result['check_rights'] == [lost['identity']]
    assert not result['create']


def test_nothing_held_and_a_client_with_rights_is_lost():
    lost = client('EU.lost')
    result = plan([lost], holds('', ''), rights=[{'identities': [lost['identity']]}])
    assert result['action'] == 'lost' and not result['create']
    assert 'EU.lost' in result['error'] and 'service_account_recover_lost_credentials: rotate' in result['error']
    assert 'app1, app2' in result['error']


def test_nothing_held_and_no_rights_is_an_interrupted_first_run_replaced_at_once():
    leftover = client('EU.leftover')
    result = plan([leftover], holds('', ''), rights=[{'identities': ['urn:v1:eu:identity:group:xx1111-ovh/other']}])
    assert result['action'] == 'replace' and result['create']
    assert result['create_name'].startswith(NAME + ' (rotation ')
    assert result['retire'] == [leftover]


def test_recover_rotate_replaces_a_lost_client_without_reading_rights():
    lost = client('EU.lost')
    result = plan([lost], holds('', ''), recover='rotate')
    assert result['action'] == 'rotate' and result['retire'] == [lost]


def test_file_with_other_credentials_blocks_before_anything_else():
    result = plan([], {'app1': {'client_id': '(other credentials)', 'writable': False, 'path': '/etc/a.conf'},
                       'app2': {'client_id': '', 'writable': True, 'path': '/etc/a.conf'}})
    assert result['action'] == 'blocked' and result['blocked_hosts'] == ['app1']
    assert '/etc/a.conf on app1' in result['error'] and 'app2' not in result['error']
    assert not result['create']


def test_a_file_not_written_by_the_role_that_holds_a_client_of_the_account_is_not_blocked():
    current = client('EU.cur')
    result = plan([current], {'app1': {'client_id': 'EU.cur', 'writable': False, 'path': '/x'}})
    assert result['action'] == 'keep' and result['keep'] == current


def test_another_runs_rotation_in_progress_is_never_retired():
    current, in_flight = client('EU.cur'), rotation('EU.flight', minutes_ago=2)
    result = plan([current, in_flight], holds('EU.cur', 'EU.cur'))
    assert result['action'] == 'keep' and result['keep'] == current
    assert result['retire'] == [] and result['in_flight'] == ['EU.flight']


def test_a_rotation_while_another_is_in_progress_stops_before_creating():
    current, in_flight = client('EU.cur'), rotation('EU.flight', minutes_ago=2)
    result = plan([current, in_flight], holds('EU.cur'), rotate=True)
    assert result['action'] == 'busy' and not result['create']
    assert 'EU.flight' in result['error'] and 'service_account_rotation_timeout: 0' in result['error']


def test_an_old_unheld_rotation_is_an_interrupted_runs_leftover_and_retires():
    current, leftover = client('EU.cur'), rotation('EU.left', minutes_ago=30)
    result = plan([current, leftover], holds('EU.cur'), rotation_timeout=900)
    assert result['keep'] == current and result['retire'] == [leftover] and result['in_flight'] == []


def test_rotation_timeout_zero_retires_leftovers_at_once():
    current, leftover = client('EU.cur'), rotation('EU.left', minutes_ago=0)
    assert plan([current, leftover], holds('EU.cur'), rotation_timeout=0)['retire'] == [leftover]


def test_a_delivered_rotation_client_is_kept_even_with_its_rotation_name():
    old, new = client('EU.old'), rotation('EU.new', minutes_ago=1, created_at='2026-11-30T11:59:00Z')
    result = plan([old, new], holds('EU.new', 'EU.old'))
    assert result['keep'] == new and result['retire'] == [old]


def test_only_the_account_and_its_rotation_names_belong_to_it():
    mine = [client('a'), rotation('b', 60)]
    others = [client('c', name=NAME + '-prod'), client('d', name=NAME + ' (rotation soon)'), client('e', name='x' + NAME)]
    assert [c['client_id'] for c in sa_plan.account_clients(NAME, others + mine)] == ['a', 'b']


def test_retirable_drops_what_a_target_holds_now():
    old, new = client('EU.old'), client('EU.new')
    assert sa_plan.retirable([old, new], holds('EU.new', '')) == [old]
    assert sa_plan.retirable([old], holds('EU.old')) == []


@pytest.mark.parametrize('name', ['app', 'a.b (c)', 'x[y]*'])
def test_rotation_names_round_trip(name):
    stamped = {'name': sa_plan.rotation_name(name, NOW)}
    assert sa_plan.rotation_started(name, stamped) == NOW
    assert sa_plan.rotation_started(name, {'name': name}) is None
