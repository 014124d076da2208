#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_policy
short_description: Manage OVHcloud IAM access policies
version_added: 1.0.0
description:
  - Create, update or delete an OVHcloud IAM v2 access policy (C(/v2/iam/policy)), which says which identities
    (service accounts, users, groups) may run which actions on which resources.
  - A policy is addressed by its O(name), or directly by O(policy_id) (which lets you rename it).
  - Lists are sets. Their order and duplicates never cause a change.
  - An option left out keeps the value the policy already has. With the default C(purge_*=true) a given list
    replaces the remote one; with C(purge_<list>=false) its items are added and nothing is removed, so a playbook
    can join a service account to a shared policy without touching the other identities.
  - The API replaces the whole policy on update, so the module sends the full object, built from the remote policy
    plus the wanted changes, in one C(PUT) and only when something differs.
  - Every option is checked before any API call, and every bad item (URN, action, condition, date) is reported at once.
  - OVHcloud's read-only policies (such as C(ovh-default)) and names starting with C(ovh-) are refused;
    the module never changes or deletes them. M(ovhcloud.iam.ovh_iam_policy_info) still lists them.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
options:
  name:
    description:
      - Name of the policy. OVHcloud refuses a second policy with the same name (C(POLICY_ALREADY_EXISTS)).
        Should several editable policies still share the name, the module fails and lists their IDs (use O(policy_id) then).
      - Required to create a policy. With O(policy_id), a different O(name) renames the policy.
      - A name to create or rename to must use letters, digits, C(-), C(_), C(/) and C(+) only (the format of
        OVHcloud's Control Panel; the API answers C(INVALID_FORMAT) otherwise). Control characters are always refused.
      - Names starting with C(ovh-) are reserved by OVHcloud and refused.
    type: str
  policy_id:
    description:
      - ID (UUID) of the policy, to address it directly. The policy must exist.
    type: str
  description:
    description:
      - Description of the policy. V('') removes it.
    type: str
  identities:
    description:
      - Identity URNs the policy applies to, for example the RV(ovhcloud.iam.ovh_oauth2_client#module:client.identity)
        of a service account (C(urn:v1:eu:identity:credential:xx1111-ovh/oauth2-<client_id>)), a user
        (C(urn:v1:eu:identity:user:xx1111-ovh/alice)), a group or the account (C(urn:v1:eu:identity:account:xx1111-ovh)).
      - Required to create a policy (V([]) is allowed).
      - See O(purge_identities) and O(remove_identities).
    type: list
    elements: str
  remove_identities:
    description:
      - Identity URNs to take out of the policy, whatever the other options say. Other identities are kept.
      - Detaches a service account from a shared policy without touching anyone else.
      - When the policy does not exist and nothing but O(remove_identities) is given, there is nothing to do.
    type: list
    elements: str
  resources:
    description:
      - Resource URNs the policy covers, for example the account (C(urn:v1:eu:resource:account:xx1111-ovh), needed
        for C(/me) actions such as C(account:apiovh:me/api/oauth2/client/get)), a service
        (C(urn:v1:eu:resource:vps:vps-1234.vps.ovh.net)), every service of a type (C(urn:v1:eu:resource:vps:*)) or a
        resource group (C(urn:v1:eu:resourceGroup:<uuid>)).
      - A bare V(*) is not a resource URN; OVHcloud rejects it.
      - M(ovhcloud.iam.ovh_iam_resource_info) and the P(ovhcloud.iam.urn#filter) filter give these URNs.
      - Required to create a policy.
    type: list
    elements: str
  allow:
    description:
      - Actions granted on the resources, such as C(account:apiovh:me/api/oauth2/client/get), C(vps:apiovh:reboot),
        C(account:apiovh:*), C(*get) (every action ending in C(get), as OVHcloud's C(globalReadOnly) group grants) or C(*).
      - A C(*) at the start or the end of an action is a wildcard. A C(*) elsewhere is sent as written; whether
        OVHcloud expands it there is not documented (see C(docs/api-fidelity.md)).
      - Actions the policy does not hold yet are checked against OVHcloud's action catalogue before any write;
        see O(validate_actions).
      - To create a policy, at least one of O(allow), O(deny) or O(permissions_groups) is needed.
    type: list
    elements: str
  except:
    description:
      - Actions taken out of this policy's own O(allow), for example C(dnsZone:apiovh:record/delete) next to
        C(dnsZone:apiovh:record/*).
      - It does B(not) take actions out of the O(permissions_groups) the policy references, because OVHcloud evaluates
        each permissions group on its own. To trim a group, add the action to O(deny) (which wins over every grant),
        or make your own group with M(ovhcloud.iam.ovh_iam_permissions_group) holding only what you want.
    type: list
    elements: str
  deny:
    description:
      - Actions explicitly denied. A deny wins over any grant from any policy.
    type: list
    elements: str
  permissions_groups:
    description:
      - URNs of permissions groups (reusable permission sets) granted on the resources, for example
        C(urn:v1:eu:permissionsGroup:ovh:globalAdmin) or one made with M(ovhcloud.iam.ovh_iam_permissions_group).
    type: list
    elements: str
  conditions:
    description:
      - When the policy applies. A condition is a mapping with an C(operator) and C(values) and/or nested C(conditions)
        (a list of conditions of the same shape), as deep as needed.
      - C(operator) is V(AND) or V(OR) (combine values and nested conditions), V(NOT) (negates one) or V(MATCH)
        (tests its values).
      - C(values) maps a key C(<subject>.<OPERATOR>) to a string. The subjects and their operators are those of
        OVHcloud's Control Panel, listed below.
      - C(request.IP) with C(EQ) (one address, C(192.0.2.10)) or C(IN_RANGE) (CIDRs, C(192.0.2.0/24), comma-separated).
        There is no C(request.IP.IN).
      - C(resource.Name) and C(resource.Type) with C(EQ), C(STARTS_WITH), C(ENDS_WITH) or C(IN) (comma-separated).
      - C(resource.Tag(<tag key>\)) with C(EQ), C(STARTS_WITH) or C(ENDS_WITH).
      - C(date(<IANA zone>\).Date) (C(2026-12-31)) with C(EQ), C(IN), C(BEFORE) or C(AFTER).
      - C(date(<IANA zone>\).WeekDay) (C(Monday) ... C(Sunday)) and C(date(<IANA zone>\).Hour) (C(0) to C(23)) with
        C(EQ), C(BEFORE), C(AFTER), C(GE), C(GT), C(LE), C(LT) or C(IN) (comma-separated).
      - Values are checked per operator (an address, a CIDR, a zone, a week day, an hour, a date) before any call.
      - V({}), or an V(AND) with no values and no nested conditions (what the Control Panel stores for a policy
        without conditions), means no conditions; such a policy made in the Control Panel is adopted without a diff.
        The module clears conditions by sending that empty V(AND), like the Control Panel.
      - Nested conditions are compared without regard to their order.
    type: dict
  expired_at:
    description:
      - When the policy stops applying, as an RFC 3339 date-time (C(2026-12-31T23:59:59+01:00)) or a date (C(2026-12-31),
        meaning midnight UTC). It is compared as an instant (offsets and fractions of a second give no diff) and sent in UTC.
      - A date already past (by the controller's clock) is refused, since the policy would grant nothing.
      - V('') removes the expiry. Should OVHcloud keep it after the update, the task fails and says so rather than
        reporting a change on every run.
    type: str
  validate_actions:
    description:
      - Before any write, check the actions the policy does not hold yet against OVHcloud's action catalogue
        (C(GET /v2/iam/reference/action), one request per task, filtered on the resource types named). An unknown
        action (such as C(account:apivoh:me/bill/get)) is refused with the closest known ones, and a wildcard must
        match at least one known action. Actions whose resource type has a C(*) (C(*), C(*get)) are not checked.
      - Set V(false) for an action newer than the catalogue.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  purge_identities:
    description:
      - With V(true), O(identities) replaces the identities of the policy; with V(false) they are only added.
      - Has no effect when O(identities) is not given.
    type: bool
    default: true
  purge_resources:
    description:
      - With V(true), O(resources) replaces the resources of the policy; with V(false) they are only added.
    type: bool
    default: true
  purge_allow:
    description:
      - With V(true), O(allow) replaces the allowed actions; with V(false) they are only added.
    type: bool
    default: true
  purge_except:
    description:
      - With V(true), O(except) replaces the excepted actions; with V(false) they are only added.
    type: bool
    default: true
  purge_deny:
    description:
      - With V(true), O(deny) replaces the denied actions; with V(false) they are only added.
    type: bool
    default: true
  purge_permissions_groups:
    description:
      - With V(true), O(permissions_groups) replaces the permissions groups; with V(false) they are only added.
    type: bool
    default: true
notes:
  - The caller needs the IAM actions C(account:apiovh:iam/policy/get), and C(account:apiovh:iam/policy/create),
    C(account:apiovh:iam/policy/edit) or C(account:apiovh:iam/policy/delete) for the changes it makes.
  - Looking a policy up by name reads every editable policy of the account (the API has no name filter);
    O(policy_id) needs a single request.
  - A write that adds actions first reads OVHcloud's action catalogue once (see O(validate_actions)).
seealso:
  - module: ovhcloud.iam.ovh_iam_policy_info
  - module: ovhcloud.iam.ovh_oauth2_client
  - module: ovhcloud.iam.ovh_iam_resource_info
  - name: OVHcloud guide to IAM policies through the API
    description: Identities, resources, actions and conditions of IAM policies.
    link: https://help.ovhcloud.com/csm/en-gb-documentation-manage-operate-user-account-iam-policies-api?id=kb_article_view&sysparm_article=KB0060103
'''

EXAMPLES = r'''
- name: Create a service account for a CI deployer
  ovhcloud.iam.ovh_oauth2_client:
    name: ci-deployer
    description: Deploys from CI
  register: deployer
  no_log: true  # the creating run returns client_secret

- name: Find the URN of the account, the resource of every /me action
  ovhcloud.iam.ovh_iam_resource_info:
    type: account
  register: account

- name: Let the service account read the account's service accounts
  ovhcloud.iam.ovh_iam_policy:
    name: ci-deployer
    description: What CI may do
    identities:
      - "{{ deployer.client.identity }}"
    resources:
      - "{{ account.resources[0].urn }}"
    allow:
      - account:apiovh:me/api/oauth2/client/get
  register: ci_policy

- name: Also let it reboot every VPS, keeping what the policy already grants
  ovhcloud.iam.ovh_iam_policy:
    name: ci-deployer
    resources:
      - urn:v1:eu:resource:vps:*
    allow:
      - vps:apiovh:reboot
    purge_resources: false
    purge_allow: false

- name: Join a group to the policy, keeping the identities already in it
  ovhcloud.iam.ovh_iam_policy:
    name: ci-deployer
    identities:
      - "{{ ci_policy.policy.owner | ovhcloud.iam.identity_urn(group='operators') }}"
    purge_identities: false

- name: Take the service account out of the policy, leaving everyone else in
  ovhcloud.iam.ovh_iam_policy:
    name: ci-deployer
    remove_identities:
      - "{{ deployer.client.identity }}"

- name: Apply it only on weekdays from the office network, until the end of 2030
  ovhcloud.iam.ovh_iam_policy:
    name: ci-deployer
    conditions:
      operator: AND
      conditions:
        - operator: MATCH
          values:
            date(Europe/Paris).WeekDay.IN: Monday,Tuesday,Wednesday,Thursday,Friday
        - operator: MATCH
          values:
            request.IP.IN_RANGE: 192.0.2.0/24
    expired_at: "2030-12-31"

- name: Rename the policy, addressing it by its ID
  ovhcloud.iam.ovh_iam_policy:
    policy_id: "{{ ci_policy.policy.id }}"
    name: ci-operators

- name: Delete the policy
  ovhcloud.iam.ovh_iam_policy:
    name: ci-operators
    state: absent

- name: Delete the service account
  ovhcloud.iam.ovh_oauth2_client:
    name: ci-deployer
    state: absent
'''

RETURN = r'''
policy:
  description:
    - The policy after the task, flattened like the module options so it can be fed back to them; V({}) when absent.
    - In check mode, the predicted policy (without RV(policy.id) when it would be created).
    - Lists are sorted and free of duplicates.
  returned: always
  type: dict
  sample:
    id: 6956639e-7f76-4bb1-a4df-49c1dd7ae0a6
    name: ci-deployer
    description: What CI may do
    identities: [urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0f0f0f0f0f0f0f0f]
    resources: [urn:v1:eu:resource:account:xx1111-ovh]
    allow: [account:apiovh:me/api/oauth2/client/get]
    except: []
    deny: []
    permissions_groups: []
    conditions: null
    expired_at: null
    owner: xx1111-ovh
    read_only: false
    created_at: "2025-05-12T13:38:15.738920Z"
    updated_at: "2025-05-12T13:40:02.101010Z"
  contains:
    id:
      description: ID (UUID) of the policy.
      type: str
    name:
      description: Name of the policy.
      type: str
    description:
      description: Description of the policy (V('') when it has none).
      type: str
    identities:
      description: Identity URNs the policy applies to.
      type: list
      elements: str
    resources:
      description: Resource URNs the policy covers.
      type: list
      elements: str
    allow:
      description: Allowed actions.
      type: list
      elements: str
    except:
      description: Actions taken out of the allowed ones.
      type: list
      elements: str
    deny:
      description: Denied actions.
      type: list
      elements: str
    permissions_groups:
      description: URNs of the permissions groups granted.
      type: list
      elements: str
    conditions:
      description: The condition tree (operator, values, conditions), or V(null).
      type: dict
    expired_at:
      description: Expiry in UTC (C(2030-12-31T00:00:00Z)), or V(null).
      type: str
    owner:
      description: Account (nichandle) owning the policy.
      type: str
    read_only:
      description: Whether OVHcloud manages the policy (it cannot be changed).
      type: bool
    created_at:
      description: Creation time.
      type: str
    updated_at:
      description: Last update time, or V(null).
      type: str
diff:
  description: The policy before and after the task, in the shape of RV(policy).
  returned: in diff mode
  type: dict
  sample:
    before: {name: ci-deployer, allow: [account:apiovh:me/api/oauth2/client/get]}
    after: {name: ci-deployer, allow: [account:apiovh:me/api/oauth2/client/get, vps:apiovh:reboot]}
api_requests:
  description: Number of HTTP requests the task sent to the OVHcloud API (token requests included).
  returned: when the API was called
  type: int
  sample: 3
untaken_fields:
  description: The fields OVHcloud did not apply although it accepted the write (the task failed).
  returned: when a write did not take
  type: list
  elements: str
  sample: [expired_at]
problems:
  description: Every problem found in the options, when the task failed before sending anything.
  returned: when the options are invalid
  type: list
  elements: str
  sample: ["resources: '*' is not a resource URN; ..."]
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import actions_to_check, catalogue_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import (
    ACTION_FIELDS,
    UntakenWriteError,
    answered_policy,
    asks_only_removal,
    changed_fields,
    create_policy,
    creation_problems,
    delete_policy,
    desired_policy,
    endpoint_region,
    find_by_name,
    flatten_policy,
    get_policy,
    option_problems,
    protection_problem,
    update_policy,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import new_name_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule

LIST_OPTION = dict(type='list', elements='str')


def argument_spec():
    spec = dict(
        name=dict(type='str'),
        policy_id=dict(type='str'),
        description=dict(type='str'),
        identities=LIST_OPTION,
        remove_identities=LIST_OPTION,
        resources=LIST_OPTION,
        allow=LIST_OPTION,
        deny=LIST_OPTION,
        permissions_groups=LIST_OPTION,
        conditions=dict(type='dict'),
        expired_at=dict(type='str'),
        validate_actions=dict(type='bool', default=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    spec['except'] = LIST_OPTION
    spec.update(('purge_' + field, dict(type='bool', default=True))
                for field in ('identities', 'resources', 'allow', 'except', 'deny', 'permissions_groups'))
    return spec


# ---------------------------------------------------------------------------- decisions (no HTTP)

def present_action(current, params):
    """What state=present does to the flat remote policy ``current`` ({} for none): ``(action, desired)``.

    ``action`` is 'create', 'update' or 'none'; ``desired`` is the flat policy the task asks for ({} when
    there is nothing to do: only identities to remove from a policy that does not exist).
    """
    if not current and asks_only_removal(params):
        return 'none', {}
    desired = desired_policy(current, params)
    if not current:
        return 'create', desired
    return ('update' if changed_fields(current, desired) else 'none'), desired


def name_clash(current, desired, namesakes):
    """The ids of other policies already carrying the name a rename gives (later lookups would be ambiguous)."""
    if desired['name'] == current['name']:
        return []
    return sorted(policy['id'] for policy in namesakes if policy['id'] != current['id'])


# ---------------------------------------------------------------------------- read, change, report

def find_current(module):
    """The flat remote policy the task addresses ({} when there is none); fails on ambiguous names and on a
    policy OVHcloud protects."""
    params = module.params
    if params['policy_id']:
        current = flatten_policy(get_policy(module.api, params['policy_id']))
        if not current and params['state'] == 'present':
            module.fail('no policy has the id %r; leave policy_id out to create one by name' % params['policy_id'])
    else:
        matches = find_by_name(module.api, params['name'])
        if len(matches) > 1:
            module.fail('%d policies are named %r (ids: %s); address one with policy_id, or delete the extra ones' % (
                len(matches), params['name'], ', '.join(sorted(policy['id'] for policy in matches))))
        current = flatten_policy(matches[0]) if matches else {}
    problem = protection_problem(current) if current else None
    if problem:
        module.fail(problem)
    return current


def report(module, changed, before, after):
    return module.outcome(changed, 'policy', before, after)


def ensure_absent(module, current):
    if not current:
        return report(module, False, {}, {})
    if not module.check_mode:
        delete_policy(module.api, current['id'])
    return report(module, True, current, {})


def ensure_present(module, current):
    action, desired = present_action(current, module.params)
    if action == 'create':
        return create(module, desired)
    if action == 'update':
        return update(module, current, desired)
    return report(module, False, current, current)


def write_problems(module, current, desired):
    """What only shows once the write is known: a new name's format, actions OVHcloud's catalogue lacks."""
    problems = []
    if desired.get('name') != current.get('name'):
        problems.extend(new_name_problems('name', desired.get('name')))
    if module.params['validate_actions']:
        held = set(action for field in ACTION_FIELDS for action in current.get(field) or ())
        named = actions_to_check([(field, module.params.get(field)) for field in ACTION_FIELDS], held)
        problems.extend(catalogue_problems(module.api, named))
    if problems:
        module.fail_input(problems)


def checked_answer(module, desired, answered, verb):
    """The flat policy the API answered; a field it did not apply fails the task, naming the field."""
    try:
        return answered_policy(desired, answered, verb)
    except UntakenWriteError as exc:
        module.fail(str(exc), policy=exc.policy, untaken_fields=exc.fields)


def create(module, desired):
    missing = creation_problems(module.params, desired)
    if missing:
        module.fail_input(missing, 'the options to create policy %r' % desired.get('name'))
    write_problems(module, {}, desired)
    if module.check_mode:
        return report(module, True, {}, desired)
    created = create_policy(module.api, desired, module.warn)
    return report(module, True, {}, checked_answer(module, desired, created, 'creation'))


def update(module, current, desired):
    write_problems(module, current, desired)
    if desired['name'] != current['name']:
        taken = name_clash(current, desired, find_by_name(module.api, desired['name']))
        if taken:
            module.fail('cannot rename policy %s to %r: that name is already used by %s' % (
                current['id'], desired['name'], ', '.join(taken)))
    if module.check_mode:
        return report(module, True, current, desired)
    updated = update_policy(module.api, current['id'], desired)
    return report(module, True, current, checked_answer(module, desired, updated, 'update'))


def input_problems(params):
    return option_problems(params, endpoint_region(params))


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True, required_one_of=[('name', 'policy_id')])
    module.run_managing(input_problems, find_current, ensure_present, ensure_absent)


if __name__ == '__main__':
    main()
