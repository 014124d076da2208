#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_group_info
short_description: List the user groups of an OVHcloud account
version_added: 1.0.0
description:
  - Return every user group of the account (C(/me/identity/group)) with its role and identity URN, OVHcloud's default
    groups included (RV(groups[].default_group)), or the one named O(name).
  - Read-only.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  name:
    description:
      - Only the group with this name (one request). A name that does not exist gives an empty list, not an error.
    type: str
seealso:
  - module: ovhcloud.iam.ovh_iam_group
  - module: ovhcloud.iam.ovh_iam_user_info
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
'''

EXAMPLES = r'''
- name: Every group of the account
  ovhcloud.iam.ovh_iam_group_info:
  register: all_groups

- name: The groups this playbook may manage (not OVHcloud's default groups)
  ansible.builtin.debug:
    msg: "{{ all_groups.groups | rejectattr('default_group') | map(attribute='name') | list }}"
'''

RETURN = r'''
groups:
  description: The matching groups, sorted by name, in snake_case.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The group name.
      type: str
      sample: web-ops
    description:
      description: The description.
      type: str
      sample: Web operations team
    role:
      description: The role the group's members have on the account, V(ADMIN), V(REGULAR), V(UNPRIVILEGED) or V(NONE).
      type: str
      sample: NONE
    default_group:
      description: Whether it is one of OVHcloud's default groups, which cannot be edited or deleted.
      type: bool
      sample: false
    urn:
      description: The IAM identity URN of the group, to list in policies.
      type: str
      sample: urn:v1:eu:identity:group:xx1111-ovh/web-ops
    created_at:
      description: When the group was created.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
    last_update:
      description: When the group was last changed.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 5
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import get_group, list_groups
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        name=dict(type='str'),
    )


def gather(module):
    name = module.params['name']
    if name:
        found = get_group(module.api, name)
        return {'changed': False, 'groups': [found] if found else []}
    return {'changed': False, 'groups': list_groups(module.api)}


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(gather)


if __name__ == '__main__':
    main()
