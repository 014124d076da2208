#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_user_info
short_description: List the local users of an OVHcloud account
version_added: 1.0.0
description:
  - Return every local user of the account (C(/me/identity/user)) with its details and identity URN, or the one with
    O(login), or those of O(group).
  - Read-only. Passwords are never readable.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  login:
    description:
      - Only the user with this login (one request). A login that does not exist gives an empty list, not an error.
    type: str
  group:
    description: Only the users of this group.
    type: str
seealso:
  - module: ovhcloud.iam.ovh_iam_user
  - module: ovhcloud.iam.ovh_iam_group_info
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
'''

EXAMPLES = r'''
- name: Every local user of the account
  ovhcloud.iam.ovh_iam_user_info:
  register: all_users

- name: The members of the web-ops group, by login
  ovhcloud.iam.ovh_iam_user_info:
    group: web-ops
  register: web_ops

- name: Show their identity URNs
  ansible.builtin.debug:
    msg: "{{ web_ops.users | map(attribute='urn') | list }}"
'''

RETURN = r'''
users:
  description: The matching users, sorted by login, in snake_case.
  returned: always
  type: list
  elements: dict
  contains:
    login:
      description: The login.
      type: str
      sample: alice
    email:
      description: The email address.
      type: str
      sample: alice@example.com
    description:
      description: The description.
      type: str
      sample: Alice, web team
    group:
      description: The name of the user's group.
      type: str
      sample: web-ops
    enabled:
      description: Whether the user may log in (its status is not V(DISABLED)).
      type: bool
      sample: true
    status:
      description: V(OK), V(DISABLED) or V(PASSWORD_CHANGE_REQUIRED).
      type: str
      sample: OK
    type:
      description: The type of user (V(USER) for local users).
      type: str
      sample: USER
    urn:
      description: The IAM identity URN of the user.
      type: str
      sample: urn:v1:eu:identity:user:xx1111-ovh/alice
    created_at:
      description: When the user was created.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
    last_update:
      description: When the user was last changed.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
    password_last_update:
      description: When the password was last set.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 3
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import get_user, list_users
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        login=dict(type='str'),
        group=dict(type='str'),
    )


def gather(module):
    params = module.params
    if params['login']:
        found = get_user(module.api, params['login'])
        users = [found] if found else []
    else:
        users = list_users(module.api)
    if params['group'] is not None:
        users = [user for user in users if user['group'] == params['group']]
    return {'changed': False, 'users': users}


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(gather)


if __name__ == '__main__':
    main()
