# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Many service accounts and their policies at once (ovh_service_accounts): checks, the plan, concurrent writes.

The plan is pure: from the declared accounts, the listed clients (snake_case) and the listed editable
policies (API shape) it decides, per object, create / update / none / delete. It reuses the
single-object helpers: ``desired_policy`` and ``changed_fields`` of ``_iam_policy`` for policies,
``update_body`` / ``create_client`` / ``earlier_twins`` of ``_oauth2`` for clients, and the
validators of ``_iam_policy`` / ``_iam_validate``. Nothing here calls ``fail_json``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import (
    ACTION_FIELDS,
    RESERVED_NAME_PREFIX,
    changed_fields,
    desired_policy,
    flatten_policy,
    option_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_validate import new_name_problems
from ansible_collections.ovhcloud.iam.plugins.module_utils._oauth2 import planned_client

CLIENT_CREDENTIALS = 'CLIENT_CREDENTIALS'
DEFAULT_DESCRIPTION = 'Managed by Ansible'
DEFAULT_PARALLELISM = 4
# Writes in flight at once, at most (the HTTP client keeps up to EXPANSION_WORKERS connections).
MAX_PARALLELISM = 10
POLICY_OPTIONS = ('resources',) + ACTION_FIELDS + ('permissions_groups',)


# ---------------------------------------------------------------------------- input checks (no API call)

def _where(index, account, policy_index=None, policy=None):
    text = 'accounts[%d]' % index
    if isinstance(account, dict) and account.get('name'):
        text += ' (%s)' % account['name']
    if policy_index is not None:
        text += ' policies[%d]' % policy_index
        if isinstance(policy, dict) and policy.get('name'):
            text += ' (%s)' % policy['name']
    return text


def policy_params(policy, identity):
    """The ovh_iam_policy options one declared policy stands for: every list replaced (purge), identity = the account's."""
    params = dict((option, policy.get(option) or []) for option in POLICY_OPTIONS)
    params.update(
        name=policy['name'],
        description=policy.get('description'),
        identities=[identity] if identity else [],
        # {} and '' clear the field: a declared policy without conditions or expiry has none.
        conditions=policy.get('conditions') or {},
        expired_at=policy.get('expired_at') or '',
    )
    return params


def _declared_twice(seen, name, where, label):
    """A name already declared elsewhere (``seen``: name -> where it was first); remembers this one."""
    if name in seen:
        return ['%s: the name %r is declared twice (also %s); names find objects, so each once.' % (where, name, seen[name])]
    seen[name] = label
    return []


def input_problems(accounts, purge, purge_prefix, parallelism, region=None):
    """Every problem of every account and policy, as sentences, before any API call."""
    problems = []
    if purge and not (purge_prefix or '').strip():
        problems.append('purge: true needs purge_prefix, the name prefix of the clients and policies this task owns '
                        '(for example purge_prefix: app-); nothing outside it is ever removed.')
    if purge_prefix is not None and purge_prefix.lower().startswith(RESERVED_NAME_PREFIX):
        problems.append('purge_prefix: %r starts with %r, the prefix of the policies OVHcloud manages; choose the prefix '
                        'of your own names.' % (purge_prefix, RESERVED_NAME_PREFIX))
    if not 1 <= parallelism <= MAX_PARALLELISM:
        problems.append('parallelism: %d is out of range; give 1 to %d.' % (parallelism, MAX_PARALLELISM))
    client_names = {}
    policy_names = {}
    for index, account in enumerate(accounts):
        where = _where(index, account)
        name = (account.get('name') or '').strip()
        if not name:
            problems.append('%s: name must not be empty.' % where)
            continue
        problems.extend(_declared_twice(client_names, name, where, 'accounts[%d]' % index))
        if purge and purge_prefix and account.get('state') == 'present' and not name.startswith(purge_prefix):
            problems.append('%s: %r does not start with purge_prefix %r; a later run without it in the list would not '
                            'remove it. Rename it or change purge_prefix.' % (where, name, purge_prefix))
        for policy_index, policy in enumerate(account.get('policies') or ()):
            spot = _where(index, account, policy_index, policy)
            policy_name = (policy.get('name') or '').strip()
            if not policy_name:
                problems.append('%s: name must not be empty.' % spot)
                continue
            problems.extend(_declared_twice(policy_names, policy_name, spot, spot))
            if account.get('state') == 'absent':
                continue
            params = policy_params(policy, None)
            problems.extend('%s: %s' % (spot, problem) for problem in option_problems(params, region))
            if not policy.get('resources'):
                problems.append('%s: resources is required: at least one resource URN, e.g. the account '
                                '(urn:v1:eu:resource:account:<nic>).' % spot)
            if not (policy.get('allow') or policy.get('deny') or policy.get('permissions_groups')):
                problems.append('%s: a policy needs permissions: give allow, deny or permissions_groups.' % spot)
    return problems


def secret_target_problems(accounts, return_secret, no_log, inspect):
    """Where the secret of each account to create would go, checked before anything is created.

    ``inspect(path)`` is credentials_file.inspect (raises OvhError when the file cannot take new credentials).
    """
    problems = []
    for index, account in accounts:
        where = _where(index, account)
        path = account.get('credentials_file')
        if return_secret is None and not path and not no_log:
            problems.append('%s: nothing was created: the secret of the new client would only be printed in the output, '
                            'and OVHcloud shows it only once. Give credentials_file for this account, put no_log: true on '
                            'the task and register it, or set return_secret: true to have it printed, or '
                            'return_secret: false to drop it.' % where)
        if path:
            try:
                inspect(path)
            except OvhError as exc:
                problems.append('%s: %s' % (where, exc))
    return problems


def returns_secret(return_secret, no_log, account):
    """Whether the secret of a new client goes into the result (the rule of ovh_oauth2_client, per account)."""
    if return_secret is not None:
        return return_secret
    return bool(no_log) or not account.get('credentials_file')


# ---------------------------------------------------------------------------- the plan (pure)

def _by_name(items, key='name'):
    found = {}
    for item in items:
        found.setdefault(item.get(key), []).append(item)
    return found


def plan_policy(current_api, policy, identity):
    """(action, before, after) of one declared policy: create / update / none (before and after flat)."""
    before = flatten_policy(current_api) if current_api else {}
    after = desired_policy(before, policy_params(policy, identity))
    if not before:
        return 'create', {}, after
    return ('update' if changed_fields(before, after) else 'none'), before, after


def plan(accounts, clients, policies, purge_prefix=None):
    """Decide every object's fate.

    ``accounts``: the declared accounts (module options); ``clients``: every client (snake_case);
    ``policies``: every editable policy (API shape). Returns ``(items, purged, problems)``: one item per
    account in input order, the objects the purge removes, and what forbids the plan (ambiguous names,
    a flow that cannot change, protected policies). A policy of a client still to be created gets its
    identity once the client exists (``identity`` None here).
    """
    problems = []
    clients_by_name = _by_name(clients)
    policies_by_name = _by_name(policies)
    declared_clients = set(account['name'] for account in accounts)
    declared_policies = set(policy['name'] for account in accounts for policy in account.get('policies') or ())
    items = []
    deleted_identities = []
    for index, account in enumerate(accounts):
        where = _where(index, account)
        same_name = clients_by_name.get(account['name'], [])
        item = {'name': account['name'], 'state': account.get('state', 'present'), 'index': index, 'policies': []}
        items.append(item)
        if len(same_name) > 1:
            problems.append('%s: several OAuth2 clients are named %r (%s); names find clients, so delete the extra ones '
                            'with ovhcloud.iam.ovh_oauth2_client (client_id, state: absent).'
                            % (where, account['name'], ', '.join(sorted(c['client_id'] for c in same_name))))
            continue
        current = same_name[0] if same_name else None
        if current and current['flow'] != CLIENT_CREDENTIALS:
            problems.append('%s: OAuth2 client %s (%r) has flow %s, not a service account; ovh_service_accounts manages '
                            'CLIENT_CREDENTIALS clients only. Rename the account or use ovhcloud.iam.ovh_oauth2_client.'
                            % (where, current['client_id'], account['name'], current['flow']))
            continue
        for policy_index, policy in enumerate(account.get('policies') or ()):
            namesakes = policies_by_name.get(policy['name'], [])
            spot = _where(index, account, policy_index, policy)
            if len(namesakes) > 1:
                problems.append('%s: %d policies are named %r (ids: %s); delete the extra ones.' % (
                    spot, len(namesakes), policy['name'], ', '.join(sorted(p['id'] for p in namesakes))))
                continue
            existing = namesakes[0] if namesakes else None
            if item['state'] == 'absent':
                if existing:
                    item['policies'].append({'name': policy['name'], 'action': 'delete', 'id': existing['id'],
                                             'before': flatten_policy(existing), 'after': {}})
                else:
                    item['policies'].append({'name': policy['name'], 'action': 'none', 'id': None, 'before': {}, 'after': {}})
                continue
            if existing is not None and policy_protected(existing):
                problems.append('%s: policy %r (id %s) is read-only or reserved by OVHcloud and cannot be managed.'
                                % (spot, policy['name'], existing['id']))
                continue
            action, before, after = plan_policy(existing, policy, current['identity'] if current else None)
            if action != 'none' and after.get('name') != before.get('name'):
                problems.extend('%s: %s' % (spot, p) for p in new_name_problems('name', after.get('name')))
            item['policies'].append({'name': policy['name'], 'action': action, 'id': existing['id'] if existing else None,
                                     'before': before, 'after': after, 'spec': policy})
        if item['state'] == 'absent':
            item['client'] = {'action': 'delete' if current else 'none', 'before': current or {}, 'after': {}}
            if current:
                deleted_identities.append(current['identity'])
            continue
        if current is None:
            description = account.get('description')
            planned = planned_client(account['name'], DEFAULT_DESCRIPTION if description is None else description,
                                     CLIENT_CREDENTIALS, [])
            item['client'] = {'action': 'create', 'before': {}, 'after': planned}
            continue
        changes = {}
        if account.get('description') is not None and account['description'] != current['description']:
            changes['description'] = account['description']
        item['client'] = {'action': 'update' if changes else 'none', 'before': current, 'after': dict(current, **changes),
                          'changes': changes}
    purged = {'clients': [], 'policies': []}
    if purge_prefix:
        purged['clients'] = sorted(
            (c for c in clients if (c.get('name') or '').startswith(purge_prefix) and c['name'] not in declared_clients
             and c['flow'] == CLIENT_CREDENTIALS), key=lambda c: (c['name'], c['client_id']))
        deleted_identities.extend(c['identity'] for c in purged['clients'])
        purged['policies'] = sorted(
            (flatten_policy(p) for p in policies if (p.get('name') or '').startswith(purge_prefix)
             and p['name'] not in declared_policies and not policy_protected(p)), key=lambda p: (p['name'], p['id']))
    purged['detach'] = detachments(items, purged['policies'], policies, deleted_identities)
    return items, purged, problems


def policy_protected(api_policy):
    return bool(api_policy.get('readOnly')) or (api_policy.get('name') or '').lower().startswith(RESERVED_NAME_PREFIX)


def detachments(items, purged_policies, policies, deleted_identities):
    """Policies that stay but list an identity being deleted: (api policy, identities that remain).

    Declared policies are rewritten whole anyway (their identity is their account's), so only the others count.
    """
    gone = set(urn for urn in deleted_identities if urn)
    if not gone:
        return []
    handled = set(p['id'] for p in purged_policies)
    for item in items:
        handled.update(p['id'] for p in item['policies'] if p.get('id'))
    result = []
    for policy in policies:
        if policy['id'] in handled or policy_protected(policy):
            continue
        identities = list(policy.get('identities') or [])
        remaining = [urn for urn in identities if urn not in gone]
        if len(remaining) != len(identities):
            result.append((policy, remaining))
    return result


def actions_held_and_named(items):
    """For the catalogue check: (option label, new actions) of every policy to write, given what it already holds."""
    named = []
    for item in items:
        for policy in item['policies']:
            if policy['action'] not in ('create', 'update'):
                continue
            held = set(action for field in ACTION_FIELDS for action in policy['before'].get(field) or ())
            for field in ACTION_FIELDS:
                fresh = [action for action in policy['after'].get(field) or () if action not in held]
                if fresh:
                    named.append(('policy %s %s' % (policy['name'], field), fresh))
    return named


def summary(items, purged):
    """How many objects of each kind each action touched."""
    counts = {'clients': {}, 'policies': {}}
    for item in items:
        client = item.get('client') or {}
        if client.get('action'):
            counts['clients'][client['action']] = counts['clients'].get(client['action'], 0) + 1
        for policy in item['policies']:
            counts['policies'][policy['action']] = counts['policies'].get(policy['action'], 0) + 1
    for kind in ('clients', 'policies'):
        if purged.get(kind):
            counts[kind]['purge'] = len(purged[kind])
    if purged.get('detach'):
        counts['policies']['detach'] = len(purged['detach'])
    return counts


# ---------------------------------------------------------------------------- concurrency

def run_bounded(jobs, parallelism):
    """Call every job (a no-argument callable) with at most ``parallelism`` at a time.

    Returns ``[(value, error)]`` in the order of ``jobs``; an OvhError is kept as that job's error so the
    other jobs still run. The HTTP client is shared: its one retry policy (429 honoured) applies to each call.
    """
    def guarded(job):
        try:
            return job(), None
        except OvhError as exc:
            return None, exc
    if not jobs:
        return []
    if parallelism <= 1 or len(jobs) == 1:
        return [guarded(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=min(parallelism, len(jobs))) as pool:
        return list(pool.map(guarded, jobs))


# ---------------------------------------------------------------------------- the role's many-applications entry point

APPLICATION_KEYS = ('name', 'description', 'state', 'policies', 'credentials_path', 'credentials_owner',
                    'credentials_group', 'credentials_mode')


def accounts_for_applications(applications, staging_dir):
    """The ``accounts`` option of ovh_service_accounts for the role's ``service_account_applications``.

    A new client's credentials go to ``<staging_dir>/<name>.conf`` on the controller (the role then delivers them to
    each target); no staging directory (check mode) means no credentials file. Raises ValueError naming every
    unknown key or missing name at once.
    """
    problems = []
    accounts = []
    for index, application in enumerate(applications or ()):
        if not isinstance(application, dict) or not application.get('name'):
            problems.append('service_account_applications[%d]: name is required' % index)
            continue
        unknown = sorted(set(application) - set(APPLICATION_KEYS))
        if unknown:
            problems.append('service_account_applications[%d] (%s): unknown key(s) %s; use %s'
                            % (index, application['name'], ', '.join(unknown), ', '.join(APPLICATION_KEYS)))
        account = {'name': application['name'], 'state': application.get('state') or 'present',
                   'policies': list(application.get('policies') or [])}
        if application.get('description') is not None:
            account['description'] = application['description']
        if staging_dir and account['state'] == 'present':
            account['credentials_file'] = '%s/%s.conf' % (staging_dir.rstrip('/'), application['name'].replace('/', '_'))
        accounts.append(account)
    if problems:
        raise ValueError('; '.join(problems))
    return accounts
