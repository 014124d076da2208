#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_permissions_group_info
short_description: List OVHcloud IAM permissions groups
version_added: 1.0.0
description:
  - Return the permissions groups of an OVHcloud account (C(/v2/iam/permissionsGroup)), every page, with snake_case keys.
  - The list includes the read-only groups OVHcloud manages (owner C(ovh)), whose URNs policies can include as they are.
  - Give O(urn) for one group, O(name) for the groups with that name, or neither for all of them.
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
  urn:
    description:
      - Only the group with this URN (one C(GET)). No group is returned when none has it.
    type: str
seealso:
  - module: ovhcloud.iam.ovh_iam_permissions_group
  - module: ovhcloud.iam.ovh_iam_policy
'''

EXAMPLES = r'''
- name: List every permissions group, OVHcloud's included
  ovhcloud.iam.ovh_iam_permissions_group_info:
  register: all_groups

- name: Show the URNs of the groups OVHcloud manages
  ansible.builtin.debug:
    msg: "{{ all_groups.permissions_groups | selectattr('read_only') | map(attribute='urn') | list }}"

- name: Get OVHcloud's globalAdmin group by name
  ovhcloud.iam.ovh_iam_permissions_group_info:
    name: globalAdmin
  register: global_admin

- name: Get a group by URN
  ovhcloud.iam.ovh_iam_permissions_group_info:
    urn: "{{ global_admin.permissions_groups[0].urn }}"
'''

RETURN = r'''
permissions_groups:
  description: The matching permissions groups, in the API's order, with snake_case keys. Empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Unique identifier of the group.
      type: str
      sample: 6956639e-3848-11ee-ae3c-0050568ce122
    urn:
      description: URN of the group, the reference a policy uses.
      type: str
      sample: urn:v1:eu:permissionsGroup:ovh:globalAdmin
    name:
      description: Name of the group.
      type: str
      sample: globalAdmin
    description:
      description: Description of the group (empty string when it has none).
      type: str
      sample: Full access to every resource of the account
    allow:
      description: Allowed actions.
      type: list
      elements: str
      sample: ['*']
    except:
      description: Actions excepted from those allowed.
      type: list
      elements: str
      sample: []
    deny:
      description: Denied actions.
      type: list
      elements: str
      sample: []
    owner:
      description: Owner of the group, the account nichandle, or C(ovh) for the groups OVHcloud manages.
      type: str
      sample: ovh
    read_only:
      description: Whether the group is managed by OVHcloud and cannot be changed.
      type: bool
      sample: true
    created_at:
      description: Creation date.
      type: str
      sample: '2023-01-01T00:00:00.000000Z'
    updated_at:
      description: Date of the last change.
      type: str
      sample: '2023-06-19T13:13:34.642173Z'
api_requests:
  description: Number of HTTP requests sent to the OVHcloud API, authentication included.
  returned: when the API was called
  type: int
  sample: 2
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import PERMISSIONS_GROUPS
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups_module import gather_groups
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import permissions_group_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(name=dict(type='str'), urn=dict(type='str'))


def input_problems(params):
    return permissions_group_problems('urn', [params['urn']]) if params['urn'] is not None else []


def gather(module):
    return gather_groups(module, PERMISSIONS_GROUPS, input_problems(module.params))


def main():
    OvhModule(argument_spec(), supports_check_mode=True, mutually_exclusive=[('name', 'urn')]).run(gather)


if __name__ == '__main__':
    main()
