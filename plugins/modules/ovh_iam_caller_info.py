#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_caller_info
short_description: Who the task's credentials are on OVHcloud, and which actions OVHcloud lets them do
version_added: 1.0.0
description:
  - Read who is calling (C(GET /auth/details)) -- the account, the identity URNs, the authentication method --
    whatever the credentials (application key and consumer key, service account, access token).
  - Given O(resources) and O(actions), ask OVHcloud itself which of the actions the B(calling) identity may do on
    each resource (C(POST /v2/iam/resource/{urn}/authorization/check)), so a playbook can stop before a task that
    would be refused.
  - To explain an answer, or to answer for another identity, use M(ovhcloud.iam.ovh_iam_access_info).
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
options:
  resources:
    description:
      - The resource URNs to check O(actions) on, for example C(urn:v1:eu:resource:account:xx1111-ovh).
    type: list
    elements: str
    default: []
  actions:
    description:
      - The actions to check on each of O(resources), for example C(account:apiovh:me/api/oauth2/client/create).
    type: list
    elements: str
    default: []
  batch:
    description:
      - V(true) asks about every resource in one request (C(POST /v2/iam/authorization/check)). OVHcloud's
        schema marks that route "Internal use only", so by default each resource is asked on its own, through the
        stable route.
    type: bool
    default: false
notes:
  - Any authenticated caller may ask about itself; no IAM action is needed.
  - One request for the details, then one per resource (or one in all with O(batch=true)).
seealso:
  - module: ovhcloud.iam.ovh_iam_access_info
'''

EXAMPLES = r'''
- name: Who am I?
  ovhcloud.iam.ovh_iam_caller_info:
  register: me

- name: Show the identity
  ansible.builtin.debug:
    msg: "{{ me.caller.identities }}"

- name: May these credentials create service accounts?
  ovhcloud.iam.ovh_iam_caller_info:
    resources:
      - urn:v1:eu:resource:account:xx1111-ovh
    actions:
      - account:apiovh:me/api/oauth2/client/create
  register: may_create

- name: Stop early when they may not
  ansible.builtin.assert:
    that: may_create.all_authorized
    fail_msg: "Missing rights: {{ may_create.unauthorized }}"
'''

RETURN = r'''
caller:
  description: Who is calling, from C(/auth/details).
  returned: always
  type: dict
  contains:
    account:
      description: The account (nichandle).
      type: str
    identities:
      description: The caller's identity URNs.
      type: list
      elements: str
    method:
      description: How the caller authenticated (C(account), C(provider), C(user)...).
      type: str
    user:
      description: The local user, when a user is calling.
      type: str
    description:
      description: Description of the credentials (for a service account, C(OAuth2 client <client_id>)).
      type: str
    roles:
      description: Roles of the caller.
      type: list
      elements: str
  sample: {account: xx1111-ovh, identities: ["urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.a1b2c3d4e5f6a7b8"],
           method: account, user: null, description: OAuth2 client EU.a1b2c3d4e5f6a7b8, roles: []}
authorization:
  description: Per resource, the actions OVHcloud authorizes and does not authorize for the caller.
  returned: when O(resources) and O(actions) are given
  type: list
  elements: dict
  sample:
    - resource: urn:v1:eu:resource:account:xx1111-ovh
      authorized_actions: [account:apiovh:me/get]
      unauthorized_actions: [account:apiovh:me/api/oauth2/client/create]
authorized:
  description: Whether each action is authorized, by resource URN then action, for C(assert).
  returned: when O(resources) and O(actions) are given
  type: dict
  sample: {"urn:v1:eu:resource:account:xx1111-ovh": {"account:apiovh:me/get": true}}
all_authorized:
  description: Whether every action is authorized on every resource.
  returned: when O(resources) and O(actions) are given
  type: bool
  sample: false
unauthorized:
  description: C(<action> on <resource>) for each action that is not authorized.
  returned: when O(resources) and O(actions) are given
  type: list
  elements: str
  sample: ["account:apiovh:me/api/oauth2/client/create on urn:v1:eu:resource:account:xx1111-ovh"]
api_requests:
  description: Number of HTTP requests the task sent to the OVHcloud API (token requests included).
  returned: when the API was called
  type: int
  sample: 3
problems:
  description: Every problem found in the options, when the task failed before sending anything.
  returned: when the options are invalid
  type: list
  elements: str
  sample: ["resources and actions: give both (the actions are checked on each resource), or neither"]
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import caller_details, check_caller
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import (
    action_problems,
    resource_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        resources=dict(type='list', elements='str', default=[]),
        actions=dict(type='list', elements='str', default=[]),
        batch=dict(type='bool', default=False),
    )


def option_problems(params):
    problems = resource_problems('resources', params['resources']) + action_problems('actions', params['actions'])
    problems += ['resources: %r is a pattern or a resource group; OVHcloud checks one resource at a time' % urn
                 for urn in params['resources'] if '*' in urn or ':resourceGroup:' in urn]
    if bool(params['resources']) != bool(params['actions']):
        problems.append('resources and actions: give both (the actions are checked on each resource), or neither')
    return problems


def authorization_result(answers, actions):
    """OVHcloud's answers, with ``authorized`` by resource then action (for assert) and what is not authorized."""
    authorized = {item['resource']: dict((action, action in item['authorized_actions']) for action in actions)
                  for item in answers}
    return dict(authorization=answers, authorized=authorized,
                all_authorized=all(all(verdicts.values()) for verdicts in authorized.values()),
                unauthorized=['%s on %s' % (action, urn) for urn, verdicts in authorized.items()
                              for action, verdict in verdicts.items() if not verdict])


def gather(module):
    params = module.params
    problems = option_problems(params)
    if problems:
        module.fail_input(problems)
    result = dict(changed=False, caller=caller_details(module.api))
    if params['resources']:
        actions = list(dict.fromkeys(params['actions']))
        answers = check_caller(module.api, list(dict.fromkeys(params['resources'])), actions, batch=params['batch'])
        result.update(authorization_result(answers, actions))
    return result


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(gather)


if __name__ == '__main__':
    main()
