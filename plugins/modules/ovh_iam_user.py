#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_user
short_description: Manage the local users of an OVHcloud account
version_added: 1.0.0
description:
  - Create, update, enable, disable or delete a local user of the account (C(/me/identity/user)). A local user logs in
    to the Control Panel and the API as C(<nic>/<login>); IAM policies give rights to its identity URN
    (RV(user.urn), C(urn:v1:<region>:identity:user:<nic>/<login>)) or to the URN of its O(group).
  - The user is found by its O(login), which cannot change.
  - O(email), O(description) and O(group) change in place with one PUT, only when they differ. O(enabled) is changed with
    C(POST .../enable) or C(POST .../disable).
  - B(The password is write-only.) OVHcloud never returns it and the API changes only O(email), O(description) and
    O(group) of an existing user (the C(auth.User) body of C(PUT /me/identity/user/{user}) has no password field, and
    OVHcloud's Terraform provider sends the password only at creation). See O(update_password).
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  login:
    description:
      - The user's login (the part after C(<nic>/)). It addresses the user and cannot change.
    type: str
    required: true
  email:
    description:
      - The user's email address. When not given for an existing user, it is left as it is.
    type: str
  description:
    description:
      - The user's description. When not given for an existing user, it is left as it is.
    type: str
  group:
    description:
      - The name of the user group it belongs to (see M(ovhcloud.iam.ovh_iam_group)). Policies that name the group apply
        to the user.
      - When creating a user without it, V(DEFAULT) is sent, as OVHcloud's Terraform provider does. When not given for an
        existing user, its group is left as it is.
    type: str
  password:
    description:
      - The user's password, sent only when the user is created (see O(update_password)).
      - Required to create a user. Never returned, never shown in a diff, a warning or an error.
    type: str
  update_password:
    description:
      - V(on_create) sends O(password) only when the user is created; an existing user keeps its password.
      - V(always) asks for the password of an existing user to be set too. The OVHcloud API has no call that sets the
        password of an existing local user, so with V(always), O(password) and an existing user the task fails before
        any change, saying so (delete and create the user again, or let the user change it when logging in).
    type: str
    choices: [always, on_create]
    default: on_create
  enabled:
    description:
      - V(false) disables the user (it can no longer log in), V(true) enables it again. When not given, left as it is;
        a new user is enabled.
    type: bool
  state:
    description:
      - V(present) creates or updates the user. V(absent) takes its identity out of every policy that lists it (unless
        O(detach_policies=false)), then deletes it.
    type: str
    choices: [present, absent]
    default: present
  detach_policies:
    description:
      - With O(state=absent), first remove the user's identity URN from every policy that lists it (one full PUT per
        policy), as M(ovhcloud.iam.ovh_oauth2_client) does for service accounts. Read-only policies are not touched and
        are named in a warning.
      - V(false) deletes the user only; policies keep naming its URN (and would grant a new user of that login).
    type: bool
    default: true
  delete_empty_policies:
    description:
      - With O(state=absent) and O(detach_policies=true), delete a policy that would list no identity once the user's
        identity is removed. By default such a policy is kept; with no identity it grants nothing.
    type: bool
    default: false
notes:
  - Logins are unique. When another run creates the same login between this task's read and its create (the API
    answers 409 Conflict), the task adopts that user, warns, and goes on as for an existing user.
  - The password is declared C(no_log); Ansible masks it in every output. It is never part of RV(user) or of the diff.
  - The default groups of the account (RV(ovhcloud.iam.ovh_iam_group_info#module:groups[].default_group)) can be given
    as O(group).
seealso:
  - module: ovhcloud.iam.ovh_iam_user_info
  - module: ovhcloud.iam.ovh_iam_group
  - module: ovhcloud.iam.ovh_iam_policy
  - name: Users and groups guide
    description: A team's users, groups and policies, and tag conditions.
    link: https://github.com/ovhcloud-iam/ovhcloud.iam/blob/main/docs/users-and-groups.md
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
'''

EXAMPLES = r'''
- name: The group the user joins
  ovhcloud.iam.ovh_iam_group:
    name: web-ops
    role: NONE

- name: A developer in the web-ops group, with a random initial password kept on the controller to hand over
  ovhcloud.iam.ovh_iam_user:
    login: alice
    email: alice@example.com
    description: Alice, web team
    group: web-ops
    password: "{{ lookup('ansible.builtin.password', 'credentials/alice-initial-password', length=24) }}"
  register: alice

- name: Show the identity URN to list in policies
  ansible.builtin.debug:
    msg: "{{ alice.user.urn }}"

- name: Suspend a user without deleting it
  ovhcloud.iam.ovh_iam_user:
    login: alice
    enabled: false

- name: Delete a user, taking it out of every policy that names it first
  ovhcloud.iam.ovh_iam_user:
    login: alice
    state: absent
'''

RETURN = r'''
user:
  description:
    - The user after the task, in snake_case. V({}) when absent. Never holds the password.
    - In check mode, a user that would be created has RV(user.urn) and the dates set to V(null).
  returned: always
  type: dict
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
      description: The status OVHcloud reports, V(OK), V(DISABLED) or V(PASSWORD_CHANGE_REQUIRED).
      type: str
      sample: OK
    type:
      description: The type of user OVHcloud reports (V(USER) for local users).
      type: str
      sample: USER
    urn:
      description: The IAM identity URN of the user, to list in the O(ovhcloud.iam.ovh_iam_policy#module:identities) of a policy.
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
detached_policies:
  description: With O(state=absent), the policies the user's identity was removed from (or would be, in check mode).
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
      sample: web-ops-rights
    deleted:
      description: Whether the policy was deleted rather than updated.
      type: bool
      sample: false
diff:
  description: The user before and after the task (never the password).
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The user before, as in RV(user); V({}) when it did not exist.
      type: dict
      sample: {}
    after:
      description: The user after, as in RV(user); V({}) when deleted.
      type: dict
      sample: {login: alice, email: alice@example.com, group: web-ops, enabled: true, urn: null}
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 2
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import (
    DEFAULT_USER_GROUP,
    DISABLED,
    create_or_find_taken,
    create_user,
    delete_user,
    get_group,
    get_user,
    planned_user,
    retire,
    set_user_enabled,
    update_user,
    user_changes,
    user_create_body,
    user_problems,
    user_update_body,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        login=dict(type='str', required=True),
        email=dict(type='str'),
        description=dict(type='str'),
        group=dict(type='str'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['always', 'on_create'], default='on_create', no_log=False),
        enabled=dict(type='bool'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        detach_policies=dict(type='bool', default=True),
        delete_empty_policies=dict(type='bool', default=False),
    )


# ---------------------------------------------------------------------------- decisions (no HTTP)

def creation_refusal(params):
    """Why the user cannot be created as asked, or None."""
    if params['password'] is None:
        return ('password is required to create local user %s (OVHcloud sets it only at creation). '
                'Nothing was changed.' % params['login'])
    return None


def update_refusal(current, params):
    """Why the existing user cannot be changed as asked, or None."""
    if params['update_password'] == 'always' and params['password'] is not None:
        return ('update_password=always cannot be honoured for existing local user %s: the OVHcloud API has no call '
                'that sets the password of an existing user (PUT /me/identity/user/{user} takes email, description '
                'and group only). Use update_password: on_create, or delete and create the user again. '
                'Nothing was changed.' % current['login'])
    return None


def wanted_creation(params):
    """The user a create makes (as check mode shows it)."""
    return planned_user(params['login'], params['email'], params['description'],
                        params['group'] or DEFAULT_USER_GROUP, params['enabled'] is not False)


def wanted_update(current, params):
    """(fields the PUT changes, the enabled value to set or None, the user after the task)."""
    changes = user_changes(current, params)
    enabled = params['enabled'] if params['enabled'] not in (None, current['enabled']) else None
    after = dict(current, **changes)
    if enabled is not None:
        after.update(enabled=enabled, status='OK' if enabled else DISABLED)
    return changes, enabled, after


# ---------------------------------------------------------------------------- read, change, report

def find_current(module):
    return get_user(module.api, module.params['login'])


def report(module, changed, before, after, **extra):
    return module.outcome(changed, 'user', before, after, **extra)


def check_group_exists(module, name):
    """A group that does not exist would only fail at the write: say so before any change."""
    if name is not None and get_group(module.api, name) is None:
        module.fail('group %r does not exist; create it with ovhcloud.iam.ovh_iam_group first, or give an '
                    'existing group (ovhcloud.iam.ovh_iam_group_info lists them). Nothing was changed.' % name)


def create(module):
    params = module.params
    refusal = creation_refusal(params)
    if refusal:
        module.fail(refusal)
    check_group_exists(module, params['group'])
    planned = wanted_creation(params)
    if module.check_mode:
        return report(module, True, {}, planned)
    _answer, taken = create_or_find_taken(lambda: create_user(module.api, user_create_body(params, params['password'])),
                                          lambda: find_current(module))
    if taken is not None:
        module.warn('Local user %s was created by someone else while this task ran (the API answered 409 Conflict): it is '
                    'adopted as it is, with the password set at its creation.' % params['login'])
        return update(module, taken)
    if not planned['enabled']:
        set_user_enabled(module.api, params['login'], False)
    return report(module, True, {}, find_current(module) or planned)


def update(module, current):
    refusal = update_refusal(current, module.params)
    if refusal:
        module.fail(refusal)
    changes, enabled, after = wanted_update(current, module.params)
    if 'group' in changes:
        check_group_exists(module, changes['group'])
    if not changes and enabled is None:
        return report(module, False, current, current)
    if not module.check_mode:
        if changes:
            update_user(module.api, current['login'], user_update_body(current, changes))
        if enabled is not None:
            set_user_enabled(module.api, current['login'], enabled)
    return report(module, True, current, after)


def ensure_present(module, current):
    return create(module) if current is None else update(module, current)


def ensure_absent(module, current):
    if current is None:
        return report(module, False, {}, {}, detached_policies=[])
    detached = retire(module.api, current, lambda: delete_user(module.api, current['login']), module.params,
                      module.check_mode, module.warn)
    return report(module, True, current, {}, detached_policies=detached)


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True)
    module.run_managing(user_problems, find_current, ensure_present, ensure_absent)


if __name__ == '__main__':
    main()
