#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_group
short_description: Manage the user groups of an OVHcloud account
version_added: 1.0.0
description:
  - Create, update or delete a user group of the account (C(/me/identity/group)). Local users belong to one group
    (M(ovhcloud.iam.ovh_iam_user) O(ovhcloud.iam.ovh_iam_user#module:group)); IAM policies that list the group's
    identity URN (RV(group.urn), C(urn:v1:<region>:identity:group:<nic>/<name>)) apply to every member.
  - The group is found by its O(name), which cannot change. O(description) and O(role) change in place with one PUT,
    only when they differ.
  - OVHcloud's default groups (RV(group.default_group)) cannot be edited or deleted; a task that asks to change one
    fails before any request that writes, and a task that asks for what it already is reports no change.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  name:
    description: The group name. It addresses the group and cannot change.
    type: str
    required: true
  description:
    description: The description. When not given for an existing group, it is left as it is.
    type: str
  role:
    description:
      - The role the members have on the account outside IAM policies, as in the Control Panel. V(NONE) gives nothing
        by itself, so that policies alone decide.
      - When creating a group without it, V(NONE) is sent (as OVHcloud's Terraform provider does). When not given for
        an existing group, its role is left as it is.
    type: str
    choices: [ADMIN, REGULAR, UNPRIVILEGED, NONE]
  state:
    description:
      - V(present) creates or updates the group. V(absent) takes its identity out of every policy that lists it
        (unless O(detach_policies=false)), then deletes it.
    type: str
    choices: [present, absent]
    default: present
  detach_policies:
    description:
      - With O(state=absent), first remove the group's identity URN from every policy that lists it (one full PUT per
        policy). Read-only policies are not touched and are named in a warning.
    type: bool
    default: true
  delete_empty_policies:
    description:
      - With O(state=absent), delete a policy that would list no identity once the group's identity is removed.
    type: bool
    default: false
notes:
  - Group names are unique. When another run creates the same name between this task's read and its create (the API
    answers 409 Conflict), the task adopts that group, warns, and goes on as for an existing group.
  - Whether OVHcloud deletes a group that still has members is not documented. When the delete is refused, the error
    says so; the policies were already detached. Move or delete the members first.
seealso:
  - module: ovhcloud.iam.ovh_iam_group_info
  - module: ovhcloud.iam.ovh_iam_user
  - module: ovhcloud.iam.ovh_iam_policy
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
'''

EXAMPLES = r'''
- name: A group whose rights come from IAM policies only
  ovhcloud.iam.ovh_iam_group:
    name: web-ops
    description: Web operations team
    role: NONE
  register: web_ops

- name: Give the group a policy
  ovhcloud.iam.ovh_iam_policy:
    name: web-ops-read
    identities:
      - "{{ web_ops.group.urn }}"
    resources:
      - urn:v1:eu:resource:vps:*
    allow:
      - vps:apiovh:get

- name: Delete the group (its identity is removed from every policy first)
  ovhcloud.iam.ovh_iam_group:
    name: web-ops
    state: absent
'''

RETURN = r'''
group:
  description:
    - The group after the task, in snake_case. V({}) when absent.
    - In check mode, a group that would be created has RV(group.urn) and the dates set to V(null).
  returned: always
  type: dict
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
      description: The role of the members on the account.
      type: str
      sample: NONE
    default_group:
      description: Whether it is one of OVHcloud's default groups (read-only).
      type: bool
      sample: false
    urn:
      description: The IAM identity URN of the group, to list in the O(ovhcloud.iam.ovh_iam_policy#module:identities) of a policy.
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
detached_policies:
  description: With O(state=absent), the policies the group's identity was removed from (or would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: dict
  contains:
    id:
      description: The policy ID.
      type: str
      sample: 6956639e-4f7c-4d2a-9b7e-0f3a5c1e2d4b
    name:
      description: The policy name.
      type: str
      sample: web-ops-read
    deleted:
      description: Whether the policy was deleted rather than updated.
      type: bool
      sample: false
diff:
  description: The group before and after the task.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The group before, as in RV(group); V({}) when it did not exist.
      type: dict
      sample: {}
    after:
      description: The group after, as in RV(group); V({}) when deleted.
      type: dict
      sample: {name: web-ops, description: Web operations team, role: NONE, default_group: false, urn: null}
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 2
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import (
    ROLES,
    create_group,
    create_or_find_taken,
    delete_group,
    get_group,
    group_changes,
    group_problems,
    group_update_body,
    planned_group,
    retire,
    update_group,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule

DEFAULT_ROLE = 'NONE'


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        role=dict(type='str', choices=list(ROLES)),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        detach_policies=dict(type='bool', default=True),
        delete_empty_policies=dict(type='bool', default=False),
    )


# ---------------------------------------------------------------------------- decisions (no HTTP)

def create_body(params):
    body = {'name': params['name'], 'role': params['role'] or DEFAULT_ROLE}
    if params['description'] is not None:
        body['description'] = params['description']
    return body


def default_group_refusal(current, asked):
    """OVHcloud's default groups cannot be edited or deleted: why the task stops, or None for another group."""
    if not current['default_group']:
        return None
    return ('group %s is one of OVHcloud\'s default groups, which cannot be edited or deleted; %s. Manage a group of '
            'your own instead. Nothing was changed.' % (current['name'], asked))


# ---------------------------------------------------------------------------- read, change, report

def find_current(module):
    return get_group(module.api, module.params['name'])


def report(module, changed, before, after, **extra):
    return module.outcome(changed, 'group', before, after, **extra)


def refuse_default_group(module, current, asked):
    refusal = default_group_refusal(current, asked)
    if refusal:
        module.fail(refusal)


def create(module):
    body = create_body(module.params)
    planned = planned_group(body['name'], module.params['description'], body['role'])
    if module.check_mode:
        return report(module, True, {}, planned)
    created, taken = create_or_find_taken(lambda: create_group(module.api, body), lambda: find_current(module))
    if taken is not None:
        module.warn('Group %s was created by someone else while this task ran (the API answered 409 Conflict): it is '
                    'adopted and updated as an existing group.' % body['name'])
        return update(module, taken)
    return report(module, True, {}, created or planned)


def update(module, current):
    changes = group_changes(current, module.params)
    if not changes:
        return report(module, False, current, current)
    refuse_default_group(module, current, 'the task asks to change %s' % ', '.join(sorted(changes)))
    if not module.check_mode:
        update_group(module.api, current['name'], group_update_body(current, changes))
    return report(module, True, current, dict(current, **changes))


def ensure_present(module, current):
    return create(module) if current is None else update(module, current)


def ensure_absent(module, current):
    if current is None:
        return report(module, False, {}, {}, detached_policies=[])
    refuse_default_group(module, current, 'the task asks to delete it')
    detached = retire(module.api, current, lambda: delete_group(module.api, current['name']), module.params,
                      module.check_mode, module.warn)
    return report(module, True, current, {}, detached_policies=detached)


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True)
    module.run_managing(group_problems, find_current, ensure_present, ensure_absent)


if __name__ == '__main__':
    main()
