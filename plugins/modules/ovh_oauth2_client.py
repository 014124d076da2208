#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_oauth2_client
short_description: Manage OVHcloud service accounts (OAuth2 clients)
version_added: 1.0.0
description:
  - Create, update, replace or delete an OVHcloud OAuth2 client (C(/me/api/oauth2/client)). A client with the
    V(CLIENT_CREDENTIALS) flow is a B(service account). It logs in to the API with its client ID and secret, and IAM
    policies give rights to its identity URN (returned as RV(client.identity)).
  - The client is found by O(client_id) when given, otherwise by its exact O(name). Names are not unique on OVHcloud;
    when several clients carry the name the module fails and lists their IDs rather than guess.
  - B(The secret exists once.) OVHcloud returns it only when the client is created, and it cannot be read back later.
    This module returns it as RV(client_secret) only in the run that created the client, and can write it to a
    O(credentials_file) instead. By default the secret is returned only to a task with C(no_log); see O(return_secret).
  - Only O(name), O(description) and O(callback_urls) can change in place, with one PUT and only when something differs.
    The O(flow) of a client cannot change on OVHcloud; O(recreate=true) replaces the client instead.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  name:
    description:
      - Name of the client. Finds the client when O(client_id) is not given.
      - One line of text; newlines and other control characters are refused (also in O(description)).
      - Required to create a client. With O(client_id), the client is renamed to O(name).
      - A rename onto the name of another client is refused and nothing is changed. Names find clients, and two clients
        with one name would make every later lookup by that name fail. See O(allow_duplicate_name).
    type: str
  description:
    description:
      - Description of the client.
      - When creating a client without it, V(Managed by Ansible) is used (OVHcloud requires a description).
        When not given for an existing client, its description is left as it is.
    type: str
  flow:
    description:
      - The OAuth2 flow. V(CLIENT_CREDENTIALS) makes a service account; V(AUTHORIZATION_CODE) is for applications
        that act for a user and needs O(callback_urls).
      - The flow of an existing client cannot change; the module fails unless O(recreate=true).
    type: str
    choices: [CLIENT_CREDENTIALS, AUTHORIZATION_CODE]
    default: CLIENT_CREDENTIALS
  callback_urls:
    description:
      - Allowed callback URLs, for the V(AUTHORIZATION_CODE) flow only; required (non-empty) to create such a client.
      - Compared as a set. When not given for an existing client, its callback URLs are left as they are.
      - Must be empty or unset with V(CLIENT_CREDENTIALS) (the module sends an empty list).
    type: list
    elements: str
  client_id:
    description:
      - Address one existing client by its ID. Then O(name) may be changed.
      - With O(state=present) the client must exist (OVHcloud chooses the ID of a new client); omit O(client_id)
        and give O(name) to create one.
    type: str
  state:
    description:
      - V(present) creates or updates the client. V(absent) detaches its identity from every policy, then deletes it.
    type: str
    choices: [present, absent]
    default: present
  allow_duplicate_name:
    description:
      - Allow a rename (O(client_id) with a new O(name)) onto a name another client carries.
      - Only for a short, deliberate overlap that the same play resolves, such as the last step of a rotation that
        deletes the other client right after; until then every lookup by that name fails and asks for O(client_id).
    type: bool
    default: false
  recreate:
    description:
      - When the existing client's flow differs from O(flow), replace it instead of failing. A new client is created
        (with the same name), the policies that list the old identity are pointed to the new identity, then the old
        client is deleted.
      - The client ID, the secret and the identity URN all change; the module warns about it.
    type: bool
    default: false
  return_secret:
    description:
      - Whether to return the secret of a client created (or rotated) by this run as RV(client_secret).
      - V(true) returns it. On a task without C(no_log) it is then printed in the output.
      - V(false) does not return it; with no O(credentials_file) the secret is dropped (for a client whose identity
        alone is needed).
      - When not set, the secret is returned if the task has C(no_log) (its output is hidden, the registered variable
        holds the secret), and not returned if O(credentials_file) receives it. Otherwise it would only be printed,
        for example by an ad-hoc C(ansible) command, so the module refuses to create the client and says so,
        before any change. Give O(credentials_file), put C(no_log) on the task, or set O(return_secret) explicitly.
    type: bool
  rotate:
    description:
      - Give the existing client a new secret. OVHcloud cannot change a secret, so this replaces the client, in one task
        and without losing a right. A new client with the same name, description and flow is created, it joins every
        editable policy the old identity is in, its secret is handed over (RV(client_secret), O(credentials_file)),
        then the old identity leaves those policies and the old client is deleted.
      - Until the new secret is handed over, any failure is undone (the new client deleted, policies as they were) and
        the old client keeps working. A lost answer never leaves two clients. After the hand-over, a failure to clean
        up becomes a warning saying what is left to do.
      - A O(credentials_file) that holds the old client's credentials is overwritten with the new ones.
      - Every run with O(rotate=true) rotates again (the task always reports a change). Run it from a schedule or
        on demand, not from the everyday playbook. When the client does not exist yet, it is created.
      - The client ID, the secret and the identity URN change; policies keep their IDs and names.
      - Read-only policies (managed by OVHcloud) cannot be edited; they keep the old identity and are named in a warning.
    type: bool
    default: false
  credentials_file:
    description:
      - When this run creates the client, write its credentials to this file, on the host where the module runs,
        in the C(ovh.conf) format that python-ovh, go-ovh, Terraform and this collection read as is
        (C([default]) C(endpoint=) and a section named after the endpoint with C(client_id) and C(client_secret)).
      - Written atomically (a temporary file in the same directory, created with mode O(credentials_file_mode) before
        the secret goes in, then a rename), right after the create answer and before anything else that can fail.
      - The endpoint is written as its name (V(ovh-eu), V(ovh-ca), V(ovh-us)...) also when the task used its base URL,
        since python-ovh accepts only names. An endpoint that is only a URL (a proxy, a test server) is written as is,
        with a comment saying python-ovh refuses it and, when a reader could not derive it, a C(token_url) line.
      - Checked before anything is created. A file that already holds other credentials (another client ID or
        application keys) is never overwritten; the module fails without creating anything.
        A file that already holds this client's ID is left as it is.
      - The secret of an existing client cannot be read back, so for an existing client nothing is written;
        the module warns when the file does not hold that client's credentials.
    type: path
  credentials_file_mode:
    description:
      - The permissions of O(credentials_file), read as O(ansible.builtin.file#module:mode) reads them. An octal
        number (V(0640) unquoted, which YAML reads as octal), a quoted octal string (V("0640")) or a symbolic mode
        (V(u=rw,g=r), applied to no permission at all for a new file).
      - A mode that gives others (C(o)) any right is refused, and so is a number without a leading zero (YAML reads
        V(640) as a decimal number). The file holds a secret.
      - When the file already holds this client's credentials with another mode, its mode is set to this one (the
        task reports a change, and warns when others could read the file).
    type: raw
    default: '0600'
  delete_empty_policies:
    description:
      - With O(state=absent), delete a policy that would list no identity once the client's identity is removed.
      - By default such a policy is kept; with no identity it grants nothing.
    type: bool
    default: false
notes:
  - With O(state=absent) the identity is first removed from every policy that lists it, as OVHcloud advises
    (one full PUT per policy). Read-only policies (managed by OVHcloud) are not touched and are named in a warning.
    A policy left without any identity stays in place and grants nothing, unless O(delete_empty_policies=true).
  - When the answer to a create is lost (timeout, dropped connection, 5xx after the change was applied), the module
    looks again. A client this run created whose secret never came back is unusable, so it is deleted and created
    again (at most twice more). The run ends with exactly one client and its secret, or fails with nothing left behind.
  - Names are not unique on OVHcloud, so two runs that create the same name at the same time would each make a client.
    After creating, the module looks again; when another new client of that name was created first (or in the same
    second), this run deletes its own and fails saying so. At most one client survives; run again to adopt it.
  - The secret never appears in a diff, a warning or an error message.
seealso:
  - module: ovhcloud.iam.ovh_oauth2_client_info
  - module: ovhcloud.iam.ovh_iam_policy
  - name: Managing OVHcloud service accounts via API
    description: OVHcloud's guide to service accounts (source in the ovh/docs repository).
    link: https://github.com/ovh/docs/blob/develop/pages/manage_and_operate/api/manage-service-account/guide.en-gb.md
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
'''

EXAMPLES = r'''
- name: Create a service account (the secret is returned once; hide it from the output)
  ovhcloud.iam.ovh_oauth2_client:
    name: ci-deployer
    description: Deploys from CI
  register: deployer
  no_log: true

- name: Save the credentials for the deploy user only (on the run that created the client)
  ansible.builtin.copy:
    content: "{{ {'client_id': deployer.client.client_id, 'client_secret': deployer.client_secret} | to_nice_yaml }}"
    dest: ~/ci-deployer-credentials.yml
    mode: '0600'
  when: deployer.client_secret is defined
  no_log: true

- name: Show the identity URN to use in IAM policies
  ansible.builtin.debug:
    msg: "{{ deployer.client.identity }}"

- name: Create a service account whose credentials go straight to an ovh.conf file (the secret is not returned)
  ovhcloud.iam.ovh_oauth2_client:
    name: backup-agent
    description: Nightly backups
    credentials_file: ~/.backup-agent-ovh.conf
    return_secret: false

- name: Rotate the secret of backup-agent; the new credentials replace the old ones in its file
  ovhcloud.iam.ovh_oauth2_client:
    name: backup-agent
    rotate: true
    credentials_file: ~/.backup-agent-ovh.conf

- name: Rename a client addressed by its ID
  ovhcloud.iam.ovh_oauth2_client:
    client_id: "{{ deployer.client.client_id }}"
    name: ci-deployer-prod
    description: Deploys production from CI

- name: An application that logs users in (authorization code flow)
  ovhcloud.iam.ovh_oauth2_client:
    name: dashboard
    flow: AUTHORIZATION_CODE
    callback_urls:
      - https://dashboard.example.com/oauth/callback
  no_log: true

- name: Delete a service account, detaching its identity from every policy first
  ovhcloud.iam.ovh_oauth2_client:
    name: backup-agent
    state: absent
    delete_empty_policies: true
'''

RETURN = r'''
client:
  description:
    - The client after the task, in snake_case. V({}) when absent.
    - In check mode, a client that would be created has RV(client.client_id), RV(client.identity) and
      RV(client.created_at) set to V(null).
  returned: always
  type: dict
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
      description: The OAuth2 flow.
      type: str
      sample: CLIENT_CREDENTIALS
    callback_urls:
      description: The callback URLs (empty for V(CLIENT_CREDENTIALS)).
      type: list
      elements: str
      sample: []
    identity:
      description: The IAM identity URN of the client, to list in the O(ovhcloud.iam.ovh_iam_policy#module:identities) of a policy.
      type: str
      sample: urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0f0f0f0f0f0f0f0f
    created_at:
      description: When the client was created.
      type: str
      sample: '2025-01-31T09:12:45+00:00'
client_secret:
  description:
    - The client secret. OVHcloud gives it only once, so it is returned only by the run that created the client
      (also when O(recreate=true) or O(rotate=true) replaced it), as O(return_secret) says.
    - It is the one place a secret appears in this module's output. By default only a task with C(no_log) gets it
      (the registered variable holds it, the output does not show it).
  returned: when the client was created by this run and O(return_secret) allows it, not in check mode
  type: str
  sample: 6a8f3c0e0e5d4c...
credentials_file:
  description: The absolute path of the credentials file written by this run.
  returned: when O(credentials_file) was written
  type: str
  sample: /home/deploy/.ovh-ci-deployer.conf
detached_policies:
  description:
    - With O(state=absent), the policies the client's identity was removed from (or that would be, in check mode).
    - RV(detached_policies[].deleted) tells whether the policy was deleted because no identity remained (O(delete_empty_policies=true)).
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
      sample: ci-deployer-rights
    deleted:
      description: Whether the policy was deleted rather than updated.
      type: bool
      sample: false
repointed_policies:
  description: When O(recreate=true) or O(rotate=true) replaced the client, the policies that now list the new identity instead of the old one.
  returned: when the client was replaced
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
      sample: ci-deployer-rights
diff:
  description: The client before and after the task (never the secret).
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The client before, as in RV(client); V({}) when it did not exist.
      type: dict
      sample: {}
    after:
      description: The client after, as in RV(client); V({}) when deleted.
      type: dict
      sample: {name: ci-deployer, description: Deploys from CI, flow: CLIENT_CREDENTIALS, callback_urls: [], client_id: null, identity: null}
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 3
'''

import os
from urllib.parse import urlsplit

from ansible_collections.ovhcloud.iam.plugins.module_utils import _credentials_file as credentials_file
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import (
    detach_identity,
    policies_with_identity,
    replace_identity,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule
from ansible_collections.ovhcloud.iam.plugins.module_utils._oauth2 import (
    FLOWS,
    RotationError,
    create_client,
    delete_client,
    find_clients,
    find_one_client,
    give_way_to_concurrent_create,
    planned_client,
    read_back,
    rotate_client,
    update_body,
    update_client,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._service_accounts import returns_secret as secret_returned

DEFAULT_DESCRIPTION = 'Managed by Ansible'
AUTHORIZATION_CODE = 'AUTHORIZATION_CODE'


def argument_spec():
    return dict(
        name=dict(type='str'),
        description=dict(type='str'),
        flow=dict(type='str', choices=list(FLOWS), default='CLIENT_CREDENTIALS'),
        callback_urls=dict(type='list', elements='str'),
        client_id=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        recreate=dict(type='bool', default=False),
        return_secret=dict(type='bool', no_log=False),
        rotate=dict(type='bool', default=False),
        allow_duplicate_name=dict(type='bool', default=False),
        credentials_file=dict(type='path'),
        credentials_file_mode=dict(type='raw', default='0600'),
        delete_empty_policies=dict(type='bool', default=False),
    )


# ---------------------------------------------------------------------------- decisions (no HTTP)

def input_problems(params):
    """Everything wrong with the options, found before any API call."""
    problems = []
    for option in ('name', 'client_id'):
        if params[option] is not None and not params[option].strip():
            problems.append('%s must not be empty.' % option)
    if params['state'] == 'absent' and params['rotate']:
        problems.append('rotate applies to state=present only; remove it or set state: present.')
    for option in ('name', 'description', 'client_id'):
        if params[option] is not None and has_control_characters(params[option]):
            problems.append('%s must be one line of text: it holds a newline or another control character.' % option)
    if params['state'] == 'present':
        urls = params['callback_urls']
        if params['flow'] == AUTHORIZATION_CODE and urls is not None and not urls:
            problems.append('callback_urls must list at least one URL for the AUTHORIZATION_CODE flow.')
        if params['flow'] != AUTHORIZATION_CODE and urls:
            problems.append('callback_urls apply only to the AUTHORIZATION_CODE flow; remove them or set flow: AUTHORIZATION_CODE.')
        problems.extend('callback_urls: %r is not an absolute http(s) URL such as https://app.example.com/callback.' % url
                        for url in urls or () if not is_callback_url(url))
        try:
            credentials_file.parse_mode(params['credentials_file_mode'], params['credentials_file'])
        except OvhError as exc:
            problems.append('%s.' % exc)
    return problems


def has_control_characters(text):
    return any(ord(char) < 32 or ord(char) == 127 for char in text)


def is_callback_url(url):
    """An absolute http(s) URL with a host, as OVHcloud requires for callbackUrls."""
    parts = urlsplit(url.strip())
    return parts.scheme in ('http', 'https') and bool(parts.netloc)


def same_urls(left, right):
    return sorted(set(left or [])) == sorted(set(right or []))


def present_action(current, params):
    """How state=present reaches the options from ``current`` (None: no client): ``(action, problem)``.

    ``action`` is 'create', 'replace' (the flow changes: a new client), 'rotate' or 'update'; ``problem``
    (then action is None) says why the task cannot go on.
    """
    if current is None:
        if params['client_id'] is not None:
            return None, ('OAuth2 client %s does not exist. OVHcloud chooses the ID of a new client: omit client_id '
                          'and give name to create one.' % params['client_id'])
        return 'create', None
    if current['flow'] != params['flow']:
        if not params['recreate']:
            return None, ('OAuth2 client %s (%s) has flow %s; the flow of a client cannot change on OVHcloud. Set '
                          'recreate: true to replace it (the client ID, secret and identity URN will change), or set '
                          'flow: %s.' % (current['client_id'], current['name'], current['flow'], current['flow']))
        return 'replace', None
    return ('rotate' if params['rotate'] else 'update'), None


def wanted_for_new_client(params, previous=None):
    """(name, description, flow, callback_urls) of a client to create; previous is the one being replaced."""
    name = params['name'] if params['name'] is not None else previous['name']
    description = params['description']
    if description is None:
        description = previous['description'] if previous else DEFAULT_DESCRIPTION
    urls = params['callback_urls']
    if params['flow'] != AUTHORIZATION_CODE:
        urls = []
    elif urls is None:
        urls = previous['callback_urls'] if previous else []
    return name, description, params['flow'], urls


def changes_for(current, params):
    """The fields of an existing client that differ from the options (None options are left alone)."""
    changes = {}
    if params['name'] is not None and params['name'] != current['name']:
        changes['name'] = params['name']
    if params['description'] is not None and params['description'] != current['description']:
        changes['description'] = params['description']
    urls = params['callback_urls']
    if urls is not None and not same_urls(urls, current['callback_urls']):
        changes['callback_urls'] = list(urls)
    return changes


def secret_nowhere_problem(params, no_log):
    """Why a new client's secret would have nowhere safe to go, or None."""
    if params['return_secret'] is None and not params['credentials_file'] and not no_log:
        return ('Nothing was created: the secret of the new OAuth2 client %r would only be printed in the output, '
                'and OVHcloud shows it only once. Give credentials_file (a file only you can read, for example '
                'credentials_file=~/%s.ovh.conf), put no_log: true on the task and register it, or set '
                'return_secret: true to have it printed, or return_secret: false to drop it.'
                % (params['name'], params['name'] or 'client'))
    return None


# ---------------------------------------------------------------------------- read, report

def find_current(module):
    """The client addressed by client_id or name (snake_case), or None; fails when several carry the name."""
    return find_one_client(module.api, name=module.params['name'], client_id=module.params['client_id'])


def report(module, changed, before, after, **extra):
    """The module result: the client after the task, the extra keys, and before/after in diff mode."""
    return module.outcome(changed, 'client', before, after, **extra)


def editable_policies(module, current):
    """The policies listing the client's identity that can change; read-only ones are only warned about."""
    urn = current['identity']
    policies = policies_with_identity(module.api, urn) if urn else []
    for policy in policies:
        if policy.get('readOnly'):
            module.warn('Policy %s (%s) is read-only (managed by OVHcloud) and still lists %s; it was not changed.'
                        % (policy['name'], policy['id'], urn))
    return [policy for policy in policies if not policy.get('readOnly')]


# ---------------------------------------------------------------------------- present

def ensure_present(module, current):
    action, problem = present_action(current, module.params)
    if problem:
        module.fail(problem)
    if action == 'create':
        return create(module)
    if action == 'replace':
        return replace(module, current)
    if action == 'rotate':
        return rotate(module, current)
    return update(module, current)


def new_client(module, previous=None):
    """The wanted new client, once its secret is known to have a safe place to go (checked before any write)."""
    wanted = wanted_for_new_client(module.params, previous)
    if wanted[2] == AUTHORIZATION_CODE and not wanted[3]:
        module.fail('callback_urls must list at least one URL to create a client with the AUTHORIZATION_CODE flow.')
    problem = secret_nowhere_problem(module.params, module.ansible.no_log)
    if problem:
        module.fail(problem)
    path = module.params['credentials_file']
    if path:
        credentials_file.inspect(path, client_ids=(previous['client_id'],) if previous else ())
    return wanted


def returns_secret(module):
    """Whether the secret of a new client goes into the result (return_secret, or its default)."""
    return secret_returned(module.params['return_secret'], module.ansible.no_log, module.params)


def hand_over_secret(module, result, created, secret):
    """Write credentials_file and/or return the secret. Returns False when the secret could not be kept at all."""
    params = module.params
    if params['credentials_file']:
        try:
            result['credentials_file'] = credentials_file.write(
                params['credentials_file'], module.api.settings.endpoint, created['client_id'], secret,
                params['credentials_file_mode'], token_url=module.api.settings.token_url)
        except OvhError as exc:
            if not returns_secret(module):
                return False
            module.warn('%s. The secret is only in the client_secret return value of this run.' % exc)
    if returns_secret(module):
        result['client_secret'] = secret
    else:
        module.ansible.no_log_values.add(secret)
    return True


def created_client(module, client_id, wanted):
    """The new client read back (for its identity); the sent values when it is not readable yet."""
    found = read_back(module.api, client_id)
    if found is not None:
        return found
    module.warn('OAuth2 client %s was created but could not be read back yet; its identity URN is not known in this run.' % client_id)
    return dict(planned_client(*wanted), client_id=client_id)


def create_and_hand_over(module, wanted, known_ids, result):
    """POST the client, deliver its secret at once, then read it back; the new client in snake_case.

    The secret goes to credentials_file before anything else that can fail (or a killed run) could lose it.
    """
    client_id, secret = create_client(module.api, *wanted, known_ids=known_ids, warn=module.warn)
    if not hand_over_secret(module, result, {'client_id': client_id}, secret):
        delete_client(module.api, client_id)
        module.fail('credentials_file %s could not be written and return_secret is false, so the new client\'s '
                    'secret could not be kept: client %s was deleted again. Fix the path and run again.'
                    % (module.params['credentials_file'], client_id))
    try:
        give_way_to_concurrent_create(module.api, wanted[0], client_id, known_ids)
    except OvhError:
        if result.get('credentials_file'):  # the client it names was deleted: leave no dead credentials behind
            os.unlink(result.pop('credentials_file'))
        raise
    return created_client(module, client_id, wanted)


def create(module):
    wanted = new_client(module)
    if module.check_mode:
        planned = planned_client(*wanted)
        return report(module, True, {}, planned)
    result = {}
    created = create_and_hand_over(module, wanted, (), result)
    return report(module, True, {}, created, **result)


def replace(module, current):
    """Create the new client, move the old identity's policies to it, delete the old client."""
    wanted = new_client(module, previous=current)
    module.warn('OAuth2 client %s (%s) is replaced because its flow changes from %s to %s: the client ID, the secret and '
                'the identity URN change.' % (current['client_id'], current['name'], current['flow'], wanted[2]))
    return move_to_new_client(module, current, wanted, replace_and_retire)


def rotate(module, current):
    """rotate=true: a new client with the old one's rights and a new secret, then the old client is deleted."""
    check_rename(module, current, wanted_for_new_client(module.params, current)[0])
    wanted = new_client(module, previous=current)
    return move_to_new_client(module, current, wanted, rotate_and_retire)


def move_to_new_client(module, current, wanted, move):
    """Replace or rotate: the plan in check mode, else ``move(module, current, wanted, writable, result)``."""
    writable = editable_policies(module, current)
    if module.check_mode:
        planned = planned_client(*wanted)
        moved = [{'id': p['id'], 'name': p['name']} for p in writable]
        return report(module, True, current, planned, repointed_policies=moved)
    result = {}
    created = move(module, current, wanted, writable, result)
    return report(module, True, current, created, **result)


def replace_and_retire(module, current, wanted, writable, result):
    created = create_and_hand_over(module, wanted, (current['client_id'],), result)
    result['repointed_policies'] = repoint(module, writable, current, created)
    retire(module, current)
    return created


def rotate_and_retire(module, current, wanted, writable, result):
    try:
        created, result['repointed_policies'] = rotate_client(
            module.api, current, wanted, writable, lambda new, secret: hand_over_secret(module, result, new, secret),
            module.warn)
    except RotationError as exc:
        module.fail_from(exc)
    return created


def repoint(module, policies, old, new):
    """Point each policy at the new identity. Failures become warnings: the new secret must not be lost."""
    if not policies:
        return []
    if not new['identity']:
        module.warn('Policies %s still list the old identity %s: point them to the new client\'s identity.'
                    % (', '.join(p['name'] for p in policies), old['identity']))
        return []
    done = []
    for policy in policies:
        try:
            done.append(replace_identity(module.api, policy, old['identity'], new['identity']))
        except OvhError as exc:
            module.warn('Policy %s (%s) still lists the old identity %s; replacing it failed: %s'
                        % (policy['name'], policy['id'], old['identity'], exc))
    return done


def retire(module, old):
    try:
        delete_client(module.api, old['client_id'])
    except OvhError as exc:
        module.warn('The old OAuth2 client %s could not be deleted (%s). Delete it with ovhcloud.iam.ovh_oauth2_client '
                    '(client_id: %s, state: absent); until then two clients carry the name %r.'
                    % (old['client_id'], exc, old['client_id'], old['name']))


def warn_unwritable_credentials_file(module, current):
    path = module.params['credentials_file']
    if not path:
        return False
    try:
        held = credentials_file.inspect(path, client_ids=(current['client_id'],))
    except OvhError as exc:
        held = None
        reason = str(exc)
    else:
        reason = 'it does not hold them'
    if held != credentials_file.SAME_CLIENT:
        module.warn('credentials_file %s was not written: OAuth2 client %s already exists and OVHcloud gives its secret only '
                    'at creation (%s). To get new credentials, delete the client (state: absent) and run again.'
                    % (path, current['client_id'], reason))
        return False
    return fix_credentials_file_mode(module, path, current['client_id'])


def fix_credentials_file_mode(module, path, client_id):
    """Give the file that holds this client's secret the mode asked for; True when it had another."""
    try:
        modes = credentials_file.enforce_mode(path, module.params['credentials_file_mode'], check_mode=module.check_mode)
    except OvhError as exc:
        module.fail_from(exc)
    if modes and modes[0] & 0o007:
        module.warn('credentials_file %s holds the secret of OAuth2 client %s and was open to others (mode 0%03o); its '
                    'mode %s 0%03o. Anyone on that host may have read the secret: consider rotating it.'
                    % (path, client_id, modes[0], 'would be set to' if module.check_mode else 'is now', modes[1]))
    return modes is not None


def check_rename(module, current, name):
    """Refuse to give a client the name of another one: every later lookup by that name would be ambiguous."""
    if name == current['name'] or module.params['allow_duplicate_name']:
        return
    taken = [c['client_id'] for c in find_clients(module.api, name=name) if c['client_id'] != current['client_id']]
    if taken:
        module.fail('Nothing was changed: cannot rename OAuth2 client %s (%s) to %r, that name is already used by %s. '
                    'Names find clients, so two clients with one name make every later lookup by name fail. '
                    'Choose another name, or delete the other client first (state: absent, client_id: %s).'
                    % (current['client_id'], current['name'], name, ', '.join(sorted(taken)), sorted(taken)[0]))


def update(module, current):
    mode_fixed = warn_unwritable_credentials_file(module, current)
    changes = changes_for(current, module.params)
    if 'name' in changes:
        check_rename(module, current, changes['name'])
    after = dict(current, **changes)
    if changes and not module.check_mode:
        body = update_body(current, changes.get('name'), changes.get('description'), changes.get('callback_urls'))
        update_client(module.api, current['client_id'], body)
    return report(module, bool(changes) or mode_fixed, current, after)


# ---------------------------------------------------------------------------- absent

def ensure_absent(module, current):
    if current is None:
        return report(module, False, {}, {}, detached_policies=[])
    urn = current['identity']
    detached = [detach_identity(module.api, policy, urn, delete_if_empty=module.params['delete_empty_policies'],
                                check_mode=module.check_mode)
                for policy in editable_policies(module, current)]
    if not module.check_mode:
        delete_client(module.api, current['client_id'])
    return report(module, True, current, {}, detached_policies=detached)


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True, required_one_of=[('name', 'client_id')])
    module.run_managing(input_problems, find_current, ensure_present, ensure_absent)


if __name__ == '__main__':
    main()
