# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""The IAM audit of an account: findings with a severity and the objects involved, and their Markdown report
with a Mermaid graph (identities -> policies -> resources, findings highlighted)."""

from __future__ import annotations

import json

from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_access import expired, pattern_match
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import list_permissions_groups, list_resource_groups
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import list_policies
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import list_actions
from ansible_collections.ovhcloud.iam.plugins.module_utils._identity import list_group_names, list_user_logins
from ansible_collections.ovhcloud.iam.plugins.module_utils._oauth2 import list_clients

SEVERITIES = ('info', 'low', 'medium', 'high', 'critical')
# finding code: (severity, what it means)
FINDINGS = {
    'full_access': ('high', 'grants every action (*) on every resource or on the whole account'),
    'orphan_identity': ('medium', 'names an identity that no longer exists'),
    'unknown_action': ('medium', 'names an action OVHcloud\'s action catalogue does not know; it grants or denies nothing'),
    'unused_service_account': ('low', 'is named in no policy, so it can do nothing (or is left over)'),
    'expired_policy': ('low', 'is expired: it grants nothing any more but is still present'),
    'identical_rights': ('low', 'have identical rights; one service account may be enough'),
}
CREDENTIAL_PREFIX = 'oauth2-'


def severity_rank(severity):
    return SEVERITIES.index(severity)


def _urns(entries):
    return [(entry.get('urn') if isinstance(entry, dict) else entry) for entry in entries or ()]


def _actions(permissions, kind):
    return [entry.get('action') for entry in (permissions or {}).get(kind) or () if isinstance(entry, dict)]


def _obj(kind, name, ident=None):
    return {'kind': kind, 'name': name, 'id': ident}


def _policy_obj(policy):
    return _obj('policy', policy.get('name'), policy.get('id'))


def _client_obj(client):
    return _obj('service_account', client.get('name'), client.get('client_id'))


def _finding(code, message, objects):
    return {'code': code, 'severity': FINDINGS[code][0], 'message': message, 'objects': objects}


def all_actions(pattern):
    """A pattern that stands for every action (``*``, ``*:*:*``)."""
    return bool(pattern) and set(pattern) <= {'*', ':'}


def account_wide(urn, read_only_groups):
    """A policy resource that stands for the whole account: a ``*`` resource type, the account itself, every
    resource group, or a read-only resource group (OVHcloud's ``ovh-default`` holds every resource)."""
    parts = (urn or '').split(':')
    if len(parts) >= 4 and parts[3] == 'resourceGroup':
        return parts[-1] == '*' or urn in read_only_groups
    return len(parts) >= 5 and parts[3] == 'resource' and (parts[4] == '*' or parts[4] == 'account')


class Audit:
    """``policies``, ``permissions_groups`` and ``resource_groups`` as the API lists them; ``clients`` are the
    OAuth2 clients (service accounts); ``users`` and ``groups`` the local identities, None when not read;
    ``catalogue`` the action catalogue (``[{action, resourceType}]``); ``now`` epoch seconds."""

    def __init__(self, policies, clients, catalogue, now, permissions_groups=(), resource_groups=(), users=None, groups=None):
        self.policies = list(policies)
        self.clients = list(clients)
        self.catalogue = set(item.get('action') for item in catalogue or () if isinstance(item, dict))
        self.now = now
        self.permissions_groups = {group.get('urn'): group for group in permissions_groups}
        self.resource_groups_list = list(resource_groups)
        self.read_only_groups = set(group.get('urn') for group in resource_groups if group.get('readOnly'))
        self.users = users
        self.groups = groups
        self.editable = [policy for policy in self.policies if not policy.get('readOnly')]

    def findings(self):
        found = (self._full_access() + self._orphans() + self._unknown_actions() + self._unused()
                 + self._expired() + self._identical())
        return sorted(found, key=lambda item: (-severity_rank(item['severity']), item['code'], item['message']))

    # -- the checks

    def _permission_sets(self, policy):
        yield None, policy.get('permissions') or {}
        for urn in _urns(policy.get('permissionsGroups')):
            yield urn, (self.permissions_groups.get(urn) or {}).get('permissions') or {}

    def _full_access(self):
        found = []
        for policy in self.editable:
            wide = [urn for urn in _urns(policy.get('resources')) if account_wide(urn, self.read_only_groups)]
            sources = [group or 'its own permissions' for group, permissions in self._permission_sets(policy)
                       if any(all_actions(action) for action in _actions(permissions, 'allow'))]
            if wide and sources:
                found.append(_finding('full_access', 'policy %r allows every action (through %s) on %s'
                                      % (policy.get('name'), ', '.join(sources), ', '.join(wide)), [_policy_obj(policy)]))
        return found

    def _orphans(self):
        client_ids = set(client.get('client_id') for client in self.clients)
        known = {'credential': lambda name: name.startswith(CREDENTIAL_PREFIX) and name[len(CREDENTIAL_PREFIX):] in client_ids}
        if self.users is not None:
            logins = set(user.get('login') for user in self.users)
            known['user'] = lambda name: name in logins
        if self.groups is not None:
            names = set(group.get('name') for group in self.groups)
            known['group'] = lambda name: name in names
        found = []
        for policy in self.editable:
            for urn in policy.get('identities') or ():
                parts = urn.split(':')
                if '*' in urn or len(parts) < 6 or parts[4] not in known or '/' not in parts[5]:
                    continue
                if not known[parts[4]](parts[5].split('/', 1)[1]):
                    found.append(_finding('orphan_identity', 'policy %r names %s, which no longer exists'
                                          % (policy.get('name'), urn), [_policy_obj(policy), _obj('identity', urn)]))
        return found

    def _unknown_actions(self):
        if not self.catalogue:
            return []
        found = []
        holders = [(_policy_obj(policy), policy.get('permissions')) for policy in self.editable]
        holders += [(_obj('permissions_group', group.get('name'), urn), group.get('permissions'))
                    for urn, group in self.permissions_groups.items() if group.get('owner') != 'ovh' and not group.get('readOnly')]
        for holder, permissions in holders:
            unknown = []
            for kind in ('allow', 'except', 'deny'):
                for action in _actions(permissions, kind):
                    if not action or '*' in action.split(':')[0]:
                        continue  # *, *get: no resource type to check against
                    if '*' in action:
                        if not any(pattern_match(action, known) for known in self.catalogue):
                            unknown.append(action)
                    elif action not in self.catalogue:
                        unknown.append(action)
            if unknown:
                found.append(_finding('unknown_action', '%s %r names actions OVHcloud does not know: %s'
                                      % (holder['kind'].replace('_', ' '), holder['name'], ', '.join(sorted(set(unknown)))), [holder]))
        return found

    def _naming(self, client):
        identity = client.get('identity')
        return [policy for policy in self.policies
                if any(pattern_match(pattern, identity) for pattern in policy.get('identities') or ())]

    def _unused(self):
        return [_finding('unused_service_account', 'service account %r (%s) is named in no policy'
                         % (client.get('name'), client.get('client_id')), [_client_obj(client)])
                for client in self.clients if not self._naming(client)]

    def _expired(self):
        return [_finding('expired_policy', 'policy %r expired at %s and is still present' % (policy.get('name'), policy.get('expiredAt')),
                         [_policy_obj(policy)])
                for policy in self.editable if expired(policy, self.now)]

    def rights(self, client):
        """What a service account may do, as a comparable value: the live policies naming it, without names."""
        shapes = []
        for policy in self._naming(client):
            if expired(policy, self.now):
                continue
            shapes.append(json.dumps({
                'resources': sorted(_urns(policy.get('resources'))),
                'permissions': {kind: sorted(_actions(policy.get('permissions'), kind)) for kind in ('allow', 'except', 'deny')},
                'permissionsGroups': sorted(_urns(policy.get('permissionsGroups'))),
                'conditions': policy.get('conditions') or None,
            }, sort_keys=True))
        return tuple(sorted(set(shapes)))

    def _identical(self):
        by_rights = {}
        for client in self.clients:
            rights = self.rights(client)
            if rights:
                by_rights.setdefault(rights, []).append(client)
        found = []
        for twins in by_rights.values():
            if len(twins) > 1:
                names = ', '.join('%r (%s)' % (client.get('name'), client.get('client_id')) for client in twins)
                found.append(_finding('identical_rights', 'service accounts %s have identical rights' % names,
                                      [_client_obj(client) for client in twins]))
        return found


def counts(findings):
    """Per severity, how many findings are at that severity or above (what a CI gate compares with 0)."""
    return {severity: sum(1 for item in findings if severity_rank(item['severity']) >= severity_rank(severity))
            for severity in SEVERITIES}


# ---------------------------------------------------------------------------- the Markdown report

def _cell(text):
    return str(text if text is not None else '').replace('|', '\\|').replace('\n', ' ')


def _label(text):
    """Text inside a quoted Mermaid label: no quote, angle bracket or newline can break out of it."""
    return (str(text).replace('&', '#amp;').replace('"', '#quot;').replace('<', '#lt;').replace('>', '#gt;')
            .replace('\n', ' '))


def _identity_label(urn, clients_by_identity):
    client = clients_by_identity.get(urn)
    if client:
        return 'service account %s' % client.get('name')
    parts = urn.split(':')
    if len(parts) >= 6:
        return '%s %s' % (parts[4], parts[5])
    return urn


def mermaid(policies, clients, findings, resource_groups=()):
    """A Mermaid flowchart: identities -> policies -> resources; nodes a finding names get its severity's class."""
    clients_by_identity = {client.get('identity'): client for client in clients}
    group_names = {group.get('urn'): group.get('name') for group in resource_groups}
    flagged = {}
    for item in findings:
        for obj in item['objects']:
            for key in (obj.get('id'), obj.get('name')):
                if key and severity_rank(item['severity']) > severity_rank(flagged.get(key, 'info')):
                    flagged[key] = item['severity']
    nodes, lines, classes = {}, ['flowchart LR'], {}

    def node(key, label, flag_keys, shape=('["', '"]')):
        if key not in nodes:
            nodes[key] = 'n%d' % len(nodes)
            lines.append('  %s%s%s%s' % (nodes[key], shape[0], _label(label), shape[1]))
            severities = [flagged[flag] for flag in flag_keys if flag in flagged]
            if severities:
                classes.setdefault(max(severities, key=severity_rank), []).append(nodes[key])
        return nodes[key]

    edges = []
    for policy in policies:
        policy_label = 'policy %s%s' % (policy.get('name'), ' (read-only)' if policy.get('readOnly') else '')
        policy_node = node('policy:%s' % policy.get('id'), policy_label, [policy.get('id')], ('(["', '"])'))
        for urn in policy.get('identities') or ():
            client = clients_by_identity.get(urn) or {}
            identity_node = node('identity:%s' % urn, _identity_label(urn, clients_by_identity), [urn, client.get('client_id')])
            edges.append('  %s --> %s' % (identity_node, policy_node))
        for urn in _urns(policy.get('resources')):
            label = 'resource group %s' % group_names[urn] if urn in group_names else urn
            edges.append('  %s --> %s' % (policy_node, node('resource:%s' % urn, label, [urn], ('[("', '")]'))))
    for client in clients:
        if client.get('identity') not in nodes and 'identity:%s' % client.get('identity') not in nodes:
            node('identity:%s' % client.get('identity'), 'service account %s' % client.get('name'), [client.get('client_id')])
    lines.extend(edges)
    styles = {'critical': 'fill:#f5c2c7,stroke:#842029,stroke-width:3px', 'high': 'fill:#f8d7da,stroke:#b02a37,stroke-width:2px',
              'medium': 'fill:#fff3cd,stroke:#997404,stroke-width:2px', 'low': 'fill:#e2e3e5,stroke:#41464b,stroke-dasharray:4 2',
              'info': 'fill:#cff4fc,stroke:#055160'}
    for severity in sorted(classes, key=severity_rank, reverse=True):
        lines.append('  classDef %s %s' % (severity, styles[severity]))
        lines.append('  class %s %s' % (','.join(classes[severity]), severity))
    return '\n'.join(lines)


def markdown_report(findings, policies, clients, resource_groups=(), title='OVHcloud IAM audit', generated_at=None):
    """The audit as Markdown: a summary, the findings table and the Mermaid graph GitHub and GitLab draw."""
    lines = ['# %s' % title, '']
    if generated_at:
        lines += ['Generated at %s.' % generated_at, '']
    lines += ['%d service account(s), %d policies, %d finding(s).' % (len(clients), len(policies), len(findings)), '',
              '| severity | findings |', '|---|---|']
    for severity in reversed(SEVERITIES):
        exact = sum(1 for item in findings if item['severity'] == severity)
        lines.append('| %s | %d |' % (severity, exact))
    lines += ['', '## Findings', '']
    if findings:
        lines += ['| severity | finding | objects |', '|---|---|---|']
        for item in findings:
            objects = ', '.join('%s `%s`' % (obj['kind'].replace('_', ' '), obj.get('name') or obj.get('id')) for obj in item['objects'])
            lines.append('| %s | %s | %s |' % (item['severity'], _cell(item['message']), _cell(objects)))
    else:
        lines.append('No finding.')
    lines += ['', '## Who can do what', '', 'Identities → policies → resources; objects named in a finding are coloured by its severity.',
              '', '```mermaid', mermaid(policies, clients, findings, resource_groups), '```', '']
    return '\n'.join(lines)


# ---------------------------------------------------------------------------- reading the account

def _unless_refused(read, api):
    """What ``read(api)`` returns, or None when the account (or the caller) cannot list it."""
    try:
        return read(api)
    except OvhApiError as exc:
        if exc.is_not_found or exc.is_forbidden:
            return None
        raise


def read_audit(api, now):
    """An Audit of the whole account: service accounts, policies, permissions and resource groups, local users and
    groups (when they can be listed) and the whole action catalogue, each read once."""
    policies = list_policies(api)
    clients = list_clients(api)
    permissions_groups = list_permissions_groups(api)
    resource_groups = list_resource_groups(api)
    catalogue = list_actions(api, ())  # no resource type: the whole catalogue
    logins = _unless_refused(list_user_logins, api)  # the names are all the orphan check needs: one request each
    group_names = _unless_refused(list_group_names, api)
    return Audit(policies, clients, catalogue, now, permissions_groups=permissions_groups, resource_groups=resource_groups,
                 users=None if logins is None else [{'login': login} for login in logins],
                 groups=None if group_names is None else [{'name': name} for name in group_names])
