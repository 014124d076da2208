"""The AWX / AAP job template (awx/) as AWX runs it: the job playbook, with the environment and files the credential
type injects, and the template that awx/configure-awx.yml creates.

ansible-runner is not needed: AWX's part is rendering the credential type's injectors (env and file), which
``awx_injection`` does the way AWX does (empty fields left out of the namespace, files written to the job's private
directory and named under ``tower.filename``); ``awx_job_id`` is one of the extra variables AWX gives every job.
"""

import os

import pytest
import yaml
from jinja2 import Environment

from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT
from tests.reliability.conftest import tls_fake, tls_material  # noqa: F401  # pylint: disable=unused-import  # pytest fixtures

JOB = os.path.join(REPO_ROOT, 'awx', 'playbooks', 'service_account.yml')
ACTION = 'account:apiovh:me/api/oauth2/client/get'


def credential_type():
    with open(os.path.join(REPO_ROOT, 'awx', 'credential_type_ovhcloud.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['credential_types'][0]


def awx_injection(inputs, private_dir):
    """The environment AWX gives a job for a credential with these inputs (its file injectors written to disk)."""
    injectors = credential_type()['injectors']
    jinja = Environment()
    namespace = {key: value for key, value in inputs.items() if value not in ('', None)}
    filenames = {}
    for label, template in injectors.get('file', {}).items():
        path = os.path.join(private_dir, 'awx-' + label.replace('.', '-'))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(jinja.from_string(template).render(**namespace))
        filenames[label.split('.', 1)[1]] = path
    namespace['tower'] = {'filename': filenames}
    return {name: jinja.from_string(template).render(**namespace) for name, template in injectors['env'].items()}


def owner_inputs(fake, **extra):
    owner = fake.owner_env()
    inputs = {'endpoint': owner['OVH_ENDPOINT'], 'application_key': owner['OVH_APPLICATION_KEY'],
              'application_secret': owner['OVH_APPLICATION_SECRET'], 'consumer_key': owner['OVH_CONSUMER_KEY']}
    inputs.update(extra)
    return inputs


def inventory(workdir, hosts):
    path = os.path.join(workdir, 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'all': {'hosts': hosts}}, handle)
    return path


def app_hosts(workdir):
    """Two application hosts; each keeps its file under workdir (local connections stand for ssh here)."""
    return inventory(workdir, {host: {'ansible_connection': 'local',
                                      'service_account_credentials_path': os.path.join(workdir, host, 'ovh.conf')}
                               for host in ('app1', 'app2')})


def run_job(fake, workdir, hosts, extra_vars, inputs=None):
    env = awx_injection(inputs or owner_inputs(fake), workdir)
    return run_playbook(JOB, workdir, env=env, inventory=hosts, extra_vars=extra_vars)


def test_a_job_whose_only_target_is_its_own_container_stops_before_any_change(fake, workdir):
    demo_inventory = inventory(workdir, {'localhost': {'ansible_connection': 'local'}})
    survey = {'awx_job_id': 42, 'service_account_name': 'billing', 'service_account_allow': ACTION + '\n'}
    result = run_job(fake, workdir, demo_inventory, survey)
    assert result.rc != 0
    assert 'thrown away' in result.output and 'inventory that holds the application' in result.output
    assert fake.writes() == [] and fake.state()['clients'] == []

    nobody = run_job(fake, workdir, demo_inventory, dict(survey, service_account_hosts='web'))
    assert nobody.rc != 0 and 'no host of the inventory matches service_account_hosts web' in nobody.output
    assert fake.writes() == []

    # Outside AWX (no awx_job_id) localhost is the machine you run on: its files stay.
    outside = dict(survey, service_account_credentials_path=os.path.join(workdir, 'billing.conf'))
    del outside['awx_job_id']
    local = run_job(fake, workdir, demo_inventory, outside)
    assert local.rc == 0, local
    assert os.path.isfile(os.path.join(workdir, 'billing.conf'))


def test_multi_line_survey_answers_are_lists_and_all_checked_before_any_write(fake, workdir, assert_no_leak):
    hosts = app_hosts(workdir)
    bad = {'service_account_name': 'billing',
           'service_account_allow': ACTION + '\nnot an action\n',
           'service_account_resources': fake.account_urn() + '\n  \nvps-1234\n'}
    refused = run_job(fake, workdir, hosts, dict(bad, awx_job_id=7, service_account_local_delivery_ok=True))
    assert refused.rc != 0
    assert "'not an action' is not an IAM action" in refused.output and "'vps-1234' is not a resource URN" in refused.output
    assert fake.writes() == [] and fake.state()['clients'] == []

    good = dict(bad, service_account_allow=ACTION + '\naccount:apiovh:me/get\n',
                service_account_resources='%s\nurn:v1:eu:resource:vps:vps-1234.vps.ovh.net\n' % fake.account_urn())
    result = run_job(fake, workdir, hosts, good)
    assert result.rc == 0, result
    (client,) = [c for c in fake.state()['clients'] if c['name'] == 'billing']
    (policy,) = [p for p in fake.state()['policies'] if p['name'] == 'billing']
    assert policy['identities'] == [client['identity']]
    assert [r['urn'] for r in policy['resources']] == [fake.account_urn(), 'urn:v1:eu:resource:vps:vps-1234.vps.ovh.net']
    assert sorted(a['action'] for a in policy['permissions']['allow']) == sorted(['account:apiovh:me/get', ACTION])
    for host in ('app1', 'app2'):
        assert 'client_id=%s\n' % client['clientId'] in open(os.path.join(workdir, host, 'ovh.conf'), encoding='utf-8').read()
    assert_no_leak(result.output)

    fake.clear_requests()
    again = run_job(fake, workdir, hosts, good)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert fake.writes() == []


def test_an_empty_allow_answer_grants_nothing_and_stops(fake, workdir):
    result = run_job(fake, workdir, app_hosts(workdir), {'service_account_name': 'billing', 'service_account_allow': '\n'})
    assert result.rc != 0 and 'nothing is granted by default' in result.output
    assert fake.writes() == []


def test_the_credential_type_carries_the_ca_bundle_certificate_checks_and_timeouts(tls_fake, tls_material, workdir):
    tls_fake.clear_faults()
    tls_fake.reset()
    with open(tls_material['ca'], encoding='utf-8') as handle:
        ca_pem = handle.read()
    hosts = app_hosts(workdir)
    survey = {'service_account_name': 'tls-app', 'service_account_allow': ACTION}

    untrusted = run_job(tls_fake, workdir, hosts, survey, inputs=owner_inputs(tls_fake, max_retries='0'))
    assert untrusted.rc != 0 and 'ca_path' in untrusted.output
    trusted = run_job(tls_fake, workdir, hosts, survey,
                      inputs=owner_inputs(tls_fake, ca_bundle=ca_pem, timeout='20', max_retries='1'))
    assert trusted.rc == 0, trusted
    unchecked = run_job(tls_fake, workdir, hosts, survey, inputs=owner_inputs(tls_fake, validate_certs=False))
    assert unchecked.rc == 0 and unchecked.changed_tasks() == [], unchecked
    wrong_timeout = run_job(tls_fake, workdir, hosts, survey, inputs=owner_inputs(tls_fake, ca_bundle=ca_pem, timeout='soon'))
    assert wrong_timeout.rc != 0 and 'OVH_TIMEOUT' in wrong_timeout.output


def test_the_shipped_job_template_leads_to_persistent_hosts_rotation_and_become():
    with open(os.path.join(REPO_ROOT, 'awx', 'configure-awx.yml'), encoding='utf-8') as handle:
        plays = yaml.safe_load(handle)
    tasks = [task for play in plays for task in play['tasks']]
    (template,) = [task['awx.awx.job_template'] for task in tasks if 'awx.awx.job_template' in task]
    assert template['ask_variables_on_launch'] is True, 'a schedule must be able to pass service_account_rotate: true'
    assert template['become_enabled'] is True
    assert template['inventory'] == '{{ awx_inventory }}' and 'awx_inventory' not in plays[0]['vars']
    questions = {q['variable']: q for q in template['survey_spec']['spec']}
    assert 'default' not in questions['service_account_allow'], 'the survey must grant nothing by default'
    assert questions['service_account_resources']['type'] == 'textarea'
    checks = [task for task in tasks if 'ansible.builtin.assert' in task]
    assert any('awx_inventory' in str(task) for task in checks)
    fields = {field['id'] for field in credential_type()['inputs']['fields']}
    assert {'ca_bundle', 'validate_certs', 'timeout', 'max_retries'} <= fields
    assert set(plays[0]['vars']['ovh_credential_inputs_all']) == fields


@pytest.mark.parametrize('answer', ['', '\n'])
def test_an_empty_resources_answer_means_the_account(fake, workdir, answer):
    survey = {'service_account_name': 'acct-app', 'service_account_allow': ACTION, 'service_account_resources': answer}
    result = run_job(fake, workdir, app_hosts(workdir), survey)
    assert result.rc == 0, result
    (policy,) = [p for p in fake.state()['policies'] if p['name'] == 'acct-app']
    assert [r['urn'] for r in policy['resources']] == [fake.account_urn()]
