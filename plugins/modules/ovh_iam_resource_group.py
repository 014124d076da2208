#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_resource_group
short_description: Manage OVHcloud IAM resource groups
version_added: 1.0.0
description:
  - Create, update and delete the resource groups of an OVHcloud account (C(/v2/iam/resourceGroup)).
  - A resource group is a named set of resources (VPS, DNS zones, projects, the account itself...). A policy lists
    the group's URN (C(urn:v1:eu:resourceGroup:<id>)) in its resources and then applies to every member.
  - The group is found by O(group_id), or else by O(name). Several groups with the same name make the task fail and list their ids.
  - Members are a set, so order and duplicates never cause a change. An update sends one C(PUT) with the whole group,
    only when something differs.
  - Read-only groups (such as the C(ovh-default) group OVHcloud keeps for the account's default policy) are refused;
    the module never changes or deletes them. They remain visible to M(ovhcloud.iam.ovh_iam_resource_group_info).
  - Every option is checked before any API call, and every problem is reported at once.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
options:
  name:
    description:
      - Name of the resource group. Required to create one.
      - With O(group_id), renames the group.
      - A name to create or rename to must use letters, digits, C(-), C(_), C(/) and C(+) only (the format of OVHcloud's
        Control Panel). An empty name, or one holding NUL or other control characters, is always refused.
    type: str
  group_id:
    description:
      - Id (a UUID) of the group to manage, as returned in RV(resource_group.id).
      - The group must exist. OVHcloud chooses the id of a new group, so create groups by O(name).
    type: str
  resources:
    description:
      - Members of the group. Give each one as a resource URN (for example V(urn:v1:eu:resource:vps:vps-1234.vps.ovh.net))
        or as a resource id (a UUID); both are listed by M(ovhcloud.iam.ovh_iam_resource_info).
      - The API references members by id. URNs that are not already members are resolved to ids with one
        C(GET /v2/iam/resource?resourceURN=...) per 40 URNs; a URN that matches no resource of the account fails the task
        before any change.
      - URNs must name one resource; wildcards belong in the resources of a policy, not in a group.
      - If not set, the members of an existing group are left as they are, and a new group is created empty.
    type: list
    elements: str
  purge_resources:
    description:
      - When V(true), O(resources) is the exact list of members, and the others are removed (V([]) empties the group).
      - When V(false), the resources of O(resources) are added and the current members are kept.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the group, V(absent) deletes it.
      - Deleting a group that policies use removes it from their resources (OVHcloud unlinks it).
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: ovhcloud.iam.ovh_iam_resource_group_info
  - module: ovhcloud.iam.ovh_iam_resource_info
  - module: ovhcloud.iam.ovh_iam_policy
'''

EXAMPLES = r'''
- name: Find the account resource (the target of every /me action)
  ovhcloud.iam.ovh_iam_resource_info:
    type: account
  register: account

- name: Create a group holding the account, given by URN
  ovhcloud.iam.ovh_iam_resource_group:
    name: automation-targets
    resources:
      - "{{ account.resources[0].urn }}"
  register: targets

- name: Show the URN a policy lists to apply to every member
  ansible.builtin.debug:
    msg: "{{ targets.resource_group.urn }}"

- name: Find every VPS tagged environment=production
  ovhcloud.iam.ovh_iam_resource_info:
    type: vps
    tags:
      environment: production
  register: production_vps

- name: Add them to the group, keeping the current members
  ovhcloud.iam.ovh_iam_resource_group:
    name: automation-targets
    resources: "{{ production_vps.resources | map(attribute='id') | list }}"
    purge_resources: false

- name: Delete the group
  ovhcloud.iam.ovh_iam_resource_group:
    group_id: "{{ targets.resource_group.id }}"
    state: absent
'''

RETURN = r'''
resource_group:
  description:
    - The resource group after the task (in check mode, as it would be), with snake_case keys.
    - Empty when O(state=absent).
    - In check mode, a group that would be created has V(null) C(id), C(urn), C(owner), C(created_at) and C(updated_at).
  returned: always
  type: dict
  contains:
    id:
      description: Unique identifier of the group.
      type: str
      sample: 9167fb26-382b-11ee-895a-0050568ce122
    urn:
      description: URN of the group, the reference a policy lists in its resources.
      type: str
      sample: urn:v1:eu:resourceGroup:9167fb26-382b-11ee-895a-0050568ce122
    name:
      description: Name of the group.
      type: str
      sample: automation-targets
    owner:
      description: Owner of the group (the account nichandle).
      type: str
      sample: xx1111-ovh
    read_only:
      description: Whether the group is managed by OVHcloud and cannot be changed.
      type: bool
      sample: false
    resources:
      description:
        - The members of the group.
        - In check mode, C(urn), C(name), C(display_name) and C(type) are V(null) for a member given by id that is not
          yet in the group (the API has no lookup of a resource by id).
      type: list
      elements: dict
      contains:
        id:
          description: Resource id.
          type: str
          sample: d94d0a7a-382c-11ee-9153-0050568ce122
        urn:
          description: Resource URN.
          type: str
          sample: urn:v1:eu:resource:account:xx1111-ovh
        name:
          description: Resource name.
          type: str
          sample: xx1111-ovh
        display_name:
          description: Display name of the resource.
          type: str
          sample: xx1111-ovh
        type:
          description: Resource type.
          type: str
          sample: account
    created_at:
      description: Creation date.
      type: str
      sample: '2024-03-19T10:45:18.000Z'
    updated_at:
      description: Date of the last change.
      type: str
      sample: '2024-06-08T02:12:02.000Z'
diff:
  description: The group before and after the task, when run with C(--diff). An empty dict stands for a group that does not exist.
  returned: when diff mode is on
  type: dict
  sample:
    before:
      name: automation-targets
      resources: []
    after:
      name: automation-targets
      resources: [{id: d94d0a7a-382c-11ee-9153-0050568ce122, urn: 'urn:v1:eu:resource:account:xx1111-ovh'}]
api_requests:
  description: Number of HTTP requests sent to the OVHcloud API, authentication included.
  returned: when the API was called
  type: int
  sample: 3
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import (
    RESOURCE_GROUPS,
    get_resource_group,
    member_ids,
    resource_group_body,
    resource_group_differs,
    resource_group_view,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups_module import (
    ensure_group_absent,
    find_current_group,
    refuse_read_only,
    refuse_unknown_address,
    report_group,
    write_group,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import (
    is_resource_id,
    merge_list,
    resolve_resource_references,
    resource_reference_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import name_problems, new_name_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        name=dict(type='str'),
        group_id=dict(type='str'),
        resources=dict(type='list', elements='str'),
        purge_resources=dict(type='bool', default=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )


# ---------------------------------------------------------------- decisions (no API call)


def input_problems(params):
    problems = name_problems('name', params['name'])
    if params['group_id'] is not None and not is_resource_id(params['group_id']):
        problems.append('group_id: %r is not a resource group id (a UUID such as 9167fb26-382b-11ee-895a-0050568ce122)' % params['group_id'])
    problems.extend(resource_reference_problems('resources', params['resources']))
    return problems


def new_group(name):
    return {'id': None, 'urn': None, 'name': name, 'owner': None, 'read_only': False, 'resources': [],
            'created_at': None, 'updated_at': None}


def unseen_member(resource_id):
    return {'id': resource_id, 'urn': None, 'name': None, 'display_name': None, 'type': None}


def wanted_group(params, current, resolved_ids=None, known=None):
    """The group as the task wants it: options left out keep the current value. ``resolved_ids`` are the ids of
    ``resources`` (URNs resolved), ``known`` what is known of members (id -> member view)."""
    wanted = dict(current or new_group(params['name']))
    if params['name'] is not None:
        wanted['name'] = params['name']
    if params['resources'] is not None:
        wanted_ids = merge_list(member_ids(wanted), resolved_ids, params['purge_resources'])
        wanted['resources'] = [dict((known or {}).get(member_id) or unseen_member(member_id)) for member_id in wanted_ids]
    return wanted


def rename_problems(current, wanted):
    """A name about to be written (a new group, a rename) must have the Control Panel's format."""
    if current is not None and wanted['name'] == current['name']:
        return []
    return new_name_problems('name', wanted['name'])


def lacks_member_details(group):
    """Whether members given by id lack their details after a write (the API has no lookup of a resource by id)."""
    return group['id'] is not None and any(member['type'] is None for member in group['resources'])


# ---------------------------------------------------------------- read, change, report


def find_current(module):
    return find_current_group(module, RESOURCE_GROUPS)


def ensure_present(module, current):
    params = module.params
    refuse_unknown_address(module, RESOURCE_GROUPS, current)
    known = dict((member['id'], member) for member in (current or {}).get('resources') or ())
    resolved_ids = None
    if params['resources'] is not None:
        resolved_ids, known = resolve_resource_references(module.api, params['resources'], known)
    wanted = wanted_group(params, current, resolved_ids, known)
    if current is not None and not resource_group_differs(current, wanted):
        return report(module, False, current, current)
    refuse_read_only(module, RESOURCE_GROUPS, current, 'changed')
    problems = rename_problems(current, wanted)
    if problems:
        module.fail_input(problems)
    if module.check_mode:
        return report(module, True, current, wanted)
    answer = write_group(module, RESOURCE_GROUPS, current, resource_group_body(wanted['name'], member_ids(wanted)))
    after = resource_group_view(answer, known) if answer else wanted
    if lacks_member_details(after):
        detailed = get_resource_group(module.api, after['id'])
        after = resource_group_view(detailed, known) if detailed else after
    return report(module, True, current, after)


def ensure_absent(module, current):
    return ensure_group_absent(module, RESOURCE_GROUPS, current)


def report(module, changed, before, after, **extra):
    return report_group(module, RESOURCE_GROUPS, changed, before, after, **extra)


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True, required_one_of=[('name', 'group_id')])
    module.run_managing(input_problems, find_current, ensure_present, ensure_absent)


if __name__ == '__main__':
    main()
