#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_policy_info
short_description: List OVHcloud IAM access policies
version_added: 1.0.0
description:
  - List the IAM v2 access policies of the account, OVHcloud's read-only ones (such as C(ovh-default)) included.
  - Filter by O(identity), O(resource), O(action) and O(read_only), which OVHcloud applies server-side, and by
    O(name); or read one policy by O(policy_id).
  - Every page of the list is read.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
options:
  name:
    description:
      - Only the policies with exactly this name. OVHcloud refuses a second policy of a name (C(POLICY_ALREADY_EXISTS)), so at most
        one matches, unless policies made before that rule share it.
    type: str
  policy_id:
    description:
      - Only the policy with this ID (UUID). RV(policies) is empty when there is none.
      - Cannot be combined with the other filters.
    type: str
  identity:
    description:
      - Only the policies that list one of these identity URNs (server-side C(identity) filter).
    type: list
    elements: str
  resource:
    description:
      - Only the policies that list one of these resource URNs (server-side C(resourceURN) filter).
    type: list
    elements: str
  action:
    description:
      - Only the policies that embed one of these actions (server-side C(action) filter).
    type: list
    elements: str
  read_only:
    description:
      - V(true) for OVHcloud's read-only policies only, V(false) for the editable ones only (server-side C(readOnly)
        filter). Both kinds when not set.
    type: bool
notes:
  - The caller needs the IAM action C(account:apiovh:iam/policy/get).
seealso:
  - module: ovhcloud.iam.ovh_iam_policy
'''

EXAMPLES = r'''
- name: List every policy of the account
  ovhcloud.iam.ovh_iam_policy_info:
  register: all_policies

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ all_policies.policies | map(attribute='name') | list }}"

- name: Read the policy OVHcloud manages for the account
  ovhcloud.iam.ovh_iam_policy_info:
    name: ovh-default
    read_only: true
  register: default_policy

- name: Read it again by ID
  ovhcloud.iam.ovh_iam_policy_info:
    policy_id: "{{ default_policy.policies[0].id }}"

- name: Find the editable policies that grant reading service accounts
  ovhcloud.iam.ovh_iam_policy_info:
    action:
      - account:apiovh:me/api/oauth2/client/get
    read_only: false
  register: readers

- name: Find the policies that list the owner of the account as an identity
  ovhcloud.iam.ovh_iam_policy_info:
    identity:
      - "{{ default_policy.policies[0].owner | ovhcloud.iam.identity_urn }}"
'''

RETURN = r'''
policies:
  description:
    - The matching policies, flattened like the options of M(ovhcloud.iam.ovh_iam_policy) so they can be fed back to it.
    - Lists are sorted and free of duplicates.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0b7e6c35-8e71-5cb4-9a0e-21b55e3f7e9d
      name: ovh-default
      description: "Default policy: full access for the account to its own resources"
      identities: [urn:v1:eu:identity:account:xx1111-ovh]
      resources: ["urn:v1:eu:resourceGroup:6d0a0b5e-3a55-5e8e-8c2e-63d5d0f7f1aa"]
      allow: ["*"]
      except: []
      deny: []
      permissions_groups: []
      conditions: null
      expired_at: null
      owner: xx1111-ovh
      read_only: true
      created_at: "2023-01-01T00:00:00.000000Z"
      updated_at: null
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
api_requests:
  description: Number of HTTP requests the task sent to the OVHcloud API (token requests included).
  returned: when the API was called
  type: int
  sample: 3
problems:
  description: Every problem found in the filters, when the task failed before sending anything.
  returned: when the filters are invalid
  type: list
  elements: str
  sample: ["action: 'urn:v1:eu:resource:vps:*' is a URN, not an action; ..."]
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import (
    flatten_policy,
    get_policy,
    list_policies,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    action_problems,
    identity_problems,
    resource_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule

FILTERS = ('name', 'identity', 'resource', 'action', 'read_only')


def filter_problems(params):
    return (identity_problems('identity', params['identity'])
            + resource_problems('resource', params['resource'])
            + action_problems('action', params['action']))


def matching_policies(module):
    params = module.params
    if params['policy_id']:
        found = get_policy(module.api, params['policy_id'])
        return [found] if found else []
    policies = list_policies(module.api, identities=params['identity'], resources=params['resource'],
                             actions=params['action'], read_only=params['read_only'])
    if params['name'] is not None:
        policies = [policy for policy in policies if policy.get('name') == params['name']]
    return policies


def argument_spec():
    return dict(
        name=dict(type='str'),
        policy_id=dict(type='str'),
        identity=dict(type='list', elements='str'),
        resource=dict(type='list', elements='str'),
        action=dict(type='list', elements='str'),
        read_only=dict(type='bool'),
    )


def gather(module):
    problems = filter_problems(module.params)
    if problems:
        module.fail_input(problems, 'the filters')
    return dict(changed=False, policies=[flatten_policy(policy) for policy in matching_policies(module)])


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[('policy_id', other) for other in FILTERS])
    module.run(gather)


if __name__ == '__main__':
    main()
