#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_permissions_group
short_description: Manage OVHcloud IAM permissions groups (reusable sets of actions)
version_added: 1.0.0
description:
  - Create, update and delete the permissions groups of an OVHcloud account (C(/v2/iam/permissionsGroup)).
  - A permissions group is a named, reusable set of allowed, excepted and denied actions. A policy includes it
    by URN (O(ovhcloud.iam.ovh_iam_policy#module:permissions_groups)), so one change to the group reaches every policy using it.
  - The group is found by O(urn), or else by O(name). Several groups with the same name make the task fail and list their URNs.
  - Action lists are sets, so order and duplicates never cause a change. An update sends one C(PUT) with the whole group,
    only when something differs.
  - The groups OVHcloud manages (owner C(ovh), for example C(urn:v1:eu:permissionsGroup:ovh:globalAdmin)) are read-only.
    The module refuses to change or delete them. They remain visible to M(ovhcloud.iam.ovh_iam_permissions_group_info).
  - Every option is checked before any API call, and every problem is reported at once.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
options:
  name:
    description:
      - Name of the permissions group. Required to create one.
      - OVHcloud builds the URN of a new group from the account and this name, for example
        C(urn:v1:eu:permissionsGroup:xx1111-ovh:dnsOperators).
      - With O(urn), renames the group the URN designates. Use the returned RV(permissions_group.urn) afterwards.
      - An empty name, or one holding NUL or other control characters, is refused before any call.
    type: str
  urn:
    description:
      - URN of the group to manage, as returned in RV(permissions_group.urn) or by M(ovhcloud.iam.ovh_iam_permissions_group_info).
      - The group must exist. OVHcloud chooses the URN of a new group, so create groups by O(name).
    type: str
  description:
    description:
      - Description of the group.
      - If not set, an existing group keeps its description, and a new group gets an empty one.
    type: str
  allow:
    description:
      - Actions the group allows, for example V(account:apiovh:me/api/oauth2/client/get) or a wildcard such as
        V(dnsZone:apiovh:record/*) or V(*get) (a C(*) at the start or the end is a wildcard).
      - Actions the group does not hold yet are checked against OVHcloud's action catalogue; see O(validate_actions).
      - M(ovhcloud.iam.ovh_iam_resource_info) with O(ovhcloud.iam.ovh_iam_resource_info#module:actions_for) lists the valid actions
        of a resource type.
      - If not set, the allowed actions of an existing group are left as they are.
    type: list
    elements: str
  except:
    description:
      - Actions removed from those this group's O(allow) grants, for example V(dnsZone:apiovh:record/delete) after
        V(dnsZone:apiovh:record/*). OVHcloud evaluates each permissions group on its own, so this is the place to trim
        a group; the O(ovhcloud.iam.ovh_iam_policy#module:except) of a policy does not reach into the groups it references.
      - If not set, the excepted actions of an existing group are left as they are.
    type: list
    elements: str
  deny:
    description:
      - Actions the group denies. A denied action stays denied whatever other policies allow.
      - If not set, the denied actions of an existing group are left as they are.
    type: list
    elements: str
  purge_allow:
    description:
      - When V(true), O(allow) is the exact list, and allowed actions missing from it are removed (V([]) removes them all).
      - When V(false), the actions of O(allow) are added and the others are kept.
    type: bool
    default: true
  purge_except:
    description:
      - When V(true), O(except) is the exact list; when V(false), its actions are added to those already excepted.
    type: bool
    default: true
  purge_deny:
    description:
      - When V(true), O(deny) is the exact list; when V(false), its actions are added to those already denied.
    type: bool
    default: true
  validate_actions:
    description:
      - Before any write, check the actions the group does not hold yet against OVHcloud's action catalogue
        (one C(GET /v2/iam/reference/action) per task, filtered on the resource types named) and refuse unknown ones
        with the closest known ones. A wildcard must match at least one known action.
      - Set V(false) for an action newer than the catalogue.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the group, V(absent) deletes it.
      - Deleting a group that policies use removes it from them (OVHcloud unlinks it).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Use O(urn) to address a group whose name is shared by several groups.
seealso:
  - module: ovhcloud.iam.ovh_iam_permissions_group_info
  - module: ovhcloud.iam.ovh_iam_policy
  - module: ovhcloud.iam.ovh_iam_resource_info
'''

EXAMPLES = r'''
- name: Create a permissions group for those who manage service accounts
  ovhcloud.iam.ovh_iam_permissions_group:
    name: serviceAccountManagers
    description: Create, read, edit and delete OAuth2 service accounts
    allow:
      - account:apiovh:me/api/oauth2/client/*
    except:
      - account:apiovh:me/api/oauth2/client/delete
  register: managers

- name: Show the URN a policy uses to include the group
  ansible.builtin.debug:
    msg: "{{ managers.permissions_group.urn }}"

- name: Add one action and keep the others (no purge)
  ovhcloud.iam.ovh_iam_permissions_group:
    urn: "{{ managers.permissions_group.urn }}"
    allow:
      - account:apiovh:me/get
    purge_allow: false

- name: Allow deletions again, without touching the allowed actions
  ovhcloud.iam.ovh_iam_permissions_group:
    name: serviceAccountManagers
    except: []

- name: Delete the group
  ovhcloud.iam.ovh_iam_permissions_group:
    name: serviceAccountManagers
    state: absent
'''

RETURN = r'''
permissions_group:
  description:
    - The permissions group after the task (in check mode, as it would be), with snake_case keys.
    - Empty when O(state=absent).
    - In check mode, a group that would be created has V(null) C(id), C(urn), C(owner), C(created_at) and C(updated_at).
  returned: always
  type: dict
  contains:
    id:
      description: Unique identifier of the group.
      type: str
      sample: 6956639e-3848-11ee-ae3c-0050568ce122
    urn:
      description: URN of the group, the reference a policy uses.
      type: str
      sample: urn:v1:eu:permissionsGroup:xx1111-ovh:serviceAccountManagers
    name:
      description: Name of the group.
      type: str
      sample: serviceAccountManagers
    description:
      description: Description of the group (empty string when it has none).
      type: str
      sample: Create, read, edit and delete OAuth2 service accounts
    allow:
      description: Allowed actions.
      type: list
      elements: str
      sample: [account:apiovh:me/api/oauth2/client/*]
    except:
      description: Actions excepted from those allowed.
      type: list
      elements: str
      sample: [account:apiovh:me/api/oauth2/client/delete]
    deny:
      description: Denied actions.
      type: list
      elements: str
      sample: []
    owner:
      description: Owner of the group, the account nichandle, or C(ovh) for the groups OVHcloud manages.
      type: str
      sample: xx1111-ovh
    read_only:
      description: Whether the group is managed by OVHcloud and cannot be changed.
      type: bool
      sample: false
    created_at:
      description: Creation date.
      type: str
      sample: '2024-05-12T13:38:15.738920Z'
    updated_at:
      description: Date of the last change.
      type: str
      sample: '2024-06-19T13:13:34.642173Z'
diff:
  description: The group before and after the task, when run with C(--diff). An empty dict stands for a group that does not exist.
  returned: when diff mode is on
  type: dict
  sample:
    before:
      allow: [account:apiovh:me/api/oauth2/client/*]
    after:
      allow: [account:apiovh:me/api/oauth2/client/*, account:apiovh:me/get]
api_requests:
  description: Number of HTTP requests sent to the OVHcloud API, authentication included.
  returned: when the API was called
  type: int
  sample: 2
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import (
    PERMISSION_KINDS,
    PERMISSIONS_GROUPS,
    permissions_group_body,
    permissions_group_differs,
    permissions_group_view,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups_module import (
    ensure_group_absent,
    find_current_group,
    refuse_read_only,
    refuse_unknown_address,
    report_group,
    write_group,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import actions_to_check, catalogue_problems, merge_list
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    action_problems,
    name_problems,
    permissions_group_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    spec = dict(
        name=dict(type='str'),
        urn=dict(type='str'),
        description=dict(type='str'),
        allow=dict(type='list', elements='str'),
        deny=dict(type='list', elements='str'),
        purge_allow=dict(type='bool', default=True),
        purge_except=dict(type='bool', default=True),
        purge_deny=dict(type='bool', default=True),
        validate_actions=dict(type='bool', default=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    spec['except'] = dict(type='list', elements='str')  # a Python keyword
    return spec


# ---------------------------------------------------------------- decisions (no API call)


def input_problems(params):
    problems = name_problems('name', params['name'])
    if params['urn'] is not None:
        problems.extend(permissions_group_problems('urn', [params['urn']]))
    for kind in PERMISSION_KINDS:
        problems.extend(action_problems(kind, params[kind]))
    return problems


def new_group(name):
    return {'id': None, 'urn': None, 'name': name, 'description': '', 'allow': [], 'except': [], 'deny': [],
            'owner': None, 'read_only': False, 'created_at': None, 'updated_at': None}


def wanted_group(params, current):
    """The group as the task wants it: options left out keep the current value."""
    wanted = dict(current or new_group(params['name']))
    if params['name'] is not None:
        wanted['name'] = params['name']
    if params['description'] is not None:
        wanted['description'] = params['description']
    for kind in PERMISSION_KINDS:
        wanted[kind] = merge_list(wanted[kind], params[kind], params['purge_' + kind])
    return wanted


def actions_to_confirm(params, current):
    """What the action catalogue must confirm: the actions given that the group does not hold yet."""
    held = set(action for kind in PERMISSION_KINDS for action in (current or {}).get(kind) or ())
    return actions_to_check([(kind, params[kind]) for kind in PERMISSION_KINDS], held)


# ---------------------------------------------------------------- read, change, report


def find_current(module):
    return find_current_group(module, PERMISSIONS_GROUPS)


def ensure_present(module, current):
    params = module.params
    refuse_unknown_address(module, PERMISSIONS_GROUPS, current)
    wanted = wanted_group(params, current)
    if current is not None and not permissions_group_differs(current, wanted):
        return report(module, False, current, current)
    refuse_read_only(module, PERMISSIONS_GROUPS, current, 'changed')
    if params['validate_actions']:
        problems = catalogue_problems(module.api, actions_to_confirm(params, current))
        if problems:
            module.fail_input(problems, what='the actions')
    if module.check_mode:
        return report(module, True, current, wanted)
    answer = write_group(module, PERMISSIONS_GROUPS, current, permissions_group_body(wanted))
    return report(module, True, current, permissions_group_view(answer) if answer else wanted)


def ensure_absent(module, current):
    return ensure_group_absent(module, PERMISSIONS_GROUPS, current)


def report(module, changed, before, after, **extra):
    return report_group(module, PERMISSIONS_GROUPS, changed, before, after, **extra)


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True, required_one_of=[('name', 'urn')])
    module.run_managing(input_problems, find_current, ensure_present, ensure_absent)


if __name__ == '__main__':
    main()
