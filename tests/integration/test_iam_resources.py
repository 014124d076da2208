"""ovh_iam_resource_info through real ansible-playbook / ansible runs against the fake.

A fresh fake account holds the account resource and four example services:
vps-5a6b7c8d.vps.ovh.net (web-frontend, environment=production), vps-1f2e3d4c.vps.ovh.net (web-staging,
environment=staging), the DNS zone example.com (production) and a Public Cloud project (staging).
"""

import json
from urllib.parse import parse_qs

from tests.ansible_runner import run_adhoc, run_playbook
from tests.playbooks import play

MODULE = 'ovhcloud.iam.ovh_iam_resource_info'
VPS_PROD = 'vps-5a6b7c8d.vps.ovh.net'
VPS_STAGING = 'vps-1f2e3d4c.vps.ovh.net'
OAUTH2_GET = 'account:apiovh:me/api/oauth2/client/get'


def resource_queries(fake):
    return [parse_qs(r['query']) for r in fake.requests() if r['path'] == '/v2/iam/resource']


def names(task_result):
    return sorted(item['name'] for item in task_result['resources'])


def test_lookups_in_check_mode(fake, workdir, owner_env):
    """Every kind of lookup in one playbook, run with --check: an info module reads the same in check mode."""
    result = run_playbook(play('''
        - name: account
          ovhcloud.iam.ovh_iam_resource_info:
            type: account
        - name: by name
          ovhcloud.iam.ovh_iam_resource_info:
            name: %(prod)s
        - name: by tags
          ovhcloud.iam.ovh_iam_resource_info:
            type: [vps, dnsZone]
            tags:
              environment: production
        - name: by tag filters
          ovhcloud.iam.ovh_iam_resource_info:
            tag_filters:
              - key: environment
                operator: EXISTS
              - key: environment
                operator: NEQ
                value: production
        - name: by display name
          ovhcloud.iam.ovh_iam_resource_info:
            type: vps
            display_name: web-staging
        - name: by urn
          ovhcloud.iam.ovh_iam_resource_info:
            urn: urn:v1:eu:resource:vps:%(staging)s
        - name: everything
          ovhcloud.iam.ovh_iam_resource_info:
        - name: reference only
          ovhcloud.iam.ovh_iam_resource_info:
            actions_for: [account, vps]
            resource_types: true
    ''' % {'prod': VPS_PROD, 'staging': VPS_STAGING}), workdir, env=owner_env, check=True)
    assert result.rc == 0, result

    [account] = result.task('account')['resources']
    assert account['urn'] == fake.account_urn()
    assert account['type'] == 'account' and account['name'] == fake.nic and account['owner'] == fake.nic
    assert set(account) == {'id', 'urn', 'name', 'display_name', 'type', 'owner', 'tags'}

    [vps] = result.task('by name')['resources']
    assert vps['urn'] == 'urn:v1:eu:resource:vps:' + VPS_PROD and vps['display_name'] == 'web-frontend'
    assert vps['tags'] == {'environment': 'production'}

    assert names(result.task('by tags')) == ['example.com', VPS_PROD]
    assert names(result.task('by tag filters')) == ['0123456789abcdef0123456789abcdef', VPS_STAGING]
    assert names(result.task('by display name')) == [VPS_STAGING]
    assert names(result.task('by urn')) == [VPS_STAGING]
    assert len(result.task('everything')['resources']) == 5

    reference = result.task('reference only')
    assert 'resources' not in reference
    assert OAUTH2_GET in [item['action'] for item in reference['actions']]
    assert {item['resource_type'] for item in reference['actions']} == {'account', 'vps'}
    oauth2_get = [item for item in reference['actions'] if item['action'] == OAUTH2_GET][0]
    assert set(oauth2_get) == {'action', 'categories', 'description', 'resource_type', 'has_query_parameters'}
    assert {'account', 'vps', 'dnsZone'} <= set(reference['resource_types'])
    assert reference['resource_types'] == sorted(reference['resource_types'])

    queries = resource_queries(fake)
    assert queries[0] == {'resourceType': ['account']}
    assert queries[2]['resourceType'] == ['vps', 'dnsZone']
    assert json.loads(queries[2]['tags'][0]) == {'environment': [{'operator': 'EQ', 'value': 'production'}]}
    assert json.loads(queries[3]['tags'][0]) == {'environment': [{'operator': 'EXISTS'}, {'operator': 'NEQ', 'value': 'production'}]}
    assert queries[5] == {'resourceURN': ['urn:v1:eu:resource:vps:' + VPS_STAGING]}
    assert len(queries) == 7, 'the reference-only task must not list resources'
    assert fake.writes() == []


def test_every_page_is_read_ad_hoc(fake, workdir, owner_env):
    fake.seed(resources=1100)
    fake.clear_requests()
    result = run_adhoc(MODULE, {'type': 'vps', 'actions_for': 'account'}, workdir, env=owner_env)
    assert result.rc == 0, result
    found = result.records[-1]['result']
    assert len(found['resources']) == 1102
    assert len({item['id'] for item in found['resources']}) == 1102
    assert OAUTH2_GET in [item['action'] for item in found['actions']]
    pages = [r for r in fake.requests() if r['path'] == '/v2/iam/resource']
    assert len(pages) == 2 and 'X-Pagination-Cursor' in pages[1]['pagination']
    action_pages = [r for r in fake.requests() if r['path'] == '/v2/iam/reference/action']
    # the ~300 account actions fit in one page of 1000
    assert [r['pagination'].get('X-Pagination-Size') for r in action_pages] == ['1000']


def test_invalid_input_is_refused_before_any_request(fake, workdir, owner_env):
    fake.clear_requests()
    result = run_adhoc(MODULE, {
        'urn': ['*'],
        'actions_for': ['vps:apiovh:reboot'],
        'type': ['urn:v1:eu:resource:vps:x'],
        'tag_filters': [{'key': 'environment', 'operator': 'EXISTS', 'value': 'x'}, {'key': 'team', 'operator': 'LIKE'}],
    }, workdir, env=owner_env)
    assert result.rc != 0
    failed = result.records[-1]['result']
    assert len(failed['problems']) == 5, failed
    assert "'vps'" in failed['msg'] and 'INVALID_RESOURCE_URN' in failed['msg'] and 'tag_filters[1]' in failed['msg']
    assert fake.requests() == []


def test_actions_are_filtered_by_text_and_category(fake, workdir, owner_env):
    result = run_playbook(play('''
        - name: all
          ovhcloud.iam.ovh_iam_resource_info:
            actions_for: [account]
        - name: oauth2 reads
          ovhcloud.iam.ovh_iam_resource_info:
            actions_for: [account]
            action_search: [OAuth2]
            action_categories: [READ]
        - name: two texts
          ovhcloud.iam.ovh_iam_resource_info:
            actions_for: [account]
            action_search: [oauth2/client/create, iam/policy/delete]
    '''), workdir, env=owner_env)
    assert result.rc == 0, result
    every = result.task('all')['actions']
    reads = result.task('oauth2 reads')['actions']
    assert OAUTH2_GET in [item['action'] for item in reads]
    assert 0 < len(reads) < len(every)
    assert all('READ' in item['categories'] for item in reads)
    assert all('oauth2' in (item['action'] + item['description']).lower() for item in reads)
    assert sorted(item['action'] for item in result.task('two texts')['actions']) == [
        'account:apiovh:iam/policy/delete', 'account:apiovh:me/api/oauth2/client/create']


def test_action_filters_without_actions_for_are_refused(fake, workdir, owner_env):
    fake.clear_requests()
    result = run_adhoc(MODULE, {'action_search': ['oauth2'], 'action_categories': ['READ']}, workdir, env=owner_env)
    assert result.rc != 0
    failed = result.records[-1]['result']
    assert len(failed['problems']) == 2 and 'set actions_for too' in failed['msg'], failed
    assert fake.requests() == []
