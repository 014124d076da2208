#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_resource_info
short_description: Look up OVHcloud IAM resources, their URNs, and the actions of resource types
version_added: 1.0.0
description:
  - Return the IAM resources of an OVHcloud account (C(GET /v2/iam/resource)) with their URNs and ids, so playbooks
    need not write URNs by hand. The account itself is a resource of type C(account), the target of every C(/me) action.
  - The filters O(type), O(name), O(urn), O(tags) and O(tag_filters) are applied by the API; O(display_name) is applied
    by the module. Filters combine with AND; the values of one list filter combine with OR. Every page is read.
  - Also lists the valid actions of resource types (O(actions_for), C(GET /v2/iam/reference/action)) and the resource
    types themselves (O(resource_types), C(GET /v2/iam/reference/resource/type)).
  - "What is returned: RV(resources) when a resource filter is set, or when neither O(actions_for) nor O(resource_types)
    is set (then every resource of the account); RV(actions) when O(actions_for) is set; RV(resource_types) when
    O(resource_types=true). One task can ask for all three."
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
options:
  type:
    description:
      - Only resources of these types, for example V(account), V(vps), V(dnsZone), V(publicCloudProject).
      - O(resource_types=true) lists the types OVHcloud knows.
    type: list
    elements: str
  name:
    description:
      - Only resources with these exact names (the service name, such as V(vps-1234.vps.ovh.net) or the nichandle for the account).
    type: list
    elements: str
  display_name:
    description:
      - Only resources with these exact display names (the names shown in the Control Panel). Applied by the module.
    type: list
    elements: str
  urn:
    description:
      - Only resources with these URNs. A V(*) wildcard may start or end the name part, for example V(urn:v1:eu:resource:vps:*).
    type: list
    elements: str
  tags:
    description:
      - Only resources carrying every one of these tags (a mapping of tag key to value) with exactly these values.
      - For other comparisons, use O(tag_filters).
    type: dict
  tag_filters:
    description:
      - Only resources whose tags pass every one of these tests. Combines with O(tags).
    type: list
    elements: dict
    suboptions:
      key:
        description: Tag key to test.
        type: str
        required: true
      operator:
        description:
          - V(EQ) equal, V(NEQ) different or missing, V(LIKE) and V(ILIKE) (case-insensitive) match a pattern where V(%) stands
            for any text, V(EXISTS) the key is set, V(NEXISTS) the key is not set.
        type: str
        choices: [EQ, NEQ, LIKE, ILIKE, EXISTS, NEXISTS]
        default: EQ
      value:
        description: Value or pattern to compare with. Required, except with V(EXISTS) and V(NEXISTS), which take none.
        type: str
  actions_for:
    description:
      - Resource types whose valid IAM actions to return in RV(actions), for example V([account]) or V([vps, dnsZone]).
      - The action strings are what O(ovhcloud.iam.ovh_iam_policy#module:allow) and
        O(ovhcloud.iam.ovh_iam_permissions_group#module:allow) take.
    type: list
    elements: str
  action_search:
    description:
      - With O(actions_for), only the actions whose action string or description contains one of these texts
        (case-insensitive), for example V([oauth2]) or V([policy, "permissions group"]). Applied by the module.
      - The account alone has thousands of actions; this and O(action_categories) narrow them down.
    type: list
    elements: str
  action_categories:
    description:
      - With O(actions_for), only the actions in one of these categories. Applied by the module.
      - Combines with O(action_search) (AND).
    type: list
    elements: str
    choices: [CREATE, READ, EDIT, OPERATE, DELETE]
  resource_types:
    description:
      - Whether to return every resource type OVHcloud knows in RV(resource_types).
    type: bool
    default: false
notes:
  - OVHcloud answers resource queries for the resources the caller can see; a service account sees what its policies give it.
seealso:
  - module: ovhcloud.iam.ovh_iam_policy
  - module: ovhcloud.iam.ovh_iam_resource_group
  - module: ovhcloud.iam.ovh_iam_permissions_group
'''

EXAMPLES = r'''
- name: Find the account resource, the target of /me actions such as managing service accounts
  ovhcloud.iam.ovh_iam_resource_info:
    type: account
  register: account

- name: Show its URN
  ansible.builtin.debug:
    msg: "{{ account.resources[0].urn }}"

- name: Find a VPS by its service name
  ovhcloud.iam.ovh_iam_resource_info:
    type: vps
    name: vps-5a6b7c8d.vps.ovh.net

- name: Find the VPS and DNS zones tagged environment=production
  ovhcloud.iam.ovh_iam_resource_info:
    type: [vps, dnsZone]
    tags:
      environment: production

- name: Find the resources with an environment tag other than production
  ovhcloud.iam.ovh_iam_resource_info:
    tag_filters:
      - key: environment
        operator: EXISTS
      - key: environment
        operator: NEQ
        value: production

- name: List the actions a policy can allow on the account, and every resource type
  ovhcloud.iam.ovh_iam_resource_info:
    actions_for: [account]
    resource_types: true
  register: reference

- name: Show the actions about OAuth2 clients
  ansible.builtin.debug:
    msg: "{{ reference.actions | map(attribute='action') | select('search', 'oauth2') | list }}"

- name: Only the read actions about OAuth2 clients on the account
  ovhcloud.iam.ovh_iam_resource_info:
    actions_for: [account]
    action_search: [oauth2]
    action_categories: [READ]
  register: oauth2_reads
'''

RETURN = r'''
resources:
  description:
    - The matching resources, in the API's order, with snake_case keys. Empty when none matches.
  returned: when a resource filter (O(type), O(name), O(display_name), O(urn), O(tags), O(tag_filters)) is set,
    or when neither O(actions_for) nor O(resource_types) is set
  type: list
  elements: dict
  contains:
    id:
      description: Resource id, the reference a resource group uses.
      type: str
      sample: 5d0e28e2-306e-11ee-8dad-0050568ce122
    urn:
      description: Resource URN, the reference a policy uses.
      type: str
      sample: urn:v1:eu:resource:account:xx1111-ovh
    name:
      description: Resource name (the service name, or the nichandle for the account).
      type: str
      sample: xx1111-ovh
    display_name:
      description: Name shown in the Control Panel.
      type: str
      sample: xx1111-ovh
    type:
      description: Resource type.
      type: str
      sample: account
    owner:
      description: Nichandle of the account that owns the resource.
      type: str
      sample: xx1111-ovh
    tags:
      description: Tags of the resource (keys as they are; OVHcloud's own tags start with C(ovh:)).
      type: dict
      sample: {environment: production}
actions:
  description:
    - The valid actions of the resource types of O(actions_for), with snake_case keys, in the API's order.
    - Only those that pass O(action_search) and O(action_categories) when they are set.
  returned: when O(actions_for) is set
  type: list
  elements: dict
  contains:
    action:
      description: The action string, as policies and permissions groups take it.
      type: str
      sample: account:apiovh:me/api/oauth2/client/get
    categories:
      description: Categories of the action (C(CREATE), C(READ), C(EDIT), C(OPERATE), C(DELETE)).
      type: list
      elements: str
      sample: [READ]
    description:
      description: What the action allows.
      type: str
      sample: Get an OAuth2 client
    resource_type:
      description: Resource type the action applies to.
      type: str
      sample: account
    has_query_parameters:
      description: Whether the action can be used with additional parameters.
      type: bool
      sample: false
resource_types:
  description: Every resource type OVHcloud knows, sorted.
  returned: when O(resource_types=true)
  type: list
  elements: str
  sample: [account, dedicatedServer, dnsZone, publicCloudProject, vps]
api_requests:
  description: Number of HTTP requests sent to the OVHcloud API, authentication included.
  returned: when the API was called
  type: int
  sample: 2
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import (
    TAG_OPERATORS,
    action_view,
    list_actions,
    list_resource_types,
    list_resources,
    resource_type_problems,
    resource_view,
    tag_filter_problems,
    tag_filter_query,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import resource_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule

RESOURCE_FILTERS = ('type', 'name', 'display_name', 'urn', 'tags', 'tag_filters')


def argument_spec():
    return dict(
        type=dict(type='list', elements='str'),
        name=dict(type='list', elements='str'),
        display_name=dict(type='list', elements='str'),
        urn=dict(type='list', elements='str'),
        tags=dict(type='dict'),
        tag_filters=dict(type='list', elements='dict', options=dict(
            key=dict(type='str', required=True, no_log=False),
            operator=dict(type='str', default='EQ', choices=list(TAG_OPERATORS)),
            value=dict(type='str'),
        )),
        actions_for=dict(type='list', elements='str'),
        action_search=dict(type='list', elements='str'),
        action_categories=dict(type='list', elements='str', choices=['CREATE', 'READ', 'EDIT', 'OPERATE', 'DELETE']),
        resource_types=dict(type='bool', default=False),
    )


def input_problems(params):
    problems = resource_type_problems('type', params['type'])
    problems.extend(resource_type_problems('actions_for', params['actions_for']))
    for option in ('action_search', 'action_categories'):
        if params[option] is not None and not params['actions_for']:
            problems.append('%s filters the actions of actions_for: set actions_for too (for example actions_for: [account])' % option)
    problems.extend('action_search: texts must not be empty' for text in params['action_search'] or () if not text.strip())
    problems.extend(resource_problems('urn', params['urn']))
    problems.extend(tag_filter_problems('tag_filters', params['tag_filters']))
    for option in ('name', 'display_name'):
        problems.extend('%s: names must not be empty' % option for value in params[option] or () if not value.strip())
    return problems


def wants_resources(params):
    if any(params[option] is not None for option in RESOURCE_FILTERS):
        return True
    return not params['actions_for'] and not params['resource_types']


def matching_resources(api, params):
    found = list_resources(api, types=params['type'], names=params['name'], urns=params['urn'],
                           tags_query=tag_filter_query(params['tags'], params['tag_filters']))
    views = [resource_view(item) for item in found]
    if params['display_name'] is not None:
        wanted = set(params['display_name'])
        views = [view for view in views if view['display_name'] in wanted]
    return views


def action_matches(view, search, categories):
    """Whether an action passes the text (any of, case-insensitive, in action or description) and category filters."""
    if categories is not None and not set(view['categories']) & set(categories):
        return False
    if search is None:
        return True
    haystack = ('%s\n%s' % (view['action'] or '', view['description'] or '')).lower()
    return any(text.strip().lower() in haystack for text in search)


def gather(module):
    params = module.params
    problems = input_problems(params)
    if problems:
        module.fail_input(problems)
    result = dict(changed=False)
    if wants_resources(params):
        result['resources'] = matching_resources(module.api, params)
    if params['actions_for']:
        views = [action_view(item) for item in list_actions(module.api, params['actions_for'])]
        result['actions'] = [view for view in views
                             if action_matches(view, params['action_search'], params['action_categories'])]
    if params['resource_types']:
        result['resource_types'] = sorted(list_resource_types(module.api))
    return result


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(gather)


if __name__ == '__main__':
    main()
