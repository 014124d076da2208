"""The YAML examples of README.md and docs/ run as written, in sequence where a guide chains them.

Playbooks are marked ``<!-- doc-test: ID -->`` just before their ```yaml block; every other YAML block is marked
``<!-- doc-yaml: KIND -->`` and checked for what it is (a requirements file, a changelog fragment, ...). A gate
makes sure no YAML block is left unmarked and every marked playbook is run by a test. Only paths that need root
on a real host (``/etc/...``, an application user) are pointed into the test's workdir, through the example's own
variables or extra variables.
"""

import getpass
import glob
import os
import re

import yaml

from tests.ansible_runner import run_adhoc, run_playbook
from tests.conftest import REPO_ROOT
from tests.playbooks import play

# docs/role-service-account.md is the role's reference, kept by the role's own tests.
GUIDES = ['README.md'] + sorted(os.path.relpath(p, REPO_ROOT) for p in glob.glob(os.path.join(REPO_ROOT, 'docs', '*.md'))
                                if not p.endswith('role-service-account.md'))
MARKED = re.compile(r'<!-- doc-(test|yaml): ([\w-]+) -->\s*```yaml\n(.*?)```', re.DOTALL)
YAML_BLOCK = re.compile(r'^ *```yaml\n', re.MULTILINE)
TEST_DIR = os.path.dirname(os.path.abspath(__file__))


def _read(relative):
    with open(os.path.join(REPO_ROOT, relative), encoding='utf-8') as handle:
        return handle.read()


def exporters_inventory(workdir, group):
    """An inventory file: the group the guide's play targets, of two hosts reached with a local connection."""
    path = os.path.join(workdir, 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'all': {'children': {group: {'hosts': {
            'exporter1': {'ansible_connection': 'local'}, 'exporter2': {'ansible_connection': 'local'}}}}}}, handle)
    return path


def marked_blocks(relative):
    """{(kind, id): text} of the marked YAML blocks of a guide."""
    return {(kind, ident): text for kind, ident, text in MARKED.findall(_read(relative))}


def playbook(relative, ident):
    return marked_blocks(relative)[('test', ident)]


def test_every_yaml_example_is_marked_and_every_marked_playbook_runs_in_a_test():
    unmarked, untested = [], []
    tests_text = ''.join(open(path, encoding='utf-8').read() for path in glob.glob(os.path.join(TEST_DIR, 'test_*.py')))
    for guide in GUIDES:
        text = _read(guide)
        blocks = len(YAML_BLOCK.findall(text))
        marked = marked_blocks(guide)
        if blocks != len(marked):
            unmarked.append('%s: %d YAML blocks, %d marked' % (guide, blocks, len(marked)))
        for kind, ident in marked:
            yaml.safe_load(marked[(kind, ident)])  # every example is valid YAML
            if kind == 'test' and "'%s'" % ident not in tests_text:
                untested.append('%s: %s' % (guide, ident))
    assert unmarked == [] and untested == []


def test_requirements_and_changelog_examples_are_what_the_tools_take():
    for guide in ('README.md', 'docs/getting-started.md'):
        requirements = yaml.safe_load(marked_blocks(guide)[('yaml', 'requirements')])
        assert requirements == {'collections': [{'name': 'ovhcloud.iam', 'version': '>=1.0.0'}]}
    fragment = yaml.safe_load(marked_blocks('docs/development.md')[('yaml', 'changelog-fragment')])
    assert set(fragment) <= {'major_changes', 'minor_changes', 'breaking_changes', 'deprecated_features',
                             'removed_features', 'security_fixes', 'bugfixes', 'known_issues', 'trivial'}
    assert all(isinstance(item, str) for items in fragment.values() for item in items)
    ee = yaml.safe_load(marked_blocks('docs/awx-aap.md')[('yaml', 'ee-definition')])
    shipped = yaml.safe_load(_read('awx/execution-environment.yml'))
    assert ee == shipped, 'docs/awx-aap.md shows an EE definition that differs from awx/execution-environment.yml'


def test_readme_quick_start_then_the_role_example_adopts_the_account(fake, workdir, owner_env, assert_no_leak):
    """The README's two playbooks, in order: the role adopts the account the quick start created."""
    quick = run_playbook(playbook('README.md', 'readme-quick-start'), workdir, env=owner_env)
    assert quick.rc == 0, quick
    [client] = [c for c in fake.state()['clients'] if c['name'] == 'invoice-exporter']

    inventory = exporters_inventory(workdir, 'invoice_exporters')
    where = {'invoice_exporter_conf': workdir + '/{{ inventory_hostname }}/ovh.conf',
             'invoice_exporter_user': getpass.getuser(), 'ansible_become': False}
    role = run_playbook(playbook('README.md', 'readme-role'), workdir, env=owner_env, inventory=inventory, extra_vars=where)
    assert role.rc == 0, role
    assert [c['clientId'] for c in fake.state()['clients'] if c['name'] == 'invoice-exporter'] == [client['clientId']]
    for host in ('exporter1', 'exporter2'):
        conf = open(os.path.join(workdir, host, 'ovh.conf'), encoding='utf-8').read()
        assert 'client_id=%s\n' % client['clientId'] in conf
    assert_no_leak(quick.output, role.output)

    fake.clear_requests()
    again = run_playbook(playbook('README.md', 'readme-role'), workdir, env=owner_env, inventory=inventory, extra_vars=where)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert fake.writes() == []


def test_secrets_option_2_writes_the_file_in_its_directory(fake, workdir, owner_env, assert_no_leak):
    result = run_playbook(playbook('docs/secrets.md', 'secrets-file'), workdir, env=owner_env)
    assert result.rc == 0, result
    [client] = [c for c in fake.state()['clients'] if c['name'] == 'backup-agent']
    path = os.path.join(workdir, '.config', 'backup-agent', 'ovh.conf')
    assert 'client_id=%s\n' % client['clientId'] in open(path, encoding='utf-8').read()
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700
    assert_no_leak(result.output)


def test_secrets_option_1_registers_the_secret_with_no_log(fake, workdir, owner_env, assert_no_leak):
    result = run_playbook(playbook('docs/secrets.md', 'secrets-register'), workdir, env=owner_env)
    assert result.rc == 0, result
    [client] = [c for c in fake.state()['clients'] if c['name'] == 'ci-deployer']
    stored = yaml.safe_load(open(os.path.join(workdir, 'ci-deployer.credentials.yml'), encoding='utf-8'))
    assert stored == {'client_id': client['clientId'], 'client_secret': client['clientSecret']}
    assert_no_leak(result.output)
    again = run_playbook(playbook('docs/secrets.md', 'secrets-register'), workdir, env=owner_env)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert yaml.safe_load(open(os.path.join(workdir, 'ci-deployer.credentials.yml'), encoding='utf-8')) == stored


def test_troubleshooting_403_fix_adds_the_action_without_locking_anyone_out(fake, workdir, owner_env):
    """The automation account is refused, the owner runs the documented fix, the account is allowed; no identity is lost."""
    group = 'urn:v1:eu:identity:group:%s/admins' % fake.nic
    setup = run_playbook(play('''
    - ovhcloud.iam.ovh_oauth2_client:
        name: ansible-automation
        credentials_file: ~/.ovh.conf
    - ovhcloud.iam.ovh_oauth2_client_info:
        name: ansible-automation
      register: automation
    - ovhcloud.iam.ovh_iam_policy:
        name: ansible-automation
        identities: ["{{ automation.clients[0].identity }}", "%s"]
        resources: ["%s"]
        allow: [account:apiovh:me/api/oauth2/client/get]
''' % (group, fake.account_urn())), workdir, env=owner_env)
    assert setup.rc == 0, setup
    as_automation = {'OVH_ENDPOINT': fake.endpoint}  # credentials from ~/.ovh.conf
    refused = run_adhoc('ovhcloud.iam.ovh_iam_policy_info', {'name': 'ansible-automation'}, workdir, env=as_automation)
    assert refused.rc != 0 and 'account:apiovh:iam/policy/get' in refused.output

    fix = run_playbook(playbook('docs/troubleshooting.md', 'troubleshooting-403'), workdir, env=owner_env)
    assert fix.rc == 0, fix
    allowed = run_adhoc('ovhcloud.iam.ovh_iam_policy_info', {'name': 'ansible-automation'}, workdir, env=as_automation)
    assert allowed.rc == 0, allowed
    [policy] = allowed.records[-1]['result']['policies']
    assert group in policy['identities'] and len(policy['identities']) == 2
    assert sorted(policy['allow']) == ['account:apiovh:iam/policy/get', 'account:apiovh:me/api/oauth2/client/get']


def test_openstack_guide_clouds_yaml_and_role_examples(fake, workdir, owner_env, assert_no_leak):
    shown = yaml.safe_load(marked_blocks('docs/openstack.md')[('yaml', 'clouds-yaml')])
    auth = shown['clouds']['production']['auth']
    assert shown['clouds']['production']['auth_type'] == 'v3oidcclientcredentials'
    assert {'auth_url', 'identity_provider', 'protocol', 'discovery_endpoint', 'project_id', 'client_id', 'client_secret'} <= set(auth)

    inventory = os.path.join(workdir, 'inventory.yml')
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'all': {'children': {'terraform_runners': {'hosts': {'runner1': {'ansible_connection': 'local'}}}}}}, handle)
    path = os.path.join(workdir, 'clouds.yaml')
    where = {'service_account_credentials_path': path, 'service_account_credentials_owner': getpass.getuser(),
             'ansible_become': False}
    result = run_playbook(playbook('docs/openstack.md', 'openstack-role'), workdir, env=owner_env, inventory=inventory,
                          extra_vars=where)
    assert result.rc == 0, result
    [client] = [c for c in fake.state()['clients'] if c['name'] == 'terraform-gra']
    written = yaml.safe_load(open(path, encoding='utf-8'))
    assert written['clouds']['production']['auth']['client_id'] == client['clientId']
    assert_no_leak(result.output)


def test_awx_guide_introspect_check_reinstalls_with_force():
    text = _read('docs/awx-aap.md')
    [install] = [line for line in text.splitlines() if line.startswith('ansible-galaxy collection install') and 'ee-check' in line]
    assert '--force' in install.split('#')[0]


def test_rotation_guide_role_example_rotates_what_the_role_delivered(fake, workdir, owner_env, assert_no_leak):
    inventory = exporters_inventory(workdir, 'billing_exporters')
    where = {'service_account_credentials_path': workdir + '/{{ inventory_hostname }}/ovh.conf',
             'service_account_credentials_owner': getpass.getuser(), 'ansible_become': False}
    example = playbook('docs/rotation.md', 'rotation-role')
    give = run_playbook(example, workdir, env=owner_env, inventory=inventory,
                        extra_vars=dict(where, service_account_rotate=False))
    assert give.rc == 0, give
    [old] = [c for c in fake.state()['clients'] if c['name'] == 'billing-exporter']
    rotated = run_playbook(example, workdir, env=owner_env, inventory=inventory, extra_vars=where)
    assert rotated.rc == 0, rotated
    [new] = [c for c in fake.state()['clients'] if c['name'] == 'billing-exporter']
    assert new['clientId'] != old['clientId']
    for host in ('exporter1', 'exporter2'):
        assert 'client_id=%s\n' % new['clientId'] in open(os.path.join(workdir, host, 'ovh.conf'), encoding='utf-8').read()
    assert_no_leak(give.output, rotated.output)
