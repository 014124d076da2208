"""ovh_iam_policy and ovh_iam_policy_info through real ansible-playbook runs against the fake.

Every test asserts on the task results and on the fake's request log: which writes reached the API.
"""

from tests.ansible_runner import run_playbook
from tests.playbooks import play, tolerant

CLIENT_GET = 'account:apiovh:me/api/oauth2/client/get'
VPS_REBOOT = 'vps:apiovh:reboot'
EVERY_VPS = 'urn:v1:eu:resource:vps:*'


def identities(fake):
    return {name: 'urn:v1:%s:identity:user:%s/%s' % (fake.region(), fake.nic, name) for name in ('alice', 'bob', 'carol')}


def policy_task(_title, register=None, **options):
    task = {'name': _title, 'ovhcloud.iam.ovh_iam_policy': options}
    if register:
        task['register'] = register
    return task


def info_task(_title, **options):
    return {'name': _title, 'ovhcloud.iam.ovh_iam_policy_info': options}


def stored_policy(fake, name):
    found = [p for p in fake.state()['policies'] if p['name'] == name]
    assert len(found) == 1, found
    return found[0]


WEB_CONDITIONS = {'operator': 'AND', 'conditions': [
    {'operator': 'MATCH', 'values': {'date(Europe/Paris).WeekDay.IN': 'Monday,Tuesday,Wednesday,Thursday,Friday'}},
    {'operator': 'NOT', 'conditions': [{'operator': 'MATCH', 'values': {'request.IP.IN_RANGE': '198.51.100.0/24'}}]},
]}


def web_policy(fake, **changes):
    people = identities(fake)
    options = dict(
        name='web-team', description='Web team', identities=[people['alice'], people['bob']],
        resources=[fake.account_urn(), EVERY_VPS], allow=[CLIENT_GET, VPS_REBOOT], deny=['vps:apiovh:rebuild'],
        conditions=WEB_CONDITIONS, expired_at='2030-12-31T01:00:00+01:00')
    options.update(changes)
    return options


def test_policy_lifecycle(fake, workdir, owner_env):
    """create -> unchanged re-runs -> check-mode update -> update -> add -> remove -> absent twice, in one playbook."""
    people = identities(fake)
    shuffled = web_policy(
        fake,
        identities=[people['bob'], people['alice'], people['bob']],
        resources=[EVERY_VPS, fake.account_urn(), EVERY_VPS],
        allow=[VPS_REBOOT, CLIENT_GET, VPS_REBOOT],
        conditions=dict(WEB_CONDITIONS, conditions=list(reversed(WEB_CONDITIONS['conditions']))),
        expired_at='2030-12-31')
    change = dict(name='web-team', description='Web team, with DNS', allow=[CLIENT_GET, 'dnsZone:apiovh:record/*'],
                  resources=['urn:v1:eu:resource:dnsZone:example.com'], purge_resources=False)
    result = run_playbook(play([
        dict(policy_task('Predict the creation', **web_policy(fake)), check_mode=True),
        policy_task('Create the policy', **web_policy(fake)),
        policy_task('Run it again', **web_policy(fake)),
        policy_task('Same sets reordered, duplicated, same expiry written differently', **shuffled),
        dict(policy_task('Predict the update', **change), check_mode=True),
        policy_task('Update', **change),
        policy_task('Add carol, keep everyone', name='web-team', identities=[people['carol'], people['alice']],
                    purge_identities=False),
        policy_task('Take bob out', name='web-team', remove_identities=[people['bob']]),
        policy_task('Take bob out again', name='web-team', remove_identities=[people['bob']]),
        dict(policy_task('Predict the deletion', name='web-team', state='absent'), check_mode=True),
        policy_task('Delete', name='web-team', state='absent'),
        policy_task('Delete again', name='web-team', state='absent'),
    ]), workdir, env=owner_env, diff=True)
    assert result.rc == 0, result
    changed = ['Predict the creation', 'Create the policy', 'Predict the update', 'Update', 'Add carol, keep everyone',
               'Take bob out', 'Predict the deletion', 'Delete']
    assert result.changed_tasks() == changed

    # creation, predicted exactly by check mode
    predicted, created = result.task('Predict the creation'), result.task('Create the policy')
    assert predicted['diff'] == {'before': {}, 'after': predicted['policy']}
    policy = created['policy']
    assert policy['identities'] == sorted([people['alice'], people['bob']])
    assert policy['resources'] == sorted([fake.account_urn(), EVERY_VPS])
    assert policy['allow'] == [CLIENT_GET, VPS_REBOOT] and policy['deny'] == ['vps:apiovh:rebuild']
    assert policy['except'] == [] and policy['permissions_groups'] == []
    assert policy['expired_at'] == '2030-12-31T00:00:00Z' and policy['description'] == 'Web team'
    assert policy['owner'] == fake.nic and policy['read_only'] is False and policy['id']
    assert dict((key, policy[key]) for key in predicted['policy']) == predicted['policy']
    for task in ('Run it again', 'Same sets reordered, duplicated, same expiry written differently'):
        assert result.task(task)['policy'] == policy, task
        assert result.task(task)['diff'] == {'before': policy, 'after': policy}, task

    # update, predicted exactly by check mode, with before/after
    predicted, updated = result.task('Predict the update'), result.task('Update')
    assert predicted['diff']['before'] == updated['diff']['before'] == policy
    assert predicted['diff']['after']['allow'] == [CLIENT_GET, 'dnsZone:apiovh:record/*']
    assert predicted['diff']['after']['resources'] == sorted([fake.account_urn(), EVERY_VPS, 'urn:v1:eu:resource:dnsZone:example.com'])
    assert predicted['diff']['after']['description'] == 'Web team, with DNS'
    for key in ('name', 'description', 'identities', 'resources', 'allow', 'except', 'deny', 'conditions', 'expired_at'):
        assert updated['policy'][key] == predicted['policy'][key], key
    # The fake clears whatever a PUT leaves out: conditions, expiry and deny surviving show the full object was sent.
    assert updated['policy']['conditions'] == policy['conditions'] and updated['policy']['conditions']['operator'] == 'AND'
    assert updated['policy']['expired_at'] == policy['expired_at'] and updated['policy']['deny'] == policy['deny']

    # purge_identities: false adds; remove_identities takes one out and nobody else
    assert result.task('Add carol, keep everyone')['policy']['identities'] == sorted(people.values())
    assert result.task('Take bob out')['policy']['identities'] == sorted([people['alice'], people['carol']])
    assert result.task('Take bob out again')['policy']['identities'] == sorted([people['alice'], people['carol']])

    # absent, twice
    predicted, deleted, again = (result.task(t) for t in ('Predict the deletion', 'Delete', 'Delete again'))
    assert predicted['diff'] == {'before': result.task('Take bob out')['policy'], 'after': {}}
    assert predicted['policy'] == deleted['policy'] == again['policy'] == {}
    assert again['diff'] == {'before': {}, 'after': {}}

    # The request log: one write per real change, none for check mode or unchanged runs.
    item = '/v2/iam/policy/' + policy['id']
    assert fake.write_calls() == [('POST', '/v2/iam/policy'), ('PUT', item), ('PUT', item), ('PUT', item), ('DELETE', item)]
    assert [p['name'] for p in fake.state()['policies']] == ['ovh-default']


def test_read_only_reserved_names_and_impossible_requests_are_refused(fake, workdir, owner_env):
    people = identities(fake)
    result = run_playbook(play([
        dict(info_task('Find ovh-default', name='ovh-default'), register='default'),
        tolerant(policy_task('Change ovh-default by id', policy_id='{{ default.policies[0].id }}', description='mine')),
        tolerant(policy_task('Delete ovh-default by id', policy_id='{{ default.policies[0].id }}', state='absent')),
        tolerant(policy_task('Delete ovh-default by name', name='ovh-default', state='absent')),
        tolerant(policy_task('Create an ovh- name', name='ovh-mine', identities=[], resources=[fake.account_urn()],
                             allow=[CLIENT_GET])),
        tolerant(policy_task('Create without resources nor permissions', name='half', identities=[people['alice']])),
        tolerant(policy_task('Address a policy that does not exist', policy_id='00000000-0000-4000-8000-000000000000',
                             description='x')),
        policy_task('Remove an identity from a policy that does not exist', name='gone', remove_identities=[people['alice']]),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result

    default = result.task('Find ovh-default')['policies']
    assert len(default) == 1 and default[0]['read_only'] is True
    for task in ('Change ovh-default by id', 'Delete ovh-default by id'):
        assert result.status(task) == 'failed'
        message = result.task(task)['msg']
        assert "policy 'ovh-default'" in message and 'read-only' in message and 'ovh_iam_policy_info still lists it' in message
    for task in ('Delete ovh-default by name', 'Create an ovh- name'):
        assert result.status(task) == 'failed'
        assert "starts with 'ovh-', a prefix OVHcloud reserves" in result.task(task)['msg']
        assert 'nothing was sent to OVHcloud' in result.task(task)['msg']
    half = result.task('Create without resources nor permissions')['msg']
    assert "to create policy 'half'" in half and 'nothing was sent' in half
    assert 'resources is required' in half and 'give allow, deny or permissions_groups' in half
    assert "no policy has the id '00000000-0000-4000-8000-000000000000'" in result.task('Address a policy that does not exist')['msg']
    gone = result.task('Remove an identity from a policy that does not exist')
    assert not gone['changed'] and gone['policy'] == {}

    assert fake.write_calls() == []
    assert fake.state()['policies'][0]['name'] == 'ovh-default'


def test_invalid_options_are_all_reported_and_nothing_is_sent(fake, workdir, owner_env):
    result = run_playbook(play([policy_task(
        'Everything wrong at once', name='broken',
        identities=['urn:v1:eu:identity:credential:%s/oauth2-EU.1' % fake.nic, 'service-account'],
        resources=['*', 'urn:v1:fr:resource:vps:*'],
        allow=['urn:v1:eu:resource:vps:*', CLIENT_GET],
        deny=['reboot'],
        conditions={'operator': 'AND', 'conditions': [
            {'operator': 'MATCH', 'values': {'request.Country': 'FR'}},
            {'operator': 'XOR', 'values': {'request.IP': '192.0.2.1'}}]},
        expired_at='next year')]), workdir, env=owner_env)
    assert result.rc != 0
    failed = result.task('Everything wrong at once')
    message, problems = failed['msg'], failed['problems']
    assert message.startswith('8 problems in the options, so nothing was sent to OVHcloud')
    assert len(problems) == 8, problems
    for fragment in ("identities: 'service-account' is not an identity URN",
                     "resources: '*' is not a resource URN; OVHcloud rejects it (INVALID_RESOURCE_URN). Write a URN such as "
                     "urn:v1:eu:resource:account:xx1111-ovh",
                     "resources: 'urn:v1:fr:resource:vps:*' has region 'fr'",
                     "allow: 'urn:v1:eu:resource:vps:*' is a URN, not an action",
                     "deny: 'reboot' is not an IAM action",
                     "conditions.conditions[0].values: 'request.Country' is not a known condition key",
                     "conditions.conditions[1].operator: 'XOR' is not one of AND, OR, NOT, MATCH",
                     "expired_at: 'next year' is not a date"):
        assert fragment in message, fragment
    assert fake.requests() == [], 'invalid options must not reach the API at all (not even a lookup)'


def test_duplicate_names_are_refused_with_their_ids(fake, workdir, owner_env):
    # OVHcloud refuses a second policy of a name (POLICY_ALREADY_EXISTS); twins made before that rule are planted directly.
    body = {'name': 'twin', 'identities': [], 'resources': [{'urn': fake.account_urn()}],
            'permissions': {'allow': [{'action': CLIENT_GET}]}}
    ids = sorted(fake._control('POST', 'policies', body)['id'] for _twin in range(2))
    fake.clear_requests()

    result = run_playbook(play([
        tolerant(policy_task('Update a twin', name='twin', description='which one?')),
        tolerant(policy_task('Delete a twin', name='twin', state='absent')),
        policy_task('Address one twin by id', policy_id=ids[1], name='twin-2'),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result
    for task in ('Update a twin', 'Delete a twin'):
        assert result.status(task) == 'failed'
        assert result.task(task)['msg'] == (
            "2 policies are named 'twin' (ids: %s, %s); address one with policy_id, or delete the extra ones" % tuple(ids))
    assert result.task('Address one twin by id')['changed']
    assert fake.write_calls() == [('PUT', '/v2/iam/policy/' + ids[1])]
    assert sorted(p['name'] for p in fake.state()['policies'] if p['id'] in ids) == ['twin', 'twin-2']


def test_policy_info_reads_every_page_and_maps_filters(fake, workdir, owner_env):
    fake.seed(policies=1100)
    fake.clear_requests()
    filler_group = 'urn:v1:%s:identity:group:%s/filler-group-0007' % (fake.region(), fake.nic)
    result = run_playbook(play([
        dict(info_task('Every policy'), register='everything'),
        info_task('Read-only ones', read_only=True),
        info_task('Editable ones', read_only=False),
        info_task('By identity', identity=[filler_group]),
        info_task('By action', action=[CLIENT_GET], read_only=False),
        info_task('By an action no policy has', action=[VPS_REBOOT]),
        info_task('By resource', resource=[fake.account_urn()]),
        info_task('By name', name='filler-policy-0042'),
        info_task('By id', policy_id="{{ (everything.policies | selectattr('name', 'equalto', 'ovh-default') | first).id }}"),
        info_task('By an unknown id', policy_id='00000000-0000-4000-8000-000000000000'),
    ]), workdir, env=owner_env)
    assert result.rc == 0, result

    counts = dict((task, len(result.task(task)['policies'])) for task in (
        'Every policy', 'Read-only ones', 'Editable ones', 'By identity', 'By action', 'By an action no policy has',
        'By resource', 'By name', 'By id', 'By an unknown id'))
    assert counts == {'Every policy': 1101, 'Read-only ones': 1, 'Editable ones': 1100, 'By identity': 1, 'By action': 1100,
                      'By an action no policy has': 0, 'By resource': 1100, 'By name': 1, 'By id': 1, 'By an unknown id': 0}
    everything = result.task('Every policy')['policies']
    assert len(set(p['id'] for p in everything)) == 1101
    assert result.task('By identity')['policies'][0]['name'] == 'filler-policy-0007'
    assert result.task('By id')['policies'][0]['read_only'] is True
    assert all(not result.task(task)['changed'] for task in counts)

    lists = [r for r in fake.requests() if r['method'] == 'GET' and r['path'] == '/v2/iam/policy']
    first_task = lists[:2]  # 1101 policies: two pages of 1000, the second asked with the cursor of the first
    assert [r['query'] for r in first_task] == ['', '']
    assert [r['pagination'].get('X-Pagination-Size') for r in first_task] == ['1000', '1000']
    assert [bool(r['pagination'].get('X-Pagination-Cursor')) for r in first_task] == [False, True]
    assert len([r for r in lists if not r['query']]) == 4, 'the name filter is applied by the module, over every page'
    queries = set(r['query'] for r in lists)
    assert 'readOnly=true' in queries and 'readOnly=false' in queries
    assert any(q.startswith('identity=urn%3Av1') for q in queries)
    assert any('action=account%3Aapiovh%3Ame%2Fapi%2Foauth2%2Fclient%2Fget' in q and 'readOnly=false' in q for q in queries)
    assert any(q.startswith('resourceURN=urn%3Av1') for q in queries)
    assert fake.writes() == []


def test_creation_applied_despite_an_error_answer_is_found_not_repeated(fake, workdir, owner_env):
    fake.fault(method='POST', path='/v2/iam/policy', status=503, apply=True)
    result = run_playbook(play([policy_task('Create through a failing front end', **web_policy(fake))]), workdir, env=owner_env)
    assert result.rc == 0, result
    created = result.task('Create through a failing front end')
    assert created['changed'] and created['policy']['name'] == 'web-team' and created['policy']['id']
    assert fake.write_calls() == [('POST', '/v2/iam/policy')], 'a POST that may have been applied is not sent again'
    assert [p['name'] for p in fake.state()['policies']] == ['ovh-default', 'web-team']


def test_creation_refused_by_a_5xx_is_sent_once_more_after_checking_nothing_was_created(fake, workdir, owner_env):
    fake.fault(method='POST', path='/v2/iam/policy', status=503)
    result = run_playbook(play([policy_task('Create through a flaky front end', **web_policy(fake))]), workdir, env=owner_env)
    assert result.rc == 0, result
    created = result.task('Create through a flaky front end')
    assert created['changed'] and created['policy']['id']
    assert any('created nothing; it was sent once more' in w for w in created.get('warnings', []))
    assert fake.write_calls() == [('POST', '/v2/iam/policy'), ('POST', '/v2/iam/policy')]
    assert [p['name'] for p in fake.state()['policies']] == ['ovh-default', 'web-team']
