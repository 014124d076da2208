#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_resource_group_info
short_description: List OVHcloud IAM resource groups
version_added: 1.0.0
description:
  - Return the resource groups of an OVHcloud account (C(/v2/iam/resourceGroup)) with their members' details, every page,
    with snake_case keys.
  - The list includes read-only groups, such as the C(ovh-default) group of the account's default policy.
  - Give O(group_id) for one group, O(name) for the groups with that name, or neither for all of them.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
options:
  name:
    description:
      - Only the groups with this exact name.
    type: str
  group_id:
    description:
      - Only the group with this id (one C(GET)). No group is returned when none has it.
    type: str
seealso:
  - module: ovhcloud.iam.ovh_iam_resource_group
  - module: ovhcloud.iam.ovh_iam_resource_info
'''

EXAMPLES = r'''
- name: List every resource group
  ovhcloud.iam.ovh_iam_resource_group_info:
  register: all_groups

- name: Show the name and member count of each group
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.resources | length }} resource(s)"
  loop: "{{ all_groups.resource_groups }}"
  loop_control:
    label: "{{ item.id }}"

- name: Get the default group OVHcloud keeps for the account
  ovhcloud.iam.ovh_iam_resource_group_info:
    name: ovh-default
  register: default_group

- name: Get a group by id
  ovhcloud.iam.ovh_iam_resource_group_info:
    group_id: "{{ default_group.resource_groups[0].id }}"
'''

RETURN = r'''
resource_groups:
  description: The matching resource groups, in the API's order, with snake_case keys. Empty when none matches.
  returned: always
  type: list
  elements: dict
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
      sample: ovh-default
    owner:
      description: Owner of the group (the account nichandle).
      type: str
      sample: xx1111-ovh
    read_only:
      description: Whether the group is managed by OVHcloud and cannot be changed.
      type: bool
      sample: true
    resources:
      description: The members of the group.
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
      sample: '2023-01-01T00:00:00.000000Z'
    updated_at:
      description: Date of the last change.
      type: str
      sample: '2023-01-01T00:00:00.000000Z'
api_requests:
  description: Number of HTTP requests sent to the OVHcloud API, authentication included.
  returned: when the API was called
  type: int
  sample: 2
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import RESOURCE_GROUPS
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups_module import gather_groups
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import is_resource_id
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(name=dict(type='str'), group_id=dict(type='str'))


def input_problems(params):
    group_id = params['group_id']
    if group_id is not None and not is_resource_id(group_id):
        return ['group_id: %r is not a resource group id (a UUID)' % group_id]
    return []


def gather(module):
    return gather_groups(module, RESOURCE_GROUPS, input_problems(module.params))


def main():
    OvhModule(argument_spec(), supports_check_mode=True, mutually_exclusive=[('name', 'group_id')]).run(gather)


if __name__ == '__main__':
    main()
