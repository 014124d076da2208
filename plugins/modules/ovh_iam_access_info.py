#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_access_info
short_description: Explain who can do what on OVHcloud, from the account's IAM policies
version_added: 1.0.0
description:
  - Answer, offline from the account's IAM policies, whether an identity may do some actions on some resources,
    and B(why) -- the policies and permissions groups that allow, take out (C(except)) or deny each action, the
    resource groups through which a policy covers the resource, and the conditions that apply with whether they
    hold now.
  - The identity is a service account (O(service_account)), a local user (O(user), who is also covered by the
    policies of its group), a local group (O(group)) or any identity URN (O(identity_urn)).
  - OVHcloud's rules are applied as its own code documents them. Expired policies are ignored. A policy applies
    when one of its identities matches, one of its resources covers the resource (by URN, URN pattern or resource
    group) and its conditions hold. Each permission set (the policy's own permissions, and each permissions group
    it links) is evaluated on its own, so an C(except) only takes actions out of the C(allow) of the same set. A
    C(deny) of any applicable set beats every C(allow). A C(*) in an action or URN stands for any characters.
  - Conditions on the resource (tag, name, type) are decided from the resource as C(/v2/iam/resource) shows it;
    date, week day and hour from the current time (or O(context.at)); the source IP only when O(context.ip) is
    given. An answer that rests on a condition that cannot be decided is C(depends).
  - With O(mode=list), everything the identity can do, grouped by resource.
  - To ask OVHcloud itself what the B(calling) identity may do, use M(ovhcloud.iam.ovh_iam_caller_info).
  - Only IAM policies are evaluated. The role of a user's group (C(ADMIN), C(REGULAR), C(UNPRIVILEGED)), which gives
    rights outside IAM policies, is returned in RV(identity) (C(group.role)) but not evaluated.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
options:
  service_account:
    description:
      - The service account (OAuth2 client) to evaluate, by name or by client ID.
      - Exactly one of O(service_account), O(user), O(group) and O(identity_urn) is required.
    type: str
  user:
    description:
      - The login of a local user of the account (C(/me/identity/user)). The policies of its group apply too.
    type: str
  group:
    description:
      - The name of a local group of the account (C(/me/identity/group)).
    type: str
  identity_urn:
    description:
      - Any identity URN, for example C(urn:v1:eu:identity:account:xx1111-ovh) for the account itself. A user URN
        of this account also brings in the user's group.
    type: str
  resources:
    description:
      - The resource URNs to answer for, for example C(urn:v1:eu:resource:vps:vps-1.vps.ovh.net).
    type: list
    elements: str
    default: []
  resource_type:
    description:
      - Answer for every resource of these types (C(vps), C(account)...), as C(/v2/iam/resource) lists them.
    type: list
    elements: str
    default: []
  actions:
    description:
      - The actions to answer for. A C(*) at the start or the end (C(vps:apiovh:*), C(*get)) stands for every
        action of the resource's type in OVHcloud's action catalogue that it matches.
      - Required with O(mode=check).
    type: list
    elements: str
    default: []
  mode:
    description:
      - V(check) answers for each resource and action. V(list) returns everything the identity can do, grouped by
        resource (O(resources) and O(actions) are then ignored).
    type: str
    choices: [check, list]
    default: check
  context:
    description:
      - The request to evaluate conditions for.
    type: dict
    default: {}
    suboptions:
      ip:
        description: Source IP address of the request (decides C(request.IP) conditions).
        type: str
      at:
        description: Date and time of the request, RFC 3339 (C(2030-01-07T09:30:00Z)); default now.
        type: str
notes:
  - The caller needs to read the policies (C(account:apiovh:iam/policy/get)), and as needed the permissions groups,
    resource groups, resources, service accounts, users and groups.
  - Requests; a service account named by O(service_account) costs the list of service accounts; then one list of
    policies, one of permissions groups when a policy of the identity links one, one of resource groups when one
    names a resource group, one of resources, and one read of the action catalogue when an action has a C(*) or
    O(mode=list).
seealso:
  - module: ovhcloud.iam.ovh_iam_caller_info
  - module: ovhcloud.iam.ovh_iam_audit_info
  - module: ovhcloud.iam.ovh_iam_policy
'''

EXAMPLES = r'''
- name: Find the backup service account
  ovhcloud.iam.ovh_oauth2_client_info:
    name: backup-agent
  register: agents

- name: Can it reboot this VPS and handle its snapshots, and why?
  ovhcloud.iam.ovh_iam_access_info:
    service_account: backup-agent        # or its client ID
    resources:
      - urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net
    actions:
      - vps:apiovh:reboot
      - vps:apiovh:snapshot/*            # every snapshot action of the catalogue
  register: backup_access
  when: agents.clients | length == 1

- name: Can the account itself reboot the VPS?
  ovhcloud.iam.ovh_iam_access_info:
    identity_urn: urn:v1:eu:identity:account:xx1111-ovh
    resources:
      - urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net
    actions:
      - vps:apiovh:reboot
  register: owner_access

- name: It may, through OVHcloud's default policy
  ansible.builtin.assert:
    that:
      - owner_access.allowed['urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net']['vps:apiovh:reboot']
    fail_msg: "{{ owner_access.access | map(attribute='reason') | list }}"

- name: Everything the members of the ADMIN group can do, grouped by resource
  ovhcloud.iam.ovh_iam_access_info:
    group: ADMIN                         # or user: <login>, who also gets its group's rights
    mode: list
  register: admin_rights

- name: Would a request from this IP, at 9:00 UTC on a Monday, be allowed on every VPS?
  ovhcloud.iam.ovh_iam_access_info:
    identity_urn: urn:v1:eu:identity:account:xx1111-ovh
    resource_type:
      - vps
    actions:
      - vps:apiovh:get
    context:
      ip: 203.0.113.7
      at: "2030-01-07T09:00:00Z"
  register: at_nine
'''

RETURN = r'''
identity:
  description: The identity evaluated, and every identity URN whose policies apply to it.
  returned: always
  type: dict
  sample: {kind: user, name: alice, urn: "urn:v1:eu:identity:user:xx1111-ovh/alice",
           group: {name: ops, urn: "urn:v1:eu:identity:group:xx1111-ovh/ops", role: NONE},
           identities: ["urn:v1:eu:identity:user:xx1111-ovh/alice", "urn:v1:eu:identity:group:xx1111-ovh/ops"]}
access:
  description:
    - With O(mode=check), one answer per resource and action.
    - V(decision) is V(allowed), V(denied) or V(depends) (a condition that cannot be decided offline decides it);
      V(allowed) is true only for V(allowed).
    - V(allowed_by), V(excepted_by) and V(denied_by) list the contributing permission sets, each with its
      V(policy), V(policy_id), V(permissions_group) (null for the policy's own permissions), the matched action
      V(pattern) (and V(except_pattern)), the V(resource_pattern) that covers the resource, the V(resource_group)
      it goes through, the V(conditions) and V(conditions_hold) (true, false, or null when undecidable).
    - V(ignored) lists the expired policies that would otherwise apply.
    - V(inert_excepts) lists the C(except) patterns that match the action in a permission set whose own C(allow)
      does not; they take nothing out, not even from a permissions group the same policy links.
  returned: when O(mode=check)
  type: list
  elements: dict
  sample:
    - resource: urn:v1:eu:resource:vps:vps-1.vps.ovh.net
      action: vps:apiovh:reboot
      decision: allowed
      allowed: true
      reason: allowed by policy 'backup-vps'
      allowed_by: [{policy: backup-vps, policy_id: 9a3f..., permissions_group: null, pattern: "vps:apiovh:*",
                    resource_pattern: "urn:v1:eu:resource:vps:*", resource_group: null, conditions: null,
                    conditions_hold: true}]
      excepted_by: []
      denied_by: []
      ignored: []
      inert_excepts: []
allowed:
  description: With O(mode=check), V(allowed) of each answer by resource URN then action, for C(assert).
  returned: when O(mode=check)
  type: dict
  sample: {"urn:v1:eu:resource:vps:vps-1.vps.ovh.net": {"vps:apiovh:reboot": true}}
all_allowed:
  description: With O(mode=check), whether every answer is V(allowed).
  returned: when O(mode=check)
  type: bool
  sample: false
denied:
  description: With O(mode=check), C(<action> on <resource>) for each answer that is not V(allowed).
  returned: when O(mode=check)
  type: list
  elements: str
  sample: ["vps:apiovh:rebuild on urn:v1:eu:resource:vps:vps-1.vps.ovh.net"]
grants:
  description:
    - With O(mode=list), per resource the identity's live policies cover (URN patterns are kept as rows of their
      own), the V(permission_sets) that apply (V(policy), V(permissions_group), V(allow), V(except), V(deny),
      V(resource_group), V(conditions_hold)), the union of V(allow) and V(deny) patterns, V(conditional) when a
      condition cannot be decided, and V(actions), the catalogue actions of the resource's type it may do (null
      for a URN pattern row).
  returned: when O(mode=list)
  type: list
  elements: dict
  sample:
    - resource: urn:v1:eu:resource:vps:vps-1.vps.ovh.net
      name: vps-1.vps.ovh.net
      type: vps
      policies: [backup-vps]
      permission_sets: [{policy: backup-vps, permissions_group: null, resource_group: null, conditions_hold: true,
                         allow: ["vps:apiovh:snapshot/*"], except: [], deny: []}]
      allow: ["vps:apiovh:snapshot/*"]
      deny: []
      conditional: false
      actions: [vps:apiovh:snapshot/create, vps:apiovh:snapshot/delete, vps:apiovh:snapshot/get]
api_requests:
  description: Number of HTTP requests the task sent to the OVHcloud API (token requests included).
  returned: when the API was called
  type: int
  sample: 4
problems:
  description: Every problem found in the options, when the task failed before sending anything.
  returned: when the options are invalid
  type: list
  elements: str
  sample: ["actions: give the actions to answer for (or mode: list for everything the identity can do)"]
'''

import time

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_access import (
    ALLOWED,
    explain,
    grants,
    parse_instant,
    pattern_match,
    read_account,
    resolve_identity,
    resource_type_of,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import list_actions
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    action_problems,
    identity_problems,
    resource_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule

IDENTITY_OPTIONS = ('service_account', 'user', 'group', 'identity_urn')


def argument_spec():
    return dict(
        service_account=dict(type='str'),
        user=dict(type='str'),
        group=dict(type='str'),
        identity_urn=dict(type='str'),
        resources=dict(type='list', elements='str', default=[]),
        resource_type=dict(type='list', elements='str', default=[]),
        actions=dict(type='list', elements='str', default=[]),
        mode=dict(type='str', choices=['check', 'list'], default='check'),
        context=dict(type='dict', default={}, options=dict(ip=dict(type='str'), at=dict(type='str'))),
    )


def option_problems(params):
    problems = resource_problems('resources', params['resources']) + action_problems('actions', params['actions'])
    problems += [('resources: %r is a URN pattern or a resource group; name resources one by one '
                  '(or use resource_type)' % urn) for urn in params['resources'] if '*' in urn or ':resourceGroup:' in urn]
    if params['identity_urn'] is not None:
        problems += identity_problems('identity_urn', [params['identity_urn']])
    context = params['context'] or {}
    if context.get('at') is not None and parse_instant(context['at']) is None:
        problems.append('context.at: %r is not an RFC 3339 date-time; write it like 2030-01-07T09:30:00Z' % context['at'])
    if params['mode'] == 'check':
        if not params['actions']:
            problems.append('actions: give the actions to answer for (or mode: list for everything the identity can do)')
        if not params['resources'] and not params['resource_type']:
            problems.append('resources: give resource URNs or resource_type to answer for (or mode: list)')
    return problems


def concrete_actions(patterns, resource_type, catalogue):
    """Each action as asked, a wildcard replaced by the catalogue actions of ``resource_type`` it matches."""
    found = []
    for pattern in patterns:
        if '*' not in pattern:
            found.append(pattern)
            continue
        found.extend(item['action'] for item in catalogue
                     if item.get('resourceType') == resource_type and pattern_match(pattern, item.get('action')))
    return list(dict.fromkeys(found))


def gather(module):
    params = module.params
    problems = option_problems(params)
    if problems:
        module.fail_input(problems)
    context = params['context'] or {}
    now = parse_instant(context['at']) if context.get('at') else time.time()
    ip = context.get('ip')
    identity = resolve_identity(module.api, service_account=params['service_account'], user=params['user'],
                                group=params['group'], urn=params['identity_urn'])
    identities = identity['identities']
    if params['mode'] == 'list':
        account = read_account(module.api, identities, all_resources=True)
        types = sorted(set(item.get('type') for item in account.resources.values() if item.get('type')))
        catalogue = list_actions(module.api, types) if types else []
        return dict(changed=False, identity=identity, grants=grants(account, identities, now, ip, catalogue))
    account = read_account(module.api, identities, resource_urns=params['resources'], resource_types=params['resource_type'])
    targets = list(dict.fromkeys(list(params['resources'])
                                 + [urn for urn, item in account.resources.items() if item.get('type') in params['resource_type']]))
    types_of = {urn: (account.resources.get(urn) or {}).get('type') or resource_type_of(urn) for urn in targets}
    catalogue = []
    if any('*' in action for action in params['actions']):
        catalogue = list_actions(module.api, sorted(set(kind for kind in types_of.values() if kind)))
    access, unmatched = [], []
    for urn in targets:
        actions = concrete_actions(params['actions'], types_of[urn], catalogue)
        if not actions:
            unmatched.append(urn)
        access.extend(explain(account, identities, urn, action, now, ip) for action in actions)
    if params['resource_type'] and not targets:
        module.warn('resource_type: the account has no resource of type %s' % ', '.join(params['resource_type']))
    for urn in unmatched:
        module.warn('actions: no action of the catalogue for %s matches %s' % (urn, ', '.join(params['actions'])))
    return dict(check_result(access), changed=False, identity=identity)


def check_result(access):
    """The answers of mode=check, with ``allowed`` by resource then action (for assert) and what is not allowed."""
    allowed = {}
    for item in access:
        allowed.setdefault(item['resource'], {})[item['action']] = item['allowed']
    return dict(access=access, allowed=allowed,
                all_allowed=bool(access) and all(item['decision'] == ALLOWED for item in access),
                denied=['%s on %s' % (item['action'], item['resource']) for item in access if not item['allowed']])


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True, mutually_exclusive=[IDENTITY_OPTIONS],
                       required_one_of=[IDENTITY_OPTIONS])
    module.run(gather)


if __name__ == '__main__':
    main()
