"""The service_account role's inputs and output safety: modes, names, unknown variables, serial, debug output,
description through a rotation, directories it owns. Real ansible-playbook runs against the fake."""

import os

import yaml

from tests.integration.test_role_service_account import inventory  # noqa: F401  # pylint: disable=unused-import  # pytest fixtures
from tests.integration.test_role_service_account import (
    APP, GIVE, HOSTS, ROLE, app_vars, clients_named, credentials_path, failed, ok, read_conf, run_on_hosts, token_status,
    write_inventory,
)
from tests.ansible_runner import run_adhoc
from tests.playbooks import mode_of


def role_play(workdir, serial=None, **role_vars):
    """A play of the two app hosts that runs the role with exactly these variables (no description unless given)."""
    body = {'name': 'role', 'hosts': 'app', 'gather_facts': False,
            'roles': [{'role': 'ovhcloud.iam.service_account', 'vars': dict({'service_account_name': APP}, **role_vars)}]}
    if serial:
        body['serial'] = serial
    return '---\n' + yaml.safe_dump([body], sort_keys=False)


def test_an_unquoted_octal_mode_is_read_as_ansible_builtin_file_reads_it(fake, workdir):
    # YAML reads an unquoted 0640 as the integer 416: that is 0640, not the octal string "416" (r---x--rw-).
    inventory = write_inventory(workdir, app1={'service_account_credentials_mode': 0o640},
                                app2={'service_account_credentials_mode': 'u=rw,g=r'})
    ok(run_on_hosts(GIVE, fake, workdir, inventory))
    assert [mode_of(credentials_path(workdir, host)) for host in HOSTS] == [0o640, 0o640]


def test_a_mode_that_gives_others_rights_is_refused_before_any_write(fake, workdir):
    inventory = write_inventory(workdir, app2={'service_account_credentials_mode': '0644'})
    refused = failed(run_on_hosts(GIVE, fake, workdir, inventory))
    assert 'gives others access' in refused.output
    assert fake.writes() == [] and clients_named(fake) == []
    assert not os.path.exists(credentials_path(workdir, 'app1'))


def test_a_newline_in_the_name_or_description_is_refused_before_any_write(fake, workdir, inventory, owner_env):
    for extra in ({'app_name': APP + '\nHTTPS_PROXY=http://evil.example.com'},
                  {'app_description': 'line one\nOVH_ENDPOINT=http://evil.example.com/1.0'}):
        refused = failed(run_on_hosts(GIVE, fake, workdir, inventory, extra_vars=app_vars(**extra)))
        assert 'one line of text' in refused.output
    assert fake.writes() == [] and not os.path.exists(os.path.join(workdir, 'app1'))
    module = run_adhoc('ovhcloud.iam.ovh_oauth2_client', {'name': 'a\nb', 'description': 'x\ty'}, workdir, env=owner_env)
    assert module.rc != 0 and 'name must be one line' in module.output and 'description must be one line' in module.output
    assert fake.writes() == []


def test_the_new_secret_stays_out_of_ansible_debug_output(fake, workdir, inventory, assert_no_leak):
    run = ok(run_on_hosts(GIVE, fake, workdir, inventory, env={'ANSIBLE_DEBUG': '1'}))
    [client] = clients_named(fake)
    assert client['clientId'] in run.output  # the debug output is there, the secret is not
    assert_no_leak(run.output)
    assert token_status(fake, *read_conf(credentials_path(workdir, 'app1'))[1:]) == 200


def test_serial_stops_at_once_with_a_clear_message(fake, workdir, inventory):
    run = failed(run_on_hosts(role_play(workdir, serial=1), fake, workdir, inventory))
    assert 'serial' in run.output and 'HostVarsVars' not in run.output
    assert fake.writes() == [] and clients_named(fake) == []


def test_an_unknown_service_account_variable_is_named(fake, workdir, inventory):
    text = role_play(workdir, service_account_polices=[{'name': 'x', 'resources': ['y']}])
    run = ok(run_on_hosts(text, fake, workdir, inventory, check=True))
    assert 'Unknown variable(s) service_account_polices' in run.output


def test_rotation_keeps_the_description_unless_one_is_stated(fake, workdir, inventory):
    ok(run_on_hosts(role_play(workdir, service_account_description='Exports invoices'), fake, workdir, inventory))
    ok(run_on_hosts(role_play(workdir, service_account_rotate=True), fake, workdir, inventory))
    [client] = clients_named(fake)
    assert client['description'] == 'Exports invoices'
    fake.clear_requests()
    ok(run_on_hosts(role_play(workdir), fake, workdir, inventory))
    assert fake.writes() == []


def test_check_mode_create_shows_the_client_without_the_secret_and_retirement_leaves_no_directory(
        fake, workdir, inventory, assert_no_leak):
    preview = ok(run_on_hosts(role_play(workdir), fake, workdir, inventory, check=True))
    planned = preview.task(ROLE + 'Create the client, whose secret OVHcloud shows only this once')
    assert planned['client']['name'] == APP and 'client_secret' not in planned
    ok(run_on_hosts(role_play(workdir), fake, workdir, inventory))
    assert all(os.path.isdir(os.path.join(workdir, host)) for host in HOSTS)
    retired = ok(run_on_hosts(role_play(workdir, service_account_state='absent'), fake, workdir, inventory, verbosity=3))
    assert_no_leak(retired.output)
    assert clients_named(fake) == []
    assert not any(os.path.exists(os.path.join(workdir, host)) for host in HOSTS)


ACCOUNT = 'urn:v1:eu:resource:account:xx1111-ovh'


def test_a_bad_policy_entry_names_the_entry_and_the_key_with_every_problem_at_once(fake, workdir, inventory):
    policies = [
        {'name': 'billing-exporter-bills', 'resources': [ACCOUNT], 'allow': ['account:apiovh:me/bill/get']},
        {'name': 'reader', 'resources': [ACCOUNT], 'alow': ['account:apiovh:me/get']},  # misspelt key
        {'name': 'writer', 'resources': ACCOUNT, 'allow': {'account:apiovh:me/put': True},  # a mapping, not a list
         'expired_at': ['2030-01-01']},
    ]
    run = failed(run_on_hosts(role_play(workdir, service_account_policies=policies), fake, workdir, inventory))
    assert 'service_account_policies[1] (name: reader): unknown key alow (did you mean allow?)' in run.output
    assert 'supported keys: name, description, resources, allow, except, deny, permissions_groups, conditions, expired_at' in run.output
    assert 'service_account_policies[2] (name: writer): allow must be a list' in run.output
    assert 'service_account_policies[2] (name: writer): expired_at must be a string' in run.output
    assert 'nothing was sent to OVHcloud' in run.output
    assert 'argument_spec_data' not in run.output and 'billing-exporter-bills' not in run.output
    assert fake.writes() == [] and clients_named(fake) == []
    assert not os.path.exists(credentials_path(workdir, 'app1'))


def test_a_malformed_action_or_urn_in_a_policy_is_refused_before_the_account_is_created(fake, workdir, inventory):
    policies = [{'name': 'reader', 'resources': ['*'], 'allow': ['not an action']}, {'resources': [ACCOUNT]}]
    run = failed(run_on_hosts(role_play(workdir, service_account_policies=policies), fake, workdir, inventory))
    assert "service_account_policies[0] (name: reader): resources: '*' is not a resource URN" in run.output
    assert "service_account_policies[0] (name: reader): allow: 'not an action'" in run.output
    assert 'service_account_policies[1]: name is required' in run.output
    assert fake.writes() == [] and clients_named(fake) == []


def test_a_bad_policy_of_the_many_entry_point_names_the_application_and_the_entry(fake, workdir):
    inventory = write_inventory(workdir)
    applications = [{'name': 'app-a', 'credentials_path': workdir + '/{{ inventory_hostname }}/app-a.conf',
                     'policies': [{'name': 'app-a-read', 'resources': [ACCOUNT], 'alow': ['account:apiovh:me/get']}]}]
    text = yaml.safe_dump([{'name': 'many', 'hosts': 'app', 'gather_facts': False, 'tasks': [
        {'name': 'converge', 'ansible.builtin.include_role': {'name': 'ovhcloud.iam.service_account', 'tasks_from': 'many'},
         'vars': {'service_account_applications': applications}}]}])
    run = failed(run_on_hosts(text, fake, workdir, inventory))
    assert ('service_account_applications[0] (name: app-a) policies[0] (name: app-a-read): unknown key alow '
            '(did you mean allow?)') in run.output
    assert 'argument_spec_data' not in run.output
    assert fake.writes() == []
