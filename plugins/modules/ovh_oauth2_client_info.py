#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_oauth2_client_info
short_description: List OVHcloud service accounts (OAuth2 clients) with their details
version_added: 1.0.0
description:
  - Return every OAuth2 client of the account (C(/me/api/oauth2/client)) with full details, or those matching
    O(name), O(client_id) and O(flow) (all the filters given must match).
  - The list route gives IDs only, so the clients are read concurrently (or in one expanded listing when the API
    offers it).
  - Read-only; secrets are never returned (OVHcloud gives a client's secret only when it is created).
  - Handy ad hoc, for example C(ansible localhost -m ovhcloud.iam.ovh_oauth2_client_info -a name=ci-deployer).
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  name:
    description: Only the clients with exactly this name (names are not unique on OVHcloud).
    type: str
  client_id:
    description:
      - Only the client with this ID (one request). A client ID that does not exist gives an empty list, not an error.
    type: str
  flow:
    description: Only the clients with this OAuth2 flow.
    type: str
    choices: [CLIENT_CREDENTIALS, AUTHORIZATION_CODE]
seealso:
  - module: ovhcloud.iam.ovh_oauth2_client
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
'''

EXAMPLES = r'''
- name: Every OAuth2 client of the account
  ovhcloud.iam.ovh_oauth2_client_info:
  register: all_clients

- name: The service accounts only
  ovhcloud.iam.ovh_oauth2_client_info:
    flow: CLIENT_CREDENTIALS
  register: service_accounts

- name: Show each service account's identity URN
  ansible.builtin.debug:
    msg: "{{ service_accounts.clients | items2dict(key_name='name', value_name='identity') }}"

- name: Look a client up by name
  ovhcloud.iam.ovh_oauth2_client_info:
    name: ci-deployer
  register: deployer

- name: Show the IDs of the clients with that name (several clients may share a name)
  ansible.builtin.debug:
    msg: "{{ deployer.clients | map(attribute='client_id') | list }}"
'''

RETURN = r'''
clients:
  description: The matching clients, sorted by name then client ID, in snake_case.
  returned: always
  type: list
  elements: dict
  contains:
    client_id:
      description: The client ID.
      type: str
      sample: EU.0f0f0f0f0f0f0f0f
    name:
      description: The name.
      type: str
      sample: ci-deployer
    description:
      description: The description.
      type: str
      sample: Deploys from CI
    flow:
      description: The OAuth2 flow, V(CLIENT_CREDENTIALS) (a service account) or V(AUTHORIZATION_CODE).
      type: str
      sample: CLIENT_CREDENTIALS
    callback_urls:
      description: The callback URLs (empty for V(CLIENT_CREDENTIALS)).
      type: list
      elements: str
      sample: []
    identity:
      description: The IAM identity URN of the client, to list in policies.
      type: str
      sample: urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0f0f0f0f0f0f0f0f
    created_at:
      description: When the client was created.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 4
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule
from ansible_collections.ovhcloud.iam.plugins.module_utils._oauth2 import FLOWS, find_clients


def argument_spec():
    return dict(
        name=dict(type='str'),
        client_id=dict(type='str'),
        flow=dict(type='str', choices=list(FLOWS)),
    )


def gather(module):
    params = module.params
    clients = find_clients(module.api, name=params['name'], client_id=params['client_id'] or None, flow=params['flow'])
    return {'changed': False, 'clients': clients}


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(gather)


if __name__ == '__main__':
    main()
