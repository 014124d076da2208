"""Resources, resource tags and the action reference (_iam_resources.py): views, checks, decisions, named API calls."""

import json

import pytest
import requests

from ansible_collections.ovhcloud.iam.plugins.module_utils import _iam_resources as resources
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError

ACCOUNT_ID = '6d375624-1230-5b56-9ac6-ebaa18f0edeb'
VPS_ID = '5d0e28e2-306e-11ee-8dad-0050568ce122'
ACCOUNT_URN = 'urn:v1:eu:resource:account:xx1111-ovh'
VPS_URN = 'urn:v1:eu:resource:vps:vps-1.vps.ovh.net'
VPS = 'urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'


def seeded_resource(fake, resource_type, **tags):
    """A resource the fake holds from its start (read from its state, which the request log leaves out)."""
    return next(item for item in fake.state()['resources']
                if item['type'] == resource_type and all((item.get('tags') or {}).get(key) == value for key, value in tags.items()))


def raw_resource(resource_id, urn, name, resource_type, tags=None):
    return {'id': resource_id, 'urn': urn, 'name': name, 'displayName': name.upper(), 'type': resource_type,
            'owner': 'xx1111-ovh', 'tags': tags}


# ---------------------------------------------------------------- names


@pytest.mark.parametrize('camel, snake', [
    ('displayName', 'display_name'), ('hasQueryParameters', 'has_query_parameters'), ('readOnly', 'read_only'),
    ('createdAt', 'created_at'), ('resourceType', 'resource_type'), ('urn', 'urn'),
])
def test_snake_case(camel, snake):
    assert resources.snake_case(camel) == snake


# ---------------------------------------------------------------- resources and the reference


def test_resource_view_keeps_tag_keys_as_they_are():
    view = resources.resource_view(raw_resource(VPS_ID, VPS_URN, 'vps-1', 'vps', {'ovh:costCenter': 'x', 'myTag': 'y'}))
    assert view == {'id': VPS_ID, 'urn': VPS_URN, 'name': 'vps-1', 'display_name': 'VPS-1', 'type': 'vps',
                    'owner': 'xx1111-ovh', 'tags': {'ovh:costCenter': 'x', 'myTag': 'y'}}
    assert resources.resource_view(raw_resource(VPS_ID, VPS_URN, 'vps-1', 'vps'))['tags'] == {}


def test_action_view():
    raw = {'action': 'account:apiovh:me/get', 'categories': ['READ'], 'description': 'Get me', 'resourceType': 'account',
           'hasQueryParameters': False}
    assert resources.action_view(raw) == {'action': 'account:apiovh:me/get', 'categories': ['READ'], 'description': 'Get me',
                                          'resource_type': 'account', 'has_query_parameters': False}


def test_tag_filter_query_is_the_json_the_api_takes():
    query = resources.tag_filter_query({'environment': 'production'}, [
        {'key': 'team', 'operator': 'EXISTS', 'value': None},
        {'key': 'environment', 'operator': 'NEQ', 'value': 'staging'},
    ])
    assert json.loads(query) == {
        'environment': [{'operator': 'EQ', 'value': 'production'}, {'operator': 'NEQ', 'value': 'staging'}],
        'team': [{'operator': 'EXISTS'}],
    }
    assert resources.tag_filter_query(None, None) is None
    assert resources.tag_filter_query({}, []) is None


def test_tag_filter_problems_name_every_bad_rule():
    problems = resources.tag_filter_problems('tag_filters', [
        {'key': 'a', 'operator': 'EXISTS', 'value': 'x'},
        {'key': 'b', 'operator': 'LIKE', 'value': None},
        {'key': 'c', 'operator': 'EQ', 'value': 'ok'},
    ])
    assert len(problems) == 2
    assert problems[0].startswith('tag_filters[0]: operator EXISTS')
    assert problems[1].startswith('tag_filters[1]: operator LIKE needs a value')


def test_resource_type_problems_explain_actions_and_urns():
    assert resources.resource_type_problems('actions_for', ['account', 'publicCloudProject']) == []
    problems = resources.resource_type_problems('actions_for', ['vps:apiovh:reboot', 'urn:v1:eu:resource:vps:x', ''])
    assert len(problems) == 3
    assert "'vps'" in problems[0]
    assert 'not a URN' in problems[1]


def test_list_resources_maps_filters_to_query_parameters(fake, api):
    vps = seeded_resource(fake, 'vps', environment='production')
    tags = resources.tag_filter_query({'environment': 'production'})
    found = resources.list_resources(api, types=['vps', 'dnsZone'], names=[vps['name'], 'example.com'], urns=[vps['urn']], tags_query=tags)
    assert [item['id'] for item in found] == [vps['id']]
    assert len(resources.list_resources(api)) == len(fake.state()['resources'])
    assert fake.v2_requests() == [
        ('GET', resources.RESOURCE_PATH, sorted([('resourceType', 'vps'), ('resourceType', 'dnsZone'), ('resourceName', vps['name']),
                                                 ('resourceName', 'example.com'), ('resourceURN', vps['urn']), ('tags', tags)]), 200),
        ('GET', resources.RESOURCE_PATH, [], 200),
    ]


# ---------------------------------------------------------------- resource references


def test_resource_reference_problems():
    assert resources.resource_reference_problems('resources', [VPS_ID, ACCOUNT_URN]) == []
    problems = resources.resource_reference_problems('resources', [
        '*', 'vps-1', 'urn:v1:eu:resource:vps:*', 'urn:v1:eu:resourceGroup:%s' % VPS_ID, 'urn:v1:xx:resource:vps:a'])
    assert len(problems) == 5
    assert 'wildcard' in problems[2]
    assert 'resource group' in problems[3]
    assert 'region' in problems[4]


def test_resolve_resource_references_looks_up_only_unknown_urns(fake, api):
    vps = seeded_resource(fake, 'vps')
    account = seeded_resource(fake, 'account')
    known = {account['id']: {'id': account['id'], 'urn': account['urn']}}
    unknown_id = 'f' * 8 + '-0000-0000-0000-' + '0' * 12
    ids, learnt = resources.resolve_resource_references(api, [account['urn'], vps['urn'], vps['id'], unknown_id], known)
    assert ids == [account['id'], vps['id'], unknown_id]
    assert fake.v2_requests() == [('GET', resources.RESOURCE_PATH, [('resourceURN', vps['urn'])], 200)]
    assert learnt[vps['id']]['type'] == 'vps' and learnt[vps['id']]['urn'] == vps['urn']


def test_resolve_resource_references_without_lookups_when_all_known(fake, api):
    ids, _learnt = resources.resolve_resource_references(api, [ACCOUNT_URN], {ACCOUNT_ID: {'id': ACCOUNT_ID, 'urn': ACCOUNT_URN}})
    assert ids == [ACCOUNT_ID]
    assert fake.requests() == []


def test_resolve_resource_references_batches_and_names_every_unknown_urn(fake, api):
    vps = seeded_resource(fake, 'vps')
    urns = ['urn:v1:eu:resource:vps:missing-%d' % number for number in range(resources.URN_LOOKUP_BATCH + 4)] + [vps['urn']]
    with pytest.raises(OvhError) as caught:
        resources.resolve_resource_references(api, urns, {})
    assert fake.v2_requests() == [
        ('GET', resources.RESOURCE_PATH, sorted(('resourceURN', urn) for urn in urns[:resources.URN_LOOKUP_BATCH]), 200),
        ('GET', resources.RESOURCE_PATH, sorted(('resourceURN', urn) for urn in urns[resources.URN_LOOKUP_BATCH:]), 200),
    ]
    message = str(caught.value)
    assert 'missing-0' in message and 'missing-%d' % (resources.URN_LOOKUP_BATCH + 3) in message
    assert vps['urn'] not in message


# ---------------------------------------------------------------- tags


def test_tag_plan_sets_only_what_differs_and_purges_the_rest_but_ovh_tags():
    current = {'env': 'prod', 'owner': 'bob', 'ovh:region': 'gra'}
    to_set, to_delete, after = resources.tag_plan(current, {'env': 'prod', 'team': 'web'}, purge=True)
    assert to_set == {'team': 'web'}
    assert to_delete == ['owner']
    assert after == {'env': 'prod', 'team': 'web', 'ovh:region': 'gra'}


def test_tag_plan_without_purge_keeps_other_tags():
    assert resources.tag_plan({'owner': 'bob'}, {'env': 'prod'}, purge=False) == ({'env': 'prod'}, [], {'owner': 'bob', 'env': 'prod'})


def test_tag_plan_empty_wanted_with_purge_removes_every_removable_tag():
    assert resources.tag_plan({'a': '1', 'ovh:x': 'y'}, {}, purge=True) == ({}, ['a'], {'ovh:x': 'y'})


def test_tag_plan_unchanged_is_empty():
    assert resources.tag_plan({'a': '1'}, {'a': '1'}, purge=True) == ({}, [], {'a': '1'})


def test_managed_tags_may_be_listed_as_they_are_but_not_changed():
    assert resources.managed_tag_problems({'ovh:region': 'gra'}, {'ovh:region': 'gra'}) == []
    changed = resources.managed_tag_problems({'ovh:region': 'gra'}, {'ovh:region': 'rbx', 'ovh:new': 'x', 'env': 'y'})
    assert len(changed) == 2 and "'ovh:new'" in changed[0] and "'ovh:region'" in changed[1]


@pytest.mark.parametrize('tags, count', [
    ({'env': 'prod', 'a.b:c/d=e+f@g-h_i': ''}, 0),
    ({'': 'x'}, 1),
    ({'k' * 129: 'x'}, 1),
    ({'bad key': 'x'}, 1),
    ({'env': 'has space'}, 1),
    ({'env': 'v' * 257}, 1),
    ({'env': 3}, 1),
    ({'bad key': 3}, 2),
    ({3: 'x', 'env': 'prod'}, 1),
    ({True: None}, 2),
])
def test_tag_problems_follow_the_addtag_patterns(tags, count):
    assert len(resources.tag_problems(tags)) == count


@pytest.mark.parametrize('urn, ok', [
    (VPS, True),
    ('urn:v1:ca:resource:dnsZone:example.com', True),
    ('urn:v1:eu:resource:vps:*', False),
    ('urn:v1:eu:resourceGroup:0123', False),
    ('vps-5a6b7c8d.vps.ovh.net', False),
    ('urn:v1:xx:resource:vps:a', False),
])
def test_tags_belong_to_one_resource_urn(urn, ok):
    assert (resources.resource_urn_problems(urn) == []) is ok


def test_a_changed_tag_is_deleted_and_posted_again_when_post_answers_conflict(api, fake):
    requests.post(fake.url + '/_fake/tag-post-existing', json={'mode': 'conflict'}, timeout=30).raise_for_status()
    resources.add_tag(api, VPS, 'environment', 'staging', replacing=True)
    assert resources.get_resource(api, VPS)['tags']['environment'] == 'staging'
    calls = [(r['method'], r['path'].rsplit('/', 1)[-1]) for r in fake.requests() if r['method'] != 'GET']
    assert calls == [('POST', 'tag'), ('DELETE', 'environment'), ('POST', 'tag')]
    with pytest.raises(OvhApiError):
        resources.add_tag(api, VPS, 'environment', 'prod')  # not a replacement: the conflict is an error


def test_a_tag_post_whose_answer_was_lost_is_read_back(api, fake):
    fake.fault(method='POST', path='/v2/iam/resource/*/tag', status=503, times=1, apply=True)
    resources.add_tag(api, VPS, 'team', 'web')
    assert resources.get_resource(api, VPS)['tags']['team'] == 'web'
    fake.fault(method='POST', path='/v2/iam/resource/*/tag', status=503, times=1)
    with pytest.raises(OvhApiError) as caught:
        resources.add_tag(api, VPS, 'team', 'ops')  # not applied: the read-back shows the old value, the error stands
    assert caught.value.status == 503
    posts = [r['method'] for r in fake.requests() if r['method'] != 'GET']
    assert posts == ['POST', 'POST']  # never sent twice


def test_remove_tag_says_whether_there_was_one(api):
    resources.add_tag(api, VPS, 'team', 'web')
    assert resources.remove_tag(api, VPS, 'team') is True
    assert resources.remove_tag(api, VPS, 'team') is False


def test_merge_list_purges_adds_or_keeps():
    have = ['a', 'b']
    assert resources.merge_list(have, None, True) == ['a', 'b']
    assert resources.merge_list(have, ['c', 'c', 'a'], True) == ['c', 'a']
    assert resources.merge_list(have, ['c', 'a'], False) == ['a', 'b', 'c']
    assert resources.merge_list(have, [], True) == []
    assert resources.merge_list(have, [], False) == ['a', 'b']
