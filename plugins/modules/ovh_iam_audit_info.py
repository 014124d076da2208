#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_audit_info
short_description: Audit the IAM of an OVHcloud account and report findings
version_added: 1.0.0
description:
  - Read the account's service accounts, IAM policies, permissions groups, resource groups, local users and groups
    and OVHcloud's action catalogue (each once), and list findings, each with a severity and the objects involved.
  - C(full_access) (high) -- an editable policy allows every action (C(*)), by itself or through a permissions
    group, on every resource or the whole account (a C(*) resource type, the account, every resource group, or
    OVHcloud's read-only default resource group).
  - C(orphan_identity) (medium) -- a policy names a service account, local user or local group that no longer
    exists (users and groups are checked when the caller can list them).
  - C(unknown_action) (medium) -- a policy or custom permissions group names an action absent from the action
    catalogue (a pattern that matches none of it), which grants or denies nothing.
  - C(unused_service_account) (low) -- a service account no policy names.
  - C(expired_policy) (low) -- an expired policy still present.
  - C(identical_rights) (low) -- service accounts whose live policies give exactly the same rights.
  - OVHcloud's read-only policies (such as C(ovh-default)) are not faulted.
  - The result holds a Markdown report (RV(report_markdown)) with a Mermaid graph, identities to policies to
    resources with the objects of findings coloured, that GitHub and GitLab draw.
author: ovhcloud.iam contributors (@ovhcloud-iam)
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes.info_module
options:
  min_severity:
    description:
      - Only return findings of this severity or above (RV(counts_at_or_above) still counts them all).
    type: str
    choices: [info, low, medium, high, critical]
    default: info
  report_title:
    description: Title of RV(report_markdown).
    type: str
    default: OVHcloud IAM audit
notes:
  - The caller needs to read service accounts, policies, permissions groups and resource groups; local users and
    groups are skipped (see RV(not_checked)) when it cannot list them.
  - Seven or eight requests for a small account (plus one per page of a long list, and the server time call of
    signed requests).
seealso:
  - module: ovhcloud.iam.ovh_iam_access_info
  - module: ovhcloud.iam.ovh_iam_policy_info
'''

EXAMPLES = r'''
- name: Audit the account
  ovhcloud.iam.ovh_iam_audit_info:
  register: audit

- name: Write the report
  ansible.builtin.copy:
    content: "{{ audit.report_markdown }}"
    dest: ./iam-audit.md
    mode: "0644"

- name: Fail on high findings
  ansible.builtin.assert:
    that: audit.counts_at_or_above.high == 0
    fail_msg: "{{ audit.findings | selectattr('severity', 'in', ['high', 'critical']) | map(attribute='message') | list }}"
'''

RETURN = r'''
findings:
  description:
    - The findings at or above O(min_severity), the most severe first. V(code) names the check, V(severity) is
      V(low), V(medium) or V(high), V(message) says what is wrong, V(objects) are the objects involved (V(kind)
      V(policy), V(service_account), V(identity) or V(permissions_group), with V(name) and V(id)).
  returned: always
  type: list
  elements: dict
  sample:
    - code: full_access
      severity: high
      message: "policy 'ops-all' allows every action (through its own permissions) on urn:v1:eu:resource:*"
      objects: [{kind: policy, name: ops-all, id: 5b0f3c1e-0000-4000-8000-000000000001}]
counts_at_or_above:
  description: Per severity, how many findings are at that severity or above; a CI gate compares one with 0.
  returned: always
  type: dict
  sample: {info: 3, low: 3, medium: 1, high: 1, critical: 0}
highest_severity:
  description: The severity of the worst finding, or V(null) when there is none.
  returned: always
  type: str
  sample: high
not_checked:
  description: Checks that could not be made, and why (for example local users the caller cannot list).
  returned: always
  type: list
  elements: str
  sample: ["orphan_identity for users: the local users could not be listed"]
report_markdown:
  description: The audit as Markdown, with a Mermaid graph of identities, policies and resources.
  returned: always
  type: str
  sample: "# OVHcloud IAM audit\n\n..."
api_requests:
  description: Number of HTTP requests the task sent to the OVHcloud API (token requests included).
  returned: when the API was called
  type: int
  sample: 8
'''

import datetime
import time

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_audit import (
    SEVERITIES,
    counts,
    markdown_report,
    read_audit,
    severity_rank,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        min_severity=dict(type='str', choices=list(SEVERITIES), default='info'),
        report_title=dict(type='str', default='OVHcloud IAM audit'),
    )


def not_checked(account):
    """The checks the account's answers did not allow, and why."""
    return ['orphan_identity for %s: the local %s could not be listed' % (kind, kind)
            for kind, listed in (('users', account.users), ('groups', account.groups)) if listed is None]


def gather(module):
    now = time.time()
    account = read_audit(module.api, now)
    findings = account.findings()
    shown = [item for item in findings if severity_rank(item['severity']) >= severity_rank(module.params['min_severity'])]
    stamp = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    return dict(
        changed=False,
        findings=shown,
        counts_at_or_above=counts(findings),
        highest_severity=max((item['severity'] for item in findings), key=severity_rank) if findings else None,
        not_checked=not_checked(account),
        report_markdown=markdown_report(findings, account.policies, account.clients, account.resource_groups_list,
                                        title=module.params['report_title'], generated_at=stamp),
    )


def main():
    OvhModule(argument_spec(), supports_check_mode=True).run(gather)


if __name__ == '__main__':
    main()
