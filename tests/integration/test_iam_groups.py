"""ovh_iam_permissions_group and ovh_iam_resource_group (with their _info twins) through real ansible-playbook runs.

Each lifecycle runs a few playbooks: create -> unchanged re-runs -> check mode -> update -> refusals -> absent twice,
and checks the results and the fake's request log after each one.
"""

import os
from urllib.parse import parse_qs, quote

from tests.ansible_runner import run_adhoc, run_playbook
from tests.playbooks import failure, play, run_play

PG = 'ovhcloud.iam.ovh_iam_permissions_group'
RG = 'ovhcloud.iam.ovh_iam_resource_group'
GLOBAL_ADMIN = 'urn:v1:eu:permissionsGroup:ovh:globalAdmin'
VPS_PROD = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'
VPS_STAGING = 'urn:v1:eu:resource:vps:vps-1f2e3d4c.vps.ovh.net'
POLICY_MODULE = os.path.join(os.path.dirname(__file__), '..', '..', 'plugins', 'modules', 'ovh_iam_policy.py')


def group_path(urn):
    return '/v2/iam/permissionsGroup/' + quote(urn, safe='')


# ---------------------------------------------------------------- permissions groups


def test_permissions_group_lifecycle(fake, workdir, owner_env):
    created = run_play(fake, workdir, owner_env, '''
        - name: create
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            description: Edit DNS records
            allow: [dnsZone:apiovh:record/*, dnsZone:apiovh:get]
            except: [dnsZone:apiovh:record/delete]
        - name: again
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            description: Edit DNS records
            allow: [dnsZone:apiovh:record/*, dnsZone:apiovh:get]
            except: [dnsZone:apiovh:record/delete]
        - name: reordered with duplicates
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            allow: [dnsZone:apiovh:get, dnsZone:apiovh:record/*, dnsZone:apiovh:get]
            except: [dnsZone:apiovh:record/delete, dnsZone:apiovh:record/delete]
    ''')
    group = created.task('create')['permissions_group']
    urn = 'urn:v1:eu:permissionsGroup:%s:dnsOperators' % fake.nic
    assert created.task('create')['changed']
    assert group['urn'] == urn and group['owner'] == fake.nic and group['read_only'] is False
    assert sorted(group['allow']) == ['dnsZone:apiovh:get', 'dnsZone:apiovh:record/*']
    assert group['except'] == ['dnsZone:apiovh:record/delete'] and group['deny'] == []
    assert created.changed_tasks() == ['create']
    assert created.task('again')['permissions_group'] == group
    assert fake.write_calls() == [('POST', '/v2/iam/permissionsGroup')]

    predicted = run_play(fake, workdir, owner_env, '''
        - name: predict update
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            deny: [dnsZone:apiovh:import]
        - name: predict create
          ovhcloud.iam.ovh_iam_permissions_group:
            name: zoneReaders
            allow: [dnsZone:apiovh:get]
        - name: predict delete
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            state: absent
    ''', check=True, diff=True)
    update = predicted.task('predict update')
    assert update['changed'] and update['diff']['before']['deny'] == [] and update['diff']['after']['deny'] == ['dnsZone:apiovh:import']
    assert update['diff']['before']['allow'] == group['allow'] == update['diff']['after']['allow']
    creation = predicted.task('predict create')
    assert creation['changed'] and creation['diff']['before'] == {}
    assert creation['permissions_group']['allow'] == ['dnsZone:apiovh:get'] and creation['permissions_group']['urn'] is None
    deletion = predicted.task('predict delete')
    assert deletion['changed'] and deletion['diff']['after'] == {} and deletion['diff']['before']['urn'] == urn
    assert fake.write_calls() == []

    updated = run_play(fake, workdir, owner_env, '''
        - name: update
          ovhcloud.iam.ovh_iam_permissions_group:
            urn: "%s"
            description: Edit DNS records, never import
            deny: [dnsZone:apiovh:import]
        - name: add without purge
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            allow: [dnsZone:apiovh:refresh]
            purge_allow: false
        - name: change an OVHcloud group
          ovhcloud.iam.ovh_iam_permissions_group:
            name: globalAdmin
            allow: ['account:apiovh:*']
          ignore_errors: true
        - name: delete an OVHcloud group
          ovhcloud.iam.ovh_iam_permissions_group:
            urn: %s
            state: absent
          ignore_errors: true
        - name: info
          ovhcloud.iam.ovh_iam_permissions_group_info:
            name: dnsOperators
    ''' % (urn, GLOBAL_ADMIN), diff=True)
    assert updated.task('update')['diff']['after']['description'] == 'Edit DNS records, never import'
    after = updated.task('add without purge')['permissions_group']
    assert sorted(after['allow']) == ['dnsZone:apiovh:get', 'dnsZone:apiovh:record/*', 'dnsZone:apiovh:refresh']
    assert after['deny'] == ['dnsZone:apiovh:import'] and after['except'] == ['dnsZone:apiovh:record/delete']
    for task in ('change an OVHcloud group', 'delete an OVHcloud group'):
        refusal = failure(updated, task)
        assert 'managed by OVHcloud and is read-only' in refusal['msg'] and GLOBAL_ADMIN in refusal['msg']
    assert updated.task('info')['permissions_groups'] == [after]
    assert fake.write_calls() == [('PUT', group_path(urn))] * 2

    removed = run_play(fake, workdir, owner_env, '''
        - name: delete
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            state: absent
        - name: delete again
          ovhcloud.iam.ovh_iam_permissions_group:
            name: dnsOperators
            state: absent
        - name: delete again by urn
          ovhcloud.iam.ovh_iam_permissions_group:
            urn: "%s"
            state: absent
        - name: info by urn of a deleted group
          ovhcloud.iam.ovh_iam_permissions_group_info:
            urn: "%s"
    ''' % (urn, urn))
    assert removed.changed_tasks() == ['delete'] and removed.task('delete')['permissions_group'] == {}
    assert removed.task('info by urn of a deleted group')['permissions_groups'] == []
    assert fake.write_calls() == [('DELETE', group_path(urn))]
    assert urn not in [stored['urn'] for stored in fake.state()['permissionsGroups']]


# ---------------------------------------------------------------- resource groups


def urn_lookups(fake):
    """GET /v2/iam/resource requests that resolve URNs to ids."""
    return [r for r in fake.requests() if r['path'] == '/v2/iam/resource' and 'resourceURN' in parse_qs(r['query'])]


def test_resource_group_lifecycle(fake, workdir, owner_env):
    account = fake.account_urn()
    created = run_play(fake, workdir, owner_env, '''
        - name: find the production VPS
          ovhcloud.iam.ovh_iam_resource_info:
            type: vps
            name: vps-5a6b7c8d.vps.ovh.net
          register: vps
        - name: create
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: ["%(account)s", "{{ vps.resources[0].id }}"]
        - name: again
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: ["%(account)s", "{{ vps.resources[0].id }}"]
        - name: reordered, URNs and ids swapped, duplicates
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: [%(vps)s, "%(account)s", %(vps)s]
    ''' % {'vps': VPS_PROD, 'account': account})
    group = created.task('create')['resource_group']
    assert created.changed_tasks() == ['create']
    assert group['urn'] == 'urn:v1:eu:resourceGroup:%s' % group['id'] and group['read_only'] is False
    assert sorted(member['urn'] for member in group['resources']) == sorted([account, VPS_PROD])
    assert {member['type'] for member in group['resources']} == {'account', 'vps'}
    assert created.task('reordered, URNs and ids swapped, duplicates')['resource_group'] == group
    assert fake.write_calls() == [('POST', '/v2/iam/resourceGroup')]
    assert len(urn_lookups(fake)) == 1, 'URNs already in the group must not be looked up again'

    predicted = run_play(fake, workdir, owner_env, '''
        - name: predict update
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: ["%s"]
        - name: predict create
          ovhcloud.iam.ovh_iam_resource_group:
            name: staging
            resources: [%s]
    ''' % (account, VPS_STAGING), check=True, diff=True)
    update = predicted.task('predict update')
    assert update['changed'] and len(update['diff']['before']['resources']) == 2
    assert [member['urn'] for member in update['diff']['after']['resources']] == [account]
    creation = predicted.task('predict create')
    assert creation['changed'] and creation['diff']['before'] == {} and creation['resource_group']['id'] is None
    assert [member['urn'] for member in creation['resource_group']['resources']] == [VPS_STAGING]
    assert fake.write_calls() == []

    updated = run_play(fake, workdir, owner_env, '''
        - name: update
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: ["%(account)s"]
        - name: add without purge
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: [%(staging)s]
            purge_resources: false
        - name: unknown resource
          ovhcloud.iam.ovh_iam_resource_group:
            name: web
            resources: [urn:v1:eu:resource:vps:nope.vps.ovh.net]
          ignore_errors: true
        - name: change the default group
          ovhcloud.iam.ovh_iam_resource_group:
            name: ovh-default
            resources: ["%(account)s"]
          ignore_errors: true
        - name: delete the default group
          ovhcloud.iam.ovh_iam_resource_group:
            name: ovh-default
            state: absent
          ignore_errors: true
        - name: rename
          ovhcloud.iam.ovh_iam_resource_group:
            group_id: %(id)s
            name: web-and-staging
        - name: info by id
          ovhcloud.iam.ovh_iam_resource_group_info:
            group_id: %(id)s
    ''' % {'account': account, 'staging': VPS_STAGING, 'id': group['id']})
    assert [member['urn'] for member in updated.task('update')['resource_group']['resources']] == [account]
    added = updated.task('add without purge')['resource_group']
    assert sorted(member['urn'] for member in added['resources']) == sorted([account, VPS_STAGING])
    assert 'nope.vps.ovh.net' in failure(updated, 'unknown resource')['msg']
    for task in ('change the default group', 'delete the default group'):
        refusal = failure(updated, task)
        assert 'managed by OVHcloud and is read-only' in refusal['msg']
    renamed = updated.task('rename')['resource_group']
    assert renamed['name'] == 'web-and-staging' and updated.task('info by id')['resource_groups'] == [renamed]
    assert fake.write_calls() == [('PUT', '/v2/iam/resourceGroup/' + group['id'])] * 3

    removed = run_play(fake, workdir, owner_env, '''
        - name: delete
          ovhcloud.iam.ovh_iam_resource_group:
            name: web-and-staging
            state: absent
        - name: delete again
          ovhcloud.iam.ovh_iam_resource_group:
            name: web-and-staging
            state: absent
        - name: delete again by id
          ovhcloud.iam.ovh_iam_resource_group:
            group_id: %s
            state: absent
    ''' % group['id'])
    assert removed.changed_tasks() == ['delete']
    assert fake.write_calls() == [('DELETE', '/v2/iam/resourceGroup/' + group['id'])]
    assert group['id'] not in [stored['id'] for stored in fake.state()['resourceGroups']]


def test_invalid_input_is_refused_before_any_request(fake, workdir, owner_env):
    fake.clear_requests()
    result = run_playbook(play('''
        - name: bad actions
          ovhcloud.iam.ovh_iam_permissions_group:
            name: bad
            allow: [reboot, 'urn:v1:eu:resource:vps:x']
            deny: ['vps:apiovh:reboot:now']
          ignore_errors: true
        - name: bad urn
          ovhcloud.iam.ovh_iam_permissions_group:
            urn: urn:v1:eu:policy:x
            state: absent
          ignore_errors: true
        - name: bad resource group
          ovhcloud.iam.ovh_iam_resource_group:
            name: ' '
            group_id: not-a-uuid
            resources: ['*', vps-1234.vps.ovh.net, 'urn:v1:eu:resource:vps:*']
          ignore_errors: true
    '''), workdir, env=owner_env)
    assert result.rc == 0, result
    actions = failure(result, 'bad actions')
    assert len(actions['problems']) == 3
    for item in ("'reboot'", 'urn:v1:eu:resource:vps:x', 'vps:apiovh:reboot:now'):
        assert item in actions['msg']
    assert 'not a permissions group URN' in failure(result, 'bad urn')['msg']
    group = failure(result, 'bad resource group')
    assert len(group['problems']) == 5, group
    assert 'group_id' in group['msg'] and 'wildcard' in group['msg'] and 'name: must not be empty' in group['msg']
    assert fake.requests() == []


def test_groups_sharing_a_name_are_listed(fake, workdir, owner_env):
    """The API lets a rename give two groups one name; addressing them by that name must then fail, naming both."""
    result = run_play(fake, workdir, owner_env, '''
        - name: first permissions group
          ovhcloud.iam.ovh_iam_permissions_group:
            name: twin
            allow: [vps:apiovh:get]
        - name: second permissions group
          ovhcloud.iam.ovh_iam_permissions_group:
            name: other
            allow: [vps:apiovh:get]
          register: second_pg
        - name: rename the second permissions group like the first
          ovhcloud.iam.ovh_iam_permissions_group:
            urn: "{{ second_pg.permissions_group.urn }}"
            name: twin
        - name: ambiguous permissions group
          ovhcloud.iam.ovh_iam_permissions_group:
            name: twin
            allow: [vps:apiovh:reboot]
          ignore_errors: true
        - name: first resource group
          ovhcloud.iam.ovh_iam_resource_group:
            name: twin
        - name: second resource group
          ovhcloud.iam.ovh_iam_resource_group:
            name: other
          register: second_rg
        - name: rename the second resource group like the first
          ovhcloud.iam.ovh_iam_resource_group:
            group_id: "{{ second_rg.resource_group.id }}"
            name: twin
        - name: ambiguous resource group
          ovhcloud.iam.ovh_iam_resource_group:
            name: twin
            state: absent
          ignore_errors: true
    ''')
    permissions = failure(result, 'ambiguous permissions group')
    assert "2 permissions groups are named 'twin'" in permissions['msg'] and 'urn option' in permissions['msg']
    for task in ('first permissions group', 'second permissions group'):
        assert result.task(task)['permissions_group']['urn'] in permissions['msg']
    resources = failure(result, 'ambiguous resource group')
    assert "2 resource groups are named 'twin'" in resources['msg'] and 'group_id option' in resources['msg']
    for task in ('first resource group', 'second resource group'):
        assert result.task(task)['resource_group']['id'] in resources['msg']
    assert [method for method, _path in fake.write_calls()] == ['POST', 'POST', 'PUT'] * 2


# ---------------------------------------------------------------- info modules, ad hoc and in check mode


def test_info_modules_ad_hoc_in_check_mode(fake, workdir, owner_env):
    fake.clear_requests()
    by_urn = run_adhoc('ovhcloud.iam.ovh_iam_permissions_group_info', {'urn': GLOBAL_ADMIN}, workdir, env=owner_env, check=True)
    assert by_urn.rc == 0, by_urn
    [admin] = by_urn.records[-1]['result']['permissions_groups']
    assert admin['owner'] == 'ovh' and admin['read_only'] is True and admin['allow'] == ['*']

    default = run_adhoc('ovhcloud.iam.ovh_iam_resource_group_info', {'name': 'ovh-default'}, workdir, env=owner_env, check=True)
    assert default.rc == 0, default
    [group] = default.records[-1]['result']['resource_groups']
    assert group['read_only'] is True and fake.account_urn() in [member['urn'] for member in group['resources']]

    assert fake.write_calls() == []


# ---------------------------------------------------------------- policies using both kinds of groups


def test_policy_accepts_a_permissions_group_and_a_resource_group(fake, workdir, owner_env):
    assert os.path.exists(POLICY_MODULE)
    result = run_play(fake, workdir, owner_env, '''
        - name: permissions group
          ovhcloud.iam.ovh_iam_permissions_group:
            name: vpsOperators
            allow: [vps:apiovh:reboot, vps:apiovh:get]
          register: operators
        - name: resource group
          ovhcloud.iam.ovh_iam_resource_group:
            name: production-vps
            resources: [%s]
          register: production
        - name: policy
          ovhcloud.iam.ovh_iam_policy:
            name: operators-on-production
            identities: ["urn:v1:eu:identity:group:%s/operators"]
            resources: ["{{ production.resource_group.urn }}"]
            permissions_groups: ["{{ operators.permissions_group.urn }}"]
          register: policy
    ''' % (VPS_PROD, fake.nic))
    group_urn = result.task('resource group')['resource_group']['urn']
    permissions_urn = result.task('permissions group')['permissions_group']['urn']
    assert result.task('policy')['changed']
    [stored] = [policy for policy in fake.state()['policies'] if policy['name'] == 'operators-on-production']
    assert [item['urn'] for item in stored['resources']] == [group_urn]
    assert [item['urn'] for item in stored['permissionsGroups']] == [permissions_urn]
    assert fake.write_calls()[-1] == ('POST', '/v2/iam/policy')
