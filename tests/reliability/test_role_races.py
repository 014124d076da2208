"""The service_account role under overlapping runs and killed runs, against the fake.

Each test pauses one real ansible-playbook run at a chosen request (a delay fault on the fake), lets another real
run go through meanwhile, or kills the whole process tree of a run (Ansible workers call setsid(), so the tree is
walked by parent, not by process group). What must hold afterwards: the account has a working client whose
credentials every target holds, and python-ovh works with the delivered file. Each case adds its line to the
"faults" figures of docs/reliability.md.
"""

import json
import os
import signal
import subprocess
import time

from tests.ansible_runner import BIN, ansible_env, run_adhoc
from tests.reliability.conftest import census
from tests.integration.test_role_service_account import inventory, python_ovh  # noqa: F401  # pylint: disable=unused-import  # pytest fixtures
from tests.integration.test_role_service_account import (
    APP, GIVE, HOSTS, READ_PROFILE, ROTATE, app_vars, clients_named, credentials_path, ok,
    policies_by_name, read_conf, run_on_hosts, token_status,
)
from tests.playbooks import play

PAUSE_S = 100  # long enough for the other run to go through, and within the client's 120 s budget per call (HTTP timeout longer)
OUTCOME = 'one working client, its credentials on every target'


def start(playbook, fake, workdir, inventory, extra_vars, env=None):
    """A background ansible-playbook run of the role; its output goes to a file in workdir."""
    output = open(os.path.join(workdir, 'output-%d.txt' % time.monotonic_ns()), 'w+', encoding='utf-8')
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, playbook, '-e', json.dumps(extra_vars)]
    process = subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
                               env=ansible_env(dict(fake.owner_env(), OVH_TIMEOUT=str(PAUSE_S + 60), **(env or {})), workdir))
    process.output = output
    return process


def finish(process, timeout=900):
    process.wait(timeout=timeout)
    process.output.seek(0)
    return process.returncode, process.output.read()


def pause_next(fake, method, path):
    """The next matching request waits PAUSE_S seconds, then is served normally."""
    fake.fault(method=method, path=path, status=200, apply=True, delay_ms=PAUSE_S * 1000)


def wait_until_paused(fake, process, timeout=300):
    """Until the pause fault was taken (the run now waits in it)."""
    deadline = time.monotonic() + timeout
    while fake._control('GET', 'faults'):
        assert process.poll() is None, finish(process)[1][-3000:]
        assert time.monotonic() < deadline, 'the run never reached the paused request'
        time.sleep(0.5)


def descendants(pid):
    """Every process below pid, following parent links (setsid() does not change them)."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry, encoding='utf-8') as handle:
                    parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process):
    for pid in [process.pid] + descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=60)
    process.output.close()


def pause_spec(method, path):
    return {'method': method, 'path': path, 'status': 200, 'apply': True, 'delay_ms': PAUSE_S * 1000}


def note(ledger, fake, case, faults, runs, outcome=OUTCOME, notes=''):
    """The case's line of the figures; runs are RunResults or (rc, output) of background runs."""
    found = census(fake.state(), APP)
    entry = {
        'case': case, 'faults': faults, 'faulty_answers_served': len([r for r in fake.requests() if r.get('fault')]),
        'error_answers': len([r for r in fake.requests() if r['status'] >= 400]),
        'runs': [{'rc': run[0], 'failed_tasks': []} if isinstance(run, tuple) else
                 {'rc': run.rc, 'failed_tasks': [r['task'] for r in run.records if r['status'] == 'failed']} for run in runs],
        'outcome': outcome, 'duplicated': found['duplicated'], 'orphaned': found['dangling'], 'lost': [], 'notes': notes,
    }
    ledger.add('faults', entry)
    assert not entry['duplicated'] and not entry['orphaned'], entry


def assert_one_working_client_held_everywhere(fake, workdir, python_ovh):
    [client] = clients_named(fake)
    assert client['name'] == APP
    for host in HOSTS:
        _endpoint, client_id, secret = read_conf(credentials_path(workdir, host))
        assert client_id == client['clientId']
        assert token_status(fake, client_id, secret) == 200
    assert python_ovh(credentials_path(workdir, 'app1')).get('/me')['nichandle'] == fake.nic
    return client


def test_a_plain_run_paused_between_its_read_and_its_delivery_never_undoes_a_rotation(
        fake, workdir, inventory, python_ovh, owner_env, ledger):
    shared = run_adhoc('ovhcloud.iam.ovh_iam_policy', {
        'name': 'shared-readers', 'identities': ['urn:v1:eu:identity:group:%s/readers' % fake.nic],
        'resources': [fake.account_urn()], 'allow': [READ_PROFILE]}, workdir, env=owner_env)
    assert shared.rc == 0, shared
    joining = app_vars(app_join_policies=['shared-readers'])
    ok(run_on_hosts(GIVE, fake, workdir, inventory, extra_vars=joining))
    [old] = clients_named(fake)

    # The plain run read the targets (old client) and planned; it pauses on its look-up of the policies to join.
    pause_next(fake, 'GET', '/v2/iam/policy')
    plain = start(GIVE, fake, workdir, inventory, joining)
    wait_until_paused(fake, plain)
    ok(run_on_hosts(ROTATE, fake, workdir, inventory, extra_vars=joining))
    [new] = clients_named(fake)
    assert new['clientId'] != old['clientId']

    rc, output = finish(plain)
    assert rc != 0 and 'changed since it was read' in output, output[-3000:]
    client = assert_one_working_client_held_everywhere(fake, workdir, python_ovh)
    assert client['clientId'] == new['clientId']
    assert client['identity'] in policies_by_name(fake)['shared-readers']['identities']

    again = ok(run_on_hosts(GIVE, fake, workdir, inventory, extra_vars=joining))
    assert assert_one_working_client_held_everywhere(fake, workdir, python_ovh)['clientId'] == new['clientId']
    note(ledger, fake, 'role: a plain run paused between its read of the targets and its delivery while a rotation completes',
         [pause_spec('GET', '/v2/iam/policy'), {'overlapping_run': 'rotation, completed'}], [(rc, output), again],
         notes='the paused run stops with "changed since it was read" instead of writing the retired client back')


def test_a_rotation_paused_before_it_creates_while_another_rotation_completes(fake, workdir, inventory, python_ovh, ledger):
    ok(run_on_hosts(GIVE, fake, workdir, inventory))

    # The first rotation paused on its listing of the clients: it read the targets before the second rotation
    # delivered, and creates its client after the second one retired the old client.
    pause_next(fake, 'GET', '/1.0/me/api/oauth2/client')
    first = start(ROTATE, fake, workdir, inventory, app_vars())
    wait_until_paused(fake, first)
    ok(run_on_hosts(ROTATE, fake, workdir, inventory))
    [second] = clients_named(fake)

    rc, output = finish(first)
    assert rc != 0 and 'changed since it was read' in output, output[-3000:]
    # The targets kept the second rotation's client. The first rotation's client, which no target holds, counts as a
    # rotation in progress until service_account_rotation_timeout; past it, a plain run retires it.
    ok(run_on_hosts(GIVE, fake, workdir, inventory))
    assert len(clients_named(fake)) == 2
    final = ok(run_on_hosts(GIVE, fake, workdir, inventory, extra_vars=app_vars(service_account_rotation_timeout=0)))
    client = assert_one_working_client_held_everywhere(fake, workdir, python_ovh)
    assert client['clientId'] == second['clientId']
    note(ledger, fake, 'role: two rotations at once, the first paused before its create until the second completed',
         [pause_spec('GET', '/1.0/me/api/oauth2/client'), {'overlapping_run': 'rotation, completed'}], [(rc, output), final],
         notes='the first stops at its delivery ("changed since it was read"); its client is retired after the rotation timeout')


def rotation_paused_after_its_create(fake, workdir, inventory):
    """The app's client, and a running rotation that has created the new client and is paused on the first write
    after it (the new identity joining the policy of the old one), before any target holds the new client."""
    ok(run_on_hosts(GIVE, fake, workdir, inventory))
    [old] = clients_named(fake)
    pause_next(fake, 'PUT', '/v2/iam/policy/*')
    rotation = start(ROTATE, fake, workdir, inventory, app_vars())
    wait_until_paused(fake, rotation)
    return old, rotation


def test_a_rotation_in_progress_is_not_retired_by_a_plain_run_nor_raced_by_another_rotation(
        fake, workdir, inventory, python_ovh, ledger):
    old, rotation = rotation_paused_after_its_create(fake, workdir, inventory)
    assert len(clients_named(fake)) == 2

    fake.clear_requests()
    plain = ok(run_on_hosts(GIVE, fake, workdir, inventory))   # keeps the old client, leaves the new one alone
    assert [r for r in fake.writes() if r['method'] == 'DELETE'] == []
    busy = run_on_hosts(ROTATE, fake, workdir, inventory)
    assert busy.rc != 0 and 'Another run is rotating service account' in busy.output
    assert len(clients_named(fake)) == 2

    rc, output = finish(rotation)
    assert rc == 0, output[-3000:]
    client = assert_one_working_client_held_everywhere(fake, workdir, python_ovh)
    assert client['clientId'] != old['clientId']
    note(ledger, fake, 'role: a plain run and a second rotation while a rotation is paused after its create',
         [pause_spec('PUT', '/v2/iam/policy/*'), {'overlapping_runs': 'plain run, then rotation'}], [plain, busy, (rc, output)],
         notes='the plain run leaves the new client alone; the second rotation stops at once ("Another run is rotating")')


def test_a_run_killed_between_the_create_and_the_delivery_converges_on_the_next_run(fake, workdir, inventory, python_ovh, ledger):
    # Kill every process of the run while the module reads back the client it has just created.
    pause_next(fake, 'GET', '/1.0/me/api/oauth2/client/*')
    run = start(GIVE, fake, workdir, inventory, app_vars())
    wait_until_paused(fake, run)
    kill_tree(run)
    [orphan] = clients_named(fake)
    assert not os.path.exists(credentials_path(workdir, 'app1'))

    again = ok(run_on_hosts(GIVE, fake, workdir, inventory))
    assert 'none of the targets' not in again.output
    client = assert_one_working_client_held_everywhere(fake, workdir, python_ovh)
    assert client['clientId'] != orphan['clientId']
    assert policies_by_name(fake)[APP + '-rights']['identities'] == [client['identity']]

    fake.clear_requests()
    ok(run_on_hosts(GIVE, fake, workdir, inventory))
    assert fake.writes() == []
    note(ledger, fake, 'role: first run killed (every process) between the create and the delivery',
         [pause_spec('GET', '/1.0/me/api/oauth2/client/*'), {'killed': 'whole process tree'}], [(-9, ''), again],
         notes='the next run replaces the client no target holds and no policy lists')


def test_a_killed_rotation_leaves_the_old_client_working_and_its_leftover_is_retired_later(
        fake, workdir, inventory, python_ovh, ledger):
    old, rotation = rotation_paused_after_its_create(fake, workdir, inventory)
    kill_tree(rotation)
    assert len(clients_named(fake)) == 2
    assert assert_old_still_works(fake, workdir, old)

    final = ok(run_on_hosts(GIVE, fake, workdir, inventory, extra_vars=app_vars(service_account_rotation_timeout=0)))
    client = assert_one_working_client_held_everywhere(fake, workdir, python_ovh)
    assert client['clientId'] == old['clientId']
    note(ledger, fake, 'role: rotation killed (every process) after its create, before any target held the new client',
         [pause_spec('PUT', '/v2/iam/policy/*'), {'killed': 'whole process tree'}], [(-9, ''), final],
         notes='the old client works throughout; the leftover is retired once the rotation timeout has passed')


def assert_old_still_works(fake, workdir, old):
    for host in HOSTS:
        _endpoint, client_id, secret = read_conf(credentials_path(workdir, host))
        assert client_id == old['clientId'] and token_status(fake, client_id, secret) == 200
    return True


def test_the_module_writes_its_credentials_file_before_anything_that_can_fail_after_the_create(fake, workdir, ledger):
    path = os.path.join(workdir, 'killed-app.conf')
    playbook = os.path.join(workdir, 'create.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(play([{'ovhcloud.iam.ovh_oauth2_client': {
            'name': 'killed-app', 'description': 'x', 'credentials_file': path, 'return_secret': False}}]))
    # Killed while it reads back the client it has just created: the secret is already in the file.
    pause_next(fake, 'GET', '/1.0/me/api/oauth2/client/*')
    run = start(playbook, fake, workdir, 'localhost,', {})
    wait_until_paused(fake, run)
    kill_tree(run)
    [client] = clients_named(fake, 'killed-app')
    _endpoint, client_id, secret = read_conf(path)
    assert client_id == client['clientId'] and token_status(fake, client_id, secret) == 200
    ledger.add('faults', {
        'case': 'ovh_oauth2_client with credentials_file killed (every process) while it reads back the new client',
        'faults': [pause_spec('GET', '/1.0/me/api/oauth2/client/*'), {'killed': 'whole process tree'}],
        'faulty_answers_served': 0, 'error_answers': 0, 'runs': [{'rc': -9, 'failed_tasks': []}],
        'outcome': 'the credentials file holds the new client', 'duplicated': [], 'orphaned': [], 'lost': [],
        'notes': 'the file is written right after the create answer'})
