"""The audit module and playbooks/audit-iam.yml against a fake account holding each kind of finding."""

import os

from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT
from tests.integration.test_iam_access import Account

AUDIT_PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'audit-iam.yml')


def build_findings(fake):
    """An account with one of each finding, built through the API (and the control route for what it refuses)."""
    account = Account(fake)
    app = account.service_account('app')
    twin = account.service_account('twin')
    account.service_account('idle')
    gone = account.service_account('gone')
    account.policy('app-read', app['identity'], [account.account_urn], allow=['account:apiovh:me/get'])
    account.policy('twin-read', twin['identity'], [account.account_urn], allow=['account:apiovh:me/get'])
    account.policy('gone-read', gone['identity'], [account.account_urn], allow=['account:apiovh:me/get'])
    account.owner.delete('/me/api/oauth2/client/' + gone['client_id'])
    account.fake._control('POST', 'policies', {
        'name': 'god-mode', 'identities': [gone['identity'], app['identity']], 'resources': [{'urn': 'urn:v1:eu:resource:*'}],
        'permissions': {'allow': [{'action': '*'}]}})
    account.fake._control('POST', 'policies', {
        'name': 'typo', 'identities': [twin['identity']], 'resources': [{'urn': account.account_urn}],
        'permissions': {'allow': [{'action': 'account:apiovh:me/gte'}]}})
    account.policy('stale', twin['identity'], [account.account_urn], allow=['account:apiovh:me/get'], expired_at=1)
    return account


def test_the_audit_playbook_writes_the_report_and_fails_on_high_findings(fake, workdir):
    build_findings(fake)
    report = os.path.join(workdir, 'iam-audit.md')
    fake.clear_requests()
    result = run_playbook(AUDIT_PLAYBOOK, workdir, env=fake.owner_env(), extra_vars={'audit_report_path': report})
    assert result.rc != 0 and result.status('Fail when findings at or above high exist') == 'failed', result
    audit = result.task('Audit the account')
    codes = sorted((item['code'], item['severity']) for item in audit['findings'])
    assert codes == [('expired_policy', 'low'), ('full_access', 'high'), ('orphan_identity', 'medium'), ('orphan_identity', 'medium'),
                     ('unknown_action', 'medium'), ('unused_service_account', 'low')]
    assert audit['counts_at_or_above'] == {'info': 6, 'low': 6, 'medium': 4, 'high': 1, 'critical': 0}
    text = open(report, encoding='utf-8').read()
    assert text == audit['report_markdown'] and '```mermaid\nflowchart LR\n' in text and 'class ' in text
    assert "policy 'god-mode' allows every action" in text
    assert [r['method'] for r in fake.requests() if r['method'] != 'GET'] == []
    # what the module read, once each
    paths = sorted(r['path'] for r in fake.requests())
    assert paths == sorted(['/1.0/auth/time', '/1.0/me/api/oauth2/client', '/v2/iam/policy', '/v2/iam/permissionsGroup',
                            '/v2/iam/resourceGroup', '/v2/iam/reference/action', '/1.0/me/identity/user', '/1.0/me/identity/group'])
    assert audit['api_requests'] == len(paths)


def test_the_audit_playbook_passes_below_its_threshold(fake, workdir):
    build_findings(fake)
    report = os.path.join(workdir, 'iam-audit.md')
    result = run_playbook(AUDIT_PLAYBOOK, workdir, env=fake.owner_env(),
                          extra_vars={'audit_report_path': report, 'audit_fail_on': 'critical'})
    assert result.rc == 0, result
    assert os.path.exists(report)
    clean = run_playbook(AUDIT_PLAYBOOK, workdir, env=fake.owner_env(), extra_vars={'audit_fail_on': 'nope'})
    assert clean.rc != 0 and 'audit_fail_on must be one of' in clean.output
