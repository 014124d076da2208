"""The audit module and playbooks/audit-iam.yml against a fake account holding each kind of finding."""

import os

from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT
from tests.integration.test_guides import playbook
from tests.integration.test_iam_access import Account
from tests.playbooks import play

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
    account.owner.post('/me/identity/user', {'login': 'carol', 'email': 'carol@example.com', 'group': 'DEFAULT'})
    carol = 'urn:v1:%s:identity:user:%s/carol' % (fake.region(), fake.nic)
    account.policy('carol-read', carol, [account.account_urn], allow=['account:apiovh:me/get'])
    account.owner.delete('/me/identity/user/carol')  # the policy outlives her
    return account


def test_the_audit_playbook_writes_the_report_and_fails_on_high_findings(fake, workdir):
    build_findings(fake)
    report = os.path.join(workdir, 'iam-audit.md')
    fake.clear_requests()
    result = run_playbook(AUDIT_PLAYBOOK, workdir, env=fake.owner_env(), extra_vars={'audit_report_path': report})
    assert result.rc != 0 and result.status('Fail when findings exist at or above high') == 'failed', result
    audit = result.task('Audit the account')
    codes = sorted((item['code'], item['severity']) for item in audit['findings'])
    assert codes == [('expired_policy', 'low'), ('full_access', 'high'), ('orphan_identity', 'medium'), ('orphan_identity', 'medium'),
                     ('orphan_identity', 'medium'), ('unknown_action', 'medium'), ('unused_service_account', 'low')]
    assert audit['counts_at_or_above'] == {'info': 7, 'low': 7, 'medium': 5, 'high': 1, 'critical': 0}
    assert audit['not_checked'] == []
    assert "policy 'carol-read' names urn:v1:eu:identity:user:xx1111-ovh/carol, which no longer exists" in [
        item['message'] for item in audit['findings']]
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


# -- the YAML examples of docs/access-and-audit.md, run as written

GUIDE = 'docs/access-and-audit.md'


def _backup_agent(fake):
    account = Account(fake)
    agent = account.service_account('backup-agent')
    account.policy('backup-agent-vps', agent['identity'], ['urn:v1:%s:resource:vps:*' % fake.region()],
                   allow=['vps:apiovh:get', 'vps:apiovh:snapshot/*'])
    return account, agent


def test_guide_explains_an_identity_and_lists_its_rights(fake, workdir):
    _backup_agent(fake)
    explained = run_playbook(playbook(GUIDE, 'access-explain'), workdir, env=fake.owner_env())
    assert explained.rc == 0, explained
    reasons = explained.task('Show the reasons')['msg']
    assert reasons == ["allowed by policy 'backup-agent-vps'", 'not granted: no policy allows it']
    listed = run_playbook(playbook(GUIDE, 'access-list'), workdir, env=fake.owner_env())
    assert listed.rc == 0, listed
    per_resource = listed.task('Show, per resource, the actions it may do')['msg']
    assert per_resource['urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net'] == [
        'vps:apiovh:get', 'vps:apiovh:snapshot/create', 'vps:apiovh:snapshot/delete', 'vps:apiovh:snapshot/get']
    assert per_resource['urn:v1:eu:resource:vps:*'] is None


def test_guide_caller_check_stops_a_service_account_missing_a_right(fake, workdir):
    account, agent = _backup_agent(fake)
    account.policy('backup-agent-read-clients', agent['identity'], [account.account_urn],
                   allow=['account:apiovh:me/api/oauth2/client/get'])
    as_agent = {'OVH_ENDPOINT': fake.endpoint, 'OVH_CLIENT_ID': agent['client_id'], 'OVH_CLIENT_SECRET': agent['secret']}
    refused = run_playbook(playbook(GUIDE, 'access-caller'), workdir, env=as_agent)
    assert refused.rc != 0 and refused.status('Stop here when one is missing') == 'failed', refused
    assert 'account:apiovh:me/api/oauth2/client/create on %s' % account.account_urn in refused.output
    assert agent['secret'] not in refused.output
    owner = run_playbook(playbook(GUIDE, 'access-caller'), workdir, env=fake.owner_env())
    assert owner.rc == 0, owner


def test_guide_audit_gate_fails_on_findings_and_passes_on_a_clean_account(fake, workdir):
    clean = run_playbook(playbook(GUIDE, 'audit-gate'), workdir, env=fake.owner_env())
    assert clean.rc == 0, clean
    assert '# OVHcloud IAM audit' in open(os.path.join(workdir, 'iam-audit.md'), encoding='utf-8').read()
    build_findings(fake)
    gated = run_playbook(playbook(GUIDE, 'audit-gate'), workdir, env=fake.owner_env())
    assert gated.rc != 0 and gated.status('Fail on medium findings or worse') == 'failed', gated


def test_the_three_modules_answer_the_same_in_check_mode_and_write_nothing(fake, workdir):
    account, agent = _backup_agent(fake)
    playbook = play('''
    - name: access
      ovhcloud.iam.ovh_iam_access_info:
        service_account: backup-agent
        resource_type: [vps]
        actions: ["vps:apiovh:*"]
    - name: caller
      ovhcloud.iam.ovh_iam_caller_info:
        resources: ["%s"]
        actions: [account:apiovh:me/get]
    - name: audit
      ovhcloud.iam.ovh_iam_audit_info:
        min_severity: low
''' % account.account_urn)
    fake.clear_requests()
    normal = run_playbook(playbook, workdir, env=fake.owner_env())
    checked = run_playbook(playbook, workdir, env=fake.owner_env(), check=True)
    assert normal.rc == 0 and checked.rc == 0, (normal, checked)
    for name in ('access', 'caller', 'audit'):
        ran, dry = normal.task(name), checked.task(name)
        assert not ran['changed'] and not dry['changed']
        for key in ('access', 'authorized', 'findings', 'counts_at_or_above'):
            assert ran.get(key) == dry.get(key), (name, key)
    assert [w for w in fake.writes() if 'authorization/check' not in w['path']] == []
    assert normal.task('audit')['findings'] == []  # backup-agent is named in a policy: a clean account
