#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_service_accounts
short_description: Converge many OVHcloud service accounts and their IAM policies in one task
version_added: 1.0.0
description:
  - States every service account (OAuth2 client with the V(CLIENT_CREDENTIALS) flow) of an application inventory and
    the IAM policies that give it rights, in B(one task). One module process lists the clients once and the policies
    once, decides per object (create, update, nothing, delete) and sends only the writes, O(parallelism) at a time.
    A run that changes nothing sends a constant number of requests whatever the number of accounts.
  - The same rules as M(ovhcloud.iam.ovh_oauth2_client) and M(ovhcloud.iam.ovh_iam_policy) apply to each object
    (they share the same code). Clients and policies are found by exact name; a name carried by several objects fails
    the task before any write. A create whose answer was lost is reconciled (never two clients where one was asked for).
  - Each declared policy is stated whole. Its identities are the account's client only, and its lists
    (resources, actions, permissions groups) replace the remote ones. A declared policy without O(accounts[].policies[].conditions)
    or O(accounts[].policies[].expired_at) has none.
  - B(The secret exists once.) The secret of a new client is written to that account's
    O(accounts[].credentials_file), or returned in RV(accounts[].client_secret), by default only to a task with
    C(no_log); see O(return_secret). It never appears in a diff or a warning.
  - Every problem of every account is reported at once, before anything is sent.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  accounts:
    description: The service accounts, each with its policies. Results come back in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the client (unique among the clients of the account).
        type: str
        required: true
      description:
        description:
          - Description of the client. V(Managed by Ansible) for a new client when not given; an existing client's
            description is left as it is when not given.
        type: str
      state:
        description:
          - V(absent) deletes the client and the policies listed under it (by name); the client's identity is also
            taken out of any other editable policy that lists it.
        type: str
        choices: [present, absent]
        default: present
      credentials_file:
        description:
          - Where to write the ovh.conf credentials of the client when it is created (as in
            M(ovhcloud.iam.ovh_oauth2_client)). An existing file holding other credentials is refused before any write.
        type: path
      credentials_file_mode:
        description: Mode of O(accounts[].credentials_file), as in M(ovhcloud.iam.ovh_oauth2_client).
        type: raw
        default: '0600'
      policies:
        description: The IAM policies of this client, each stated whole (see the module description).
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Name of the policy (unique among the policies of the account).
            type: str
            required: true
          description:
            description: Description of the policy; left as it is when not given.
            type: str
          resources:
            description: Resource URNs (at least one).
            type: list
            elements: str
          allow:
            description: Allowed actions.
            type: list
            elements: str
          except:
            description: Actions taken out of O(accounts[].policies[].allow).
            type: list
            elements: str
          deny:
            description: Denied actions.
            type: list
            elements: str
          permissions_groups:
            description: Permissions group URNs.
            type: list
            elements: str
          conditions:
            description: Condition tree, as in M(ovhcloud.iam.ovh_iam_policy).
            type: dict
          expired_at:
            description: Expiry date, as in M(ovhcloud.iam.ovh_iam_policy).
            type: str
  purge:
    description:
      - Also delete the service accounts and policies whose name starts with O(purge_prefix) and that O(accounts) no
        longer lists. Nothing outside the prefix is ever deleted. Check mode shows what would go in RV(purged).
    type: bool
    default: false
  purge_prefix:
    description: The name prefix this task owns. Required with O(purge=true); every present account must start with it.
    type: str
  parallelism:
    description:
      - How many writes are in flight at once (1 to 10). Each write keeps the collection's retry policy (429 Too Many
        Requests honoured). Reads are one list of clients and one list of policies whatever this value.
    type: int
    default: 4
  return_secret:
    description:
      - Whether the secrets of new clients are returned in RV(accounts[].client_secret). By default, only when the task
        has C(no_log) or the account has no O(accounts[].credentials_file); without C(no_log), an account to create
        with neither O(accounts[].credentials_file) nor O(return_secret) fails the task before anything is created.
      - V(false) drops the secret of accounts without a credentials file.
    type: bool
  validate_actions:
    description: Check actions not held yet against OVHcloud's action catalogue (one request) before any write.
    type: bool
    default: true
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
notes:
  - One task replaces a loop of M(ovhcloud.iam.ovh_oauth2_client) and M(ovhcloud.iam.ovh_iam_policy) tasks; see the
    guide C(docs/many-applications.md) of the collection.
seealso:
  - module: ovhcloud.iam.ovh_oauth2_client
  - module: ovhcloud.iam.ovh_iam_policy
'''

EXAMPLES = r'''
- name: Converge every application's service account of the account
  ovhcloud.iam.ovh_service_accounts:
    purge: true
    purge_prefix: app-
    accounts:
      - name: app-billing
        description: Billing exporter
        credentials_file: ~/.app-billing-ovh.conf
        policies:
          - name: app-billing-read
            resources: [urn:v1:eu:resource:account:xx1111-ovh]
            allow: [account:apiovh:me/bill/get]
      - name: app-old
        state: absent
'''

RETURN = r'''
accounts:
  description: One entry per account of O(accounts), in the same order.
  returned: always
  type: list
  elements: dict
  sample:
    - name: app-billing
      state: present
      changed: true
      client_action: create
      client: {client_id: EU.4b1d2c3e4f5a6b7c, name: app-billing, description: Billing exporter, flow: CLIENT_CREDENTIALS}
      credentials_file: ~/.app-billing-ovh.conf
      policies: [{name: app-billing-read, action: create, policy: {name: app-billing-read, allow: [account:apiovh:me/get]}}]
  contains:
    name:
      description: Name of the account.
      type: str
    changed:
      description: Whether this account or one of its policies changed (or would in check mode).
      type: bool
    client_action:
      description: What was done to the client, V(create), V(update), V(delete) or V(none).
      type: str
    client:
      description: The client after the task, as RV(ovhcloud.iam.ovh_oauth2_client#module:client); V({}) when absent.
      type: dict
    client_secret:
      description: The secret of a new client (see O(return_secret)). OVHcloud returns it only once.
      type: str
    credentials_file:
      description: The file the new client's credentials were written to.
      type: str
    policies:
      description:
        - Each declared policy, with C(name), C(action) (V(create), V(update), V(delete) or V(none)) and C(policy) (as
          RV(ovhcloud.iam.ovh_iam_policy#module:policy)); C(failed) and C(msg) when its write failed.
      type: list
      elements: dict
    failed:
      description: Whether a write of this account failed; C(msg) says why.
      type: bool
purged:
  description: What the purge removed (or would remove in check mode), and policies an identity was taken out of.
  returned: always
  type: dict
  sample: {clients: [{name: app-gone, client_id: abc}], policies: [{name: app-gone-read, id: 6d1c...}], detached: []}
summary:
  description: How many clients and policies each action touched.
  returned: always
  type: dict
  sample: {clients: {create: 2, none: 48}, policies: {create: 2, none: 48}}
diff:
  description: In diff mode, one before/after pair per changed object, headed by the object's kind and name.
  returned: in diff mode
  type: list
  elements: dict
  sample: [{before_header: client app-billing, after_header: client app-billing, before: {}, after: {name: app-billing}}]
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 3
problems:
  description: Every problem found before anything was sent, when the task failed for them.
  returned: when the input is invalid
  type: list
  elements: str
  sample: ["accounts[0] (app-billing) policies[0] (app-billing-read): resources: '*' is not a resource URN; ..."]
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils import _credentials_file as credentials_file
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import catalogue_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import (
    answered_policy,
    create_policy,
    delete_policy,
    desired_policy,
    endpoint_region,
    list_policies,
    rewrite_policy,
    update_policy,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule
from ansible_collections.ovhcloud.iam.plugins.module_utils._oauth2 import (
    concurrent_create_error,
    create_client,
    delete_client,
    earlier_twins,
    list_clients,
    read_back,
    update_body,
    update_client,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._service_accounts import (
    DEFAULT_PARALLELISM,
    actions_held_and_named,
    input_problems,
    plan,
    policy_params,
    returns_secret,
    run_bounded,
    secret_target_problems,
    summary,
)

LIST = dict(type='list', elements='str')


def argument_spec():
    policy = dict(name=dict(type='str', required=True), description=dict(type='str'), resources=LIST, allow=LIST,
                  deny=LIST, permissions_groups=LIST, conditions=dict(type='dict'), expired_at=dict(type='str'))
    policy['except'] = LIST
    account = dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        credentials_file=dict(type='path'),
        credentials_file_mode=dict(type='raw', default='0600'),
        policies=dict(type='list', elements='dict', default=[], options=policy),
    )
    return dict(
        accounts=dict(type='list', elements='dict', required=True, options=account),
        purge=dict(type='bool', default=False),
        purge_prefix=dict(type='str'),
        parallelism=dict(type='int', default=DEFAULT_PARALLELISM),
        return_secret=dict(type='bool', no_log=False),
        validate_actions=dict(type='bool', default=True),
    )


class Run:
    """One convergence: the plan, then writes in phases (clients, policies, deletions), results per account."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.accounts = self.params['accounts']
        self.api = None
        self.purge_errors = []

    def fail_on(self, problems):
        if problems:
            self.module.fail_input(problems)

    def converge(self):
        params = self.params
        purge_prefix = params['purge_prefix'] if params['purge'] else None
        problems = input_problems(self.accounts, params['purge'], params['purge_prefix'], params['parallelism'],
                                  endpoint_region(params))
        for index, account in enumerate(self.accounts):
            try:
                credentials_file.parse_mode(account['credentials_file_mode'], account['credentials_file'])
            except OvhError as exc:
                problems.append('accounts[%d] (%s): %s.' % (index, account['name'], exc))
        self.fail_on(problems)
        self.api = self.module.api
        clients, policies = self.read_all()
        self.known_ids = [c['client_id'] for c in clients]
        items, purged, problems = plan(self.accounts, clients, policies, purge_prefix)
        to_create = [(item['index'], self.accounts[item['index']]) for item in items
                     if item.get('client', {}).get('action') == 'create']
        problems.extend(secret_target_problems(to_create, params['return_secret'], self.module.ansible.no_log,
                                               credentials_file.inspect))
        self.fail_on(problems)
        if params['validate_actions']:
            self.fail_on(catalogue_problems(self.api, actions_held_and_named(items)))
        self.items = items
        self.purged = purged
        if not self.module.check_mode:
            self.write()
        return self.report()

    def read_all(self):
        """Every client and every editable policy: the two lists are read at the same time (two requests, whatever N)."""
        outcomes = run_bounded([lambda: list_clients(self.api), lambda: list_policies(self.api, read_only=False)], 2)
        for _value, error in outcomes:
            if error is not None:
                raise error
        return [value for value, _error in outcomes]

    # ------------------------------------------------------------------ writes
    def write(self):
        parallelism = self.params['parallelism']
        creates = [item for item in self.items if item['client']['action'] == 'create']
        updates = [item for item in self.items if item['client']['action'] == 'update']
        outcomes = run_bounded([self.create_job(item) for item in creates] + [self.update_job(item) for item in updates],
                               parallelism)
        for item, (_value, error) in zip(creates + updates, outcomes):
            if error is not None:
                item['error'] = str(error)
        self.settle_creates([item for item in creates if 'error' not in item])
        policy_jobs = []
        for item in self.items:
            if item['state'] != 'present' or 'error' in item:
                continue
            identity = item['client']['after'].get('identity')
            for policy in item['policies']:
                if policy['action'] in ('create', 'update'):
                    policy_jobs.append((item, policy, self.policy_job(policy, identity)))
        for (item, policy, _job), (_value, error) in zip(policy_jobs, run_bounded([job for _i, _p, job in policy_jobs], parallelism)):
            if error is not None:
                policy['error'] = str(error)
                item.setdefault('error', 'policy %s: %s' % (policy['name'], error))
        self.deletions(parallelism)

    def create_job(self, item):
        account = self.accounts[item['index']]
        planned = item['client']['after']

        def job():
            client_id, secret = create_client(self.api, planned['name'], planned['description'], planned['flow'], [],
                                              known_ids=self.known_ids, warn=self.module.warn)
            item['created'] = (client_id, secret)
            if not returns_secret(self.params['return_secret'], self.module.ansible.no_log, account):
                self.module.ansible.no_log_values.add(secret)
        return job

    def update_job(self, item):
        current, changes = item['client']['before'], item['client']['changes']

        def job():
            update_client(self.api, current['client_id'],
                          update_body(current, changes.get('name'), changes.get('description')))
        return job

    def settle_creates(self, created):
        """One list of clients: the new clients' identities, and the give-way rule against concurrent creators."""
        if not created:
            return
        listed = list_clients(self.api)
        for item in created:
            client_id, secret = item['created']
            same_name = [c for c in listed if c['name'] == item['name']]
            mine = next((c for c in same_name if c['client_id'] == client_id), None)
            earlier = earlier_twins(same_name, client_id, self.known_ids)
            if earlier:
                delete_client(self.api, client_id)
                item['error'] = str(concurrent_create_error(item['name'], earlier, client_id))
                continue
            if mine is None:
                mine = read_back(self.api, client_id)
            if mine is None:
                self.module.warn('OAuth2 client %s was created but could not be read back yet; the policies of %s were '
                                 'not written: run again.' % (client_id, item['name']))
                item['error'] = 'client %s not readable yet; its policies were not written' % client_id
                mine = dict(item['client']['after'], client_id=client_id)
            item['client']['after'] = mine
            self.hand_over(item, mine, secret)

    def hand_over(self, item, created, secret):
        account = self.accounts[item['index']]
        keep = returns_secret(self.params['return_secret'], self.module.ansible.no_log, account)
        if account['credentials_file']:
            try:
                item['credentials_file'] = credentials_file.write(
                    account['credentials_file'], self.api.settings.endpoint, created['client_id'], secret,
                    account['credentials_file_mode'])
            except OvhError as exc:
                if not keep:
                    delete_client(self.api, created['client_id'])
                    item['error'] = ('credentials_file %s could not be written and the secret is not returned, so client %s '
                                     'was deleted again: %s' % (account['credentials_file'], created['client_id'], exc))
                    item['client']['after'] = {}
                    return
                self.module.warn('%s. The secret of %s is only in the client_secret return value of this run.'
                                 % (exc, item['name']))
        if keep:
            item['client_secret'] = secret

    def policy_job(self, policy, identity):
        desired = desired_policy(policy['before'], policy_params(policy['spec'], identity))
        policy['after'] = desired

        def job():
            if policy['action'] == 'create':
                answered = create_policy(self.api, desired, self.module.warn)
                verb = 'creation'
            else:
                answered = update_policy(self.api, policy['id'], desired)
                verb = 'update'
            policy['after'] = answered_policy(desired, answered, verb)
        return job

    def deletions(self, parallelism):
        """Detach identities from policies that stay, then delete policies, then clients."""
        def detach(policy, remaining):
            return lambda: rewrite_policy(self.api, policy, remaining)
        run_bounded([detach(policy, remaining) for policy, remaining in self.purged['detach']], parallelism)
        jobs = []
        for item in self.items:
            for policy in item['policies']:
                if policy['action'] == 'delete':
                    jobs.append((item, lambda p=policy: delete_policy(self.api, p['id'])))
        jobs.extend((None, lambda p=p: delete_policy(self.api, p['id'])) for p in self.purged['policies'])
        self.record_errors(jobs, parallelism)
        jobs = [(item, lambda c=item['client']['before']: delete_client(self.api, c['client_id']))
                for item in self.items if item['client']['action'] == 'delete']
        jobs.extend((None, lambda c=c: delete_client(self.api, c['client_id'])) for c in self.purged['clients'])
        self.record_errors(jobs, parallelism)

    def record_errors(self, jobs, parallelism):
        for (item, _job), (_value, error) in zip(jobs, run_bounded([job for _item, job in jobs], parallelism)):
            if error is not None:
                if item is None:
                    self.purge_errors.append(str(error))
                else:
                    item.setdefault('error', str(error))

    # ------------------------------------------------------------------ report
    def report(self):
        results = []
        diffs = []
        for item in self.items:
            client = item['client']
            changed = client['action'] != 'none' or any(p['action'] != 'none' for p in item['policies'])
            entry = {'name': item['name'], 'state': item['state'], 'changed': changed, 'client_action': client['action'],
                     'client': client['after'] or {},
                     'policies': [policy_result(p) for p in item['policies']]}
            for key in ('client_secret', 'credentials_file'):
                if key in item:
                    entry[key] = item[key]
            if 'error' in item:
                entry.update(failed=True, msg=item['error'])
            results.append(entry)
            if client['action'] != 'none':
                diffs.append({'before_header': 'client %s' % item['name'], 'after_header': 'client %s' % item['name'],
                              'before': client['before'] or {}, 'after': client['after'] or {}})
            for p in item['policies']:
                if p['action'] != 'none':
                    diffs.append({'before_header': 'policy %s' % p['name'], 'after_header': 'policy %s' % p['name'],
                                  'before': p['before'] or {}, 'after': p['after'] or {}})
        purged = {
            'clients': [{'name': c['name'], 'client_id': c['client_id']} for c in self.purged['clients']],
            'policies': [{'name': p['name'], 'id': p['id']} for p in self.purged['policies']],
            'detached': [{'name': p['name'], 'id': p['id']} for p, _remaining in self.purged['detach']],
        }
        for c in self.purged['clients']:
            diffs.append({'before_header': 'client %s (purged)' % c['name'], 'after_header': 'client %s (purged)' % c['name'],
                          'before': c, 'after': {}})
        for p in self.purged['policies']:
            diffs.append({'before_header': 'policy %s (purged)' % p['name'], 'after_header': 'policy %s (purged)' % p['name'],
                          'before': p, 'after': {}})
        changed = any(entry['changed'] for entry in results) or any(purged.values())
        result = {'changed': changed, 'accounts': results, 'purged': purged,
                  'summary': summary(self.items, self.purged)}
        if self.module.diff_mode:
            result['diff'] = diffs
        failures = ['%s: %s' % (entry['name'], entry['msg']) for entry in results if entry.get('failed')]
        failures.extend('purge: %s' % text for text in self.purge_errors)
        if failures:
            self.module.fail('%d of the writes failed (the others were applied; run again to retry): %s'
                             % (len(failures), ' | '.join(failures)), **result)
        return result


def policy_result(planned):
    """One declared policy in the result: what was (or would be) done, the policy after, and why a write failed."""
    result = {'name': planned['name'], 'action': planned['action'], 'policy': planned['after'] or {}}
    if 'error' in planned:
        result.update(failed=True, msg=planned['error'])
    return result


def converge(module):
    return Run(module).converge()


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(converge)


if __name__ == '__main__':
    main()
