"""ovh_service_accounts through real ansible-playbook runs against the fake: many accounts in one task."""

import json
import os

import yaml

from tests.ansible_runner import run_playbook
from tests.integration.test_oauth2_client import make_client, make_policy
from tests.playbooks import mode_of, play

CLIENTS = '/1.0/me/api/oauth2/client'
READ = 'account:apiovh:me/api/oauth2/client/get'


def accounts(fake, names, workdir=None, prefix='app-'):
    return [{'name': prefix + name, 'description': 'app %s' % name,
             'credentials_file': os.path.join(workdir, '%s.conf' % name) if workdir else None,
             'policies': [{'name': prefix + name + '-read', 'resources': [fake.account_urn()], 'allow': [READ]}]}
            for name in names]


def converge_play(task_args, no_log=False, register='converged'):
    """One ovh_service_accounts task, then its registered result written to result.json (read by ``result``)."""
    task = {'name': 'converge', 'ovhcloud.iam.ovh_service_accounts': task_args, 'register': register}
    if no_log:
        task['no_log'] = True
    show = {'content': '{{ %s | to_json }}' % register, 'dest': '{{ playbook_dir }}/result.json'}
    tasks = [task, {'name': 'show', 'ansible.builtin.copy': show, 'check_mode': False, 'diff': False}]
    return play(tasks)


def result(workdir):
    with open(os.path.join(workdir, 'result.json'), encoding='utf-8') as handle:
        return json.load(handle)


def converge(fake, workdir, task_args, **kwargs):
    no_log = kwargs.pop('no_log', False)
    return run_playbook(converge_play(task_args, no_log=no_log), workdir, env=fake.owner_env(), **kwargs)


def named(fake, prefix):
    state = fake.state()
    return ([c for c in state['clients'] if c['name'].startswith(prefix)],
            [p for p in state['policies'] if p['name'].startswith(prefix)])


def test_first_run_creates_every_account_and_policy_then_a_noop_sends_no_write(fake, workdir, assert_no_leak):
    wanted = accounts(fake, ['a', 'b', 'c'], workdir)
    first = converge(fake, workdir, {'accounts': wanted}, diff=True, verbosity=4)  # secrets in no output, no diff
    assert first.rc == 0, first.output
    clients, policies = named(fake, 'app-')
    assert sorted(c['name'] for c in clients) == ['app-a', 'app-b', 'app-c']
    assert len(policies) == 3
    by_name = dict((c['name'], c) for c in clients)
    for policy in policies:
        assert policy['identities'] == [by_name[policy['name'][:-len('-read')]]['identity']]
    out = result(workdir)
    assert [a['name'] for a in out['accounts']] == ['app-a', 'app-b', 'app-c']
    assert out['summary']['clients'] == {'create': 3} and out['summary']['policies'] == {'create': 3}
    for name in 'abc':
        path = os.path.join(workdir, '%s.conf' % name)
        assert mode_of(path) == 0o600
    assert all('client_secret' not in a for a in out['accounts'])
    assert_no_leak(first.output)

    fake.clear_requests()
    second = converge(fake, workdir, {'accounts': wanted})
    assert second.rc == 0, second.output
    assert fake.writes() == []
    calls = [(r['method'], r['path']) for r in fake.requests()]
    # the two lists are read at the same time, after the server time of the signed requests
    assert calls[0] == ('GET', '/1.0/auth/time') and sorted(calls[1:]) == [('GET', CLIENTS), ('GET', '/v2/iam/policy')]
    out = result(workdir)
    assert out['changed'] is False and out['api_requests'] == 3


def test_check_mode_and_diff_show_each_object_and_write_nothing(fake, workdir):
    wanted = accounts(fake, ['a', 'b'], workdir)
    run = converge(fake, workdir, {'accounts': wanted}, check=True, diff=True)
    assert run.rc == 0, run.output
    assert fake.writes() == []
    assert named(fake, 'app-') == ([], [])
    assert 'client app-a' in run.stdout and 'policy app-b-read' in run.stdout
    out = result(workdir)
    assert out['changed'] is True
    assert [a['client_action'] for a in out['accounts']] == ['create', 'create']


def test_an_update_changes_only_what_differs(fake, workdir):
    api = fake.owner_api()
    existing = make_client(api, 'app-a', description='old')
    make_policy(api, 'app-a-read', [existing['identity']], actions=('vps:apiovh:reboot',), resource=fake.account_urn())
    wanted = accounts(fake, ['a'])
    fake.clear_requests()
    run = converge(fake, workdir, {'accounts': wanted}, diff=True)
    assert run.rc == 0, run.output
    writes = [(r['method'], r['path'].rsplit('/', 1)[0]) for r in fake.writes()]
    assert sorted(writes) == [('PUT', CLIENTS), ('PUT', '/v2/iam/policy')]
    out = result(workdir)
    assert out['accounts'][0]['client_action'] == 'update'
    assert out['accounts'][0]['policies'][0]['policy']['allow'] == [READ]


def test_purge_removes_only_undeclared_objects_with_the_prefix(fake, workdir):
    api = fake.owner_api()
    gone = make_client(api, 'app-gone')
    make_policy(api, 'app-gone-read', [gone['identity']], resource=fake.account_urn())
    other = make_client(api, 'other-keep')
    make_policy(api, 'other-keep-read', [other['identity'], gone['identity']], resource=fake.account_urn())
    wanted = accounts(fake, ['a'], workdir)
    fake.clear_requests()
    check = converge(fake, workdir, {'accounts': wanted, 'purge': True, 'purge_prefix': 'app-'}, check=True)
    assert check.rc == 0, check.output
    out = result(workdir)
    assert [c['name'] for c in out['purged']['clients']] == ['app-gone']
    assert [p['name'] for p in out['purged']['policies']] == ['app-gone-read']
    assert [p['name'] for p in out['purged']['detached']] == ['other-keep-read']
    assert fake.writes() == []
    run = converge(fake, workdir, {'accounts': wanted, 'purge': True, 'purge_prefix': 'app-'})
    assert run.rc == 0, run.output
    clients, policies = named(fake, 'app-')
    assert [c['name'] for c in clients] == ['app-a'] and [p['name'] for p in policies] == ['app-a-read']
    kept = [p for p in fake.state()['policies'] if p['name'] == 'other-keep-read'][0]
    assert kept['identities'] == [other['identity']]
    assert [c['name'] for c in fake.state()['clients'] if c['name'] == 'other-keep'] == ['other-keep']


def test_every_input_problem_of_every_account_at_once_before_any_request(fake, workdir):
    wanted = accounts(fake, ['a', 'b'])
    wanted[0]['policies'][0]['resources'] = ['*']
    wanted[1]['policies'][0]['allow'] = ['not an action']
    wanted.append(dict(wanted[0], policies=[]))
    run = converge(fake, workdir, {'accounts': wanted, 'purge': True})
    assert run.rc != 0
    text = run.stdout
    for needle in ('purge_prefix', 'accounts[0] (app-a) policies[0]', 'accounts[1] (app-b) policies[0]', 'declared twice'):
        assert needle in text, needle
    assert fake.requests() == []


def test_new_secrets_need_a_safe_destination_and_never_show_at_vvvv(fake, workdir, assert_no_leak):
    wanted = accounts(fake, ['a', 'b'])
    refused = converge(fake, workdir, {'accounts': wanted})
    assert refused.rc != 0 and 'no_log' in refused.stdout
    assert fake.writes() == []
    run = converge(fake, workdir, {'accounts': wanted}, no_log=True, verbosity=4)
    assert run.rc == 0, run.output
    secrets = [a['client_secret'] for a in result(workdir)['accounts']]
    assert len(secrets) == 2 and all(secrets)
    assert_no_leak(run.output)


def test_a_lost_create_answer_leaves_exactly_one_client(fake, workdir):
    fake.fault(method='POST', path=CLIENTS, status=0, apply=True)
    wanted = accounts(fake, ['a', 'b'], workdir)
    run = converge(fake, workdir, {'accounts': wanted})
    assert run.rc == 0, run.output
    clients, policies = named(fake, 'app-')
    assert sorted(c['name'] for c in clients) == ['app-a', 'app-b']
    assert len(policies) == 2
    writes = [(r['method'], r['path'].rsplit('/', 1)[0] if r['method'] == 'DELETE' else r['path']) for r in fake.writes()]
    # one answer lost: its client (created, secret never received) is deleted and the POST sent again
    assert writes.count(('POST', CLIENTS)) == 3 and writes.count(('DELETE', CLIENTS)) == 1
    for path in (os.path.join(workdir, 'a.conf'), os.path.join(workdir, 'b.conf')):
        assert 'client_id=' in open(path, encoding='utf-8').read()


def test_the_many_applications_guide_converges_then_purges(fake, workdir, assert_no_leak):
    """docs/many-applications.md as written: the inventory file, the playbook, the no-op night, the purge."""
    from tests.integration.test_guides import marked_blocks
    blocks = marked_blocks('docs/many-applications.md')
    os.makedirs(os.path.join(workdir, 'group_vars', 'all'))
    inventory = os.path.join(workdir, 'group_vars', 'all', 'ovh_apps.yml')
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write(blocks[('yaml', 'apps-inventory')])
    path = os.path.join(workdir, 'many-apps.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(blocks[('test', 'many-apps-converge')])
    extra = {'credentials_dir': workdir, 'ovh_account_urn': fake.account_urn()}
    first = run_playbook(path, workdir, env=fake.owner_env(), extra_vars=extra)
    assert first.rc == 0, first.output
    assert sorted(c['name'] for c in named(fake, 'app-')[0]) == ['app-billing', 'app-deployer']
    assert mode_of(os.path.join(workdir, 'app-billing.conf')) == 0o600
    fake.clear_requests()
    night = run_playbook(path, workdir, env=fake.owner_env(), extra_vars=extra, diff=True)
    assert night.rc == 0 and fake.writes() == [] and len(fake.requests()) == 3, night.output
    with open(inventory, encoding='utf-8') as handle:
        apps = yaml.safe_load(handle)
    apps['ovh_apps'] = apps['ovh_apps'][:1]
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(apps, handle)
    look = run_playbook(path, workdir, env=fake.owner_env(), extra_vars=dict(extra, ovh_apps_purge=True), check=True, diff=True)
    assert look.rc == 0 and fake.writes() == [], look.output
    assert 'client app-deployer (purged)' in look.stdout
    purge = run_playbook(path, workdir, env=fake.owner_env(), extra_vars=dict(extra, ovh_apps_purge=True))
    assert purge.rc == 0, purge.output
    clients, policies = named(fake, 'app-')
    assert [c['name'] for c in clients] == ['app-billing'] and [p['name'] for p in policies] == ['app-billing-read']
    assert_no_leak(first.output, night.output, look.output, purge.output)


def role_many_play(fake, workdir, names, purge_prefix=None):
    applications = [{'name': 'app-' + name, 'description': 'app %s' % name,
                     'credentials_path': workdir + '/{{ inventory_hostname }}/app-%s.conf' % name,
                     'policies': [{'name': 'app-%s-read' % name, 'resources': [fake.account_urn()], 'allow': [READ]}]}
                    for name in names]
    variables = {'service_account_applications': applications}
    if purge_prefix:
        variables['service_account_purge_prefix'] = purge_prefix
    return yaml.safe_dump([{'name': 'many applications', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'converge', 'ansible.builtin.include_role': {'name': 'ovhcloud.iam.service_account', 'tasks_from': 'many'},
         'vars': variables}]}])


def test_the_role_many_entry_point_converges_once_and_delivers_on_each_host(fake, workdir, assert_no_leak):
    inventory = os.path.join(workdir, 'hosts.yml')
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'all': {'hosts': {'web1': {'ansible_connection': 'local'},
                                          'web2': {'ansible_connection': 'local'}}}}, handle)
    check = run_playbook(role_many_play(fake, workdir, ['a', 'b']), workdir, env=fake.owner_env(), inventory=inventory,
                         check=True)
    assert check.rc == 0, check.output
    assert fake.writes() == []
    first = run_playbook(role_many_play(fake, workdir, ['a', 'b']), workdir, env=fake.owner_env(), inventory=inventory)
    assert first.rc == 0, first.output
    clients, policies = named(fake, 'app-')
    assert sorted(c['name'] for c in clients) == ['app-a', 'app-b'] and len(policies) == 2
    secrets = fake.secrets()
    for host in ('web1', 'web2'):
        for client in clients:
            path = os.path.join(workdir, host, client['name'] + '.conf')
            assert mode_of(path) == 0o600
            text = open(path, encoding='utf-8').read()
            assert 'client_id=%s' % client['clientId'] in text and any(s in text for s in secrets)
    assert not [p for p in os.listdir('/tmp') if p.startswith('ovhcloud-iam-many-')]  # controller staging removed
    assert_no_leak(first.output)
    fake.clear_requests()
    second = run_playbook(role_many_play(fake, workdir, ['a', 'b']), workdir, env=fake.owner_env(), inventory=inventory)
    assert second.rc == 0, second.output
    assert fake.writes() == [] and len(fake.requests()) == 3
    assert second.changed_tasks() == []
    os.unlink(os.path.join(workdir, 'web2', 'app-b.conf'))
    lost = run_playbook(role_many_play(fake, workdir, ['a', 'b']), workdir, env=fake.owner_env(), inventory=inventory)
    assert lost.rc != 0 and 'web2 has no credentials for app-b' in lost.stdout, lost.output


def test_the_guide_role_example_delivers_to_each_host(fake, workdir):
    from tests.integration.test_guides import marked_blocks
    text = marked_blocks('docs/many-applications.md')[('test', 'many-apps-role')]
    text = text.replace('/etc/app-billing/ovh.conf', workdir + '/{{ inventory_hostname }}/ovh.conf')
    inventory = os.path.join(workdir, 'hosts.yml')
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'all': {'children': {'app_hosts': {'hosts': {
            'h1': {'ansible_connection': 'local'}, 'h2': {'ansible_connection': 'local'}}}}}}, handle)
    run = run_playbook(text, workdir, env=fake.owner_env(), inventory=inventory,
                       extra_vars={'ovh_account_urn': fake.account_urn()})
    assert run.rc == 0, run.output
    [client] = named(fake, 'app-')[0]
    for host in ('h1', 'h2'):
        assert 'client_id=%s' % client['clientId'] in open(os.path.join(workdir, host, 'ovh.conf'), encoding='utf-8').read()


def test_a_failed_write_is_reported_on_its_account_and_the_next_run_finishes(fake, workdir):
    fake.fault(method='POST', path='/v2/iam/policy', status=400, times=1)
    wanted = accounts(fake, ['a', 'b', 'c'], workdir)
    run = converge(fake, workdir, {'accounts': wanted})
    assert run.rc != 0 and '1 of the writes failed' in run.stdout, run.output
    clients, policies = named(fake, 'app-')
    assert len(clients) == 3 and len(policies) == 2
    again = converge(fake, workdir, {'accounts': wanted})
    assert again.rc == 0, again.output
    out = result(workdir)
    assert out['summary']['clients'] == {'none': 3} and sorted(out['summary']['policies'].items()) == [('create', 1), ('none', 2)]
    assert len(named(fake, 'app-')[1]) == 3


def test_concurrent_writes_wait_out_429_and_create_each_account_once(fake, workdir):
    fake.fault(method='POST', path=CLIENTS, status=429, retry_after=1, times=3)
    fake.fault(method='POST', path='/v2/iam/policy', status=503, times=1)  # nothing applied: sent again after the check
    wanted = accounts(fake, ['a', 'b', 'c', 'd', 'e'], workdir)
    run = converge(fake, workdir, {'accounts': wanted, 'parallelism': 5})
    assert run.rc == 0, run.output
    clients, policies = named(fake, 'app-')
    assert sorted(c['name'] for c in clients) == ['app-a', 'app-b', 'app-c', 'app-d', 'app-e']
    assert sorted(p['name'] for p in policies) == ['app-%s-read' % n for n in 'abcde']
    statuses = [r['status'] for r in fake.requests() if r['method'] == 'POST' and r['path'] == CLIENTS]
    assert statuses.count(429) == 3 and statuses.count(200) == 5
