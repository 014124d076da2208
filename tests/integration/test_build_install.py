"""The built tarball, installed as a user installs it, runs against the fake with the newest and the oldest ansible-core.

What runs is what AWX/AAP would run: the job template playbook shipped in the tarball
(awx/playbooks/service_account.yml), taken from the INSTALLED collection, with the OVH_* environment
that the AWX credential type (awx/credential_type_ovhcloud.yml) injects for a credential holding the
owner's application keys (its other fields empty, as AWX renders them). ANSIBLE_COLLECTIONS_PATH names
the install path only, so nothing can come from the checkout.

The oldest ansible-core the collection claims (meta/runtime.yml) runs from a virtual environment cached in
.build/venv-core216; the test is skipped, saying why, when pip cannot install it (no package index).
"""

import configparser
import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest
import yaml
from jinja2 import Environment

from tests.ansible_runner import RunResult, ansible_env
from tests.conftest import REPO_ROOT

BIN = os.path.dirname(sys.executable)
CORE_OLDEST = 'ansible-core>=2.16,<2.17'
CORE_OLDEST_VENV = os.path.join(REPO_ROOT, '.build', 'venv-core216')
RUNTIME_REQUIREMENTS = os.path.join(REPO_ROOT, 'meta', 'ee-requirements.txt')
JOB_PLAYBOOK = os.path.join('awx', 'playbooks', 'service_account.yml')
ALLOWED_ACTION = 'account:apiovh:me/api/oauth2/client/get'

# Logs in with the delivered ovh.conf (through the action group) and reads the account's service accounts.
CHECK_DELIVERED_CREDENTIALS = '''
- name: Use the delivered credentials
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/ovhcloud.iam.ovh:
      config_file: "{{ credentials_path }}"
  tasks:
    - name: List the service account as itself
      ovhcloud.iam.ovh_oauth2_client_info:
        name: "{{ service_account_name }}"
'''


def _command(command, cwd=None, env=None, timeout=600):
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """Build the tarball from the checkout and install it into an empty collections path."""
    dist = str(tmp_path_factory.mktemp('dist'))
    build = _command([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', dist], cwd=REPO_ROOT)
    assert build.returncode == 0, build.stdout + build.stderr
    (tarball,) = glob.glob(os.path.join(dist, 'ovhcloud-iam-*.tar.gz'))
    path = str(tmp_path_factory.mktemp('installed'))
    install = _command([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', tarball, '-p', path])
    assert install.returncode == 0, install.stdout + install.stderr
    assert not os.path.islink(os.path.join(path, 'ansible_collections', 'ovhcloud', 'iam'))
    return path


@pytest.fixture(scope='module')
def oldest_core_bin():
    """bin/ of a venv with the oldest ansible-core the collection claims and its run-time requirements."""
    runtime = yaml.safe_load(open(os.path.join(REPO_ROOT, 'meta', 'runtime.yml'), encoding='utf-8'))
    assert runtime['requires_ansible'] == '>=2.16.0', 'update CORE_OLDEST to the new oldest ansible-core'
    marker = os.path.join(CORE_OLDEST_VENV, '.installed')
    wanted = '%s\n%s' % (CORE_OLDEST, open(RUNTIME_REQUIREMENTS, encoding='utf-8').read())
    if not (os.path.isfile(marker) and open(marker, encoding='utf-8').read() == wanted):
        shutil.rmtree(CORE_OLDEST_VENV, ignore_errors=True)
        created = _command([sys.executable, '-m', 'venv', CORE_OLDEST_VENV])
        assert created.returncode == 0, created.stderr
        pip = _command([os.path.join(CORE_OLDEST_VENV, 'bin', 'python'), '-m', 'pip', 'install', '--quiet',
                        '--disable-pip-version-check', CORE_OLDEST, '-r', RUNTIME_REQUIREMENTS], timeout=900)
        if pip.returncode != 0:
            shutil.rmtree(CORE_OLDEST_VENV, ignore_errors=True)
            last = (pip.stderr.strip().splitlines() or ['no output'])[-1]
            pytest.skip('cannot install %s with pip (no package index reachable?): %s' % (CORE_OLDEST, last))
        with open(marker, 'w', encoding='utf-8') as handle:
            handle.write(wanted)
    return os.path.join(CORE_OLDEST_VENV, 'bin')


def awx_injected_env(inputs):
    """The environment AWX builds from awx/credential_type_ovhcloud.yml for a credential with these inputs.

    AWX renders each injector with Jinja2 and leaves empty fields out of the namespace, so they render as ''.
    """
    with open(os.path.join(REPO_ROOT, 'awx', 'credential_type_ovhcloud.yml'), encoding='utf-8') as handle:
        credential_type = yaml.safe_load(handle)['credential_types'][0]
    jinja = Environment()
    return {name: jinja.from_string(template).render(**inputs) for name, template in credential_type['injectors']['env'].items()}


def owner_credential_env(fake):
    owner = fake.owner_env()
    return awx_injected_env({
        'endpoint': owner['OVH_ENDPOINT'],
        'application_key': owner['OVH_APPLICATION_KEY'],
        'application_secret': owner['OVH_APPLICATION_SECRET'],
        'consumer_key': owner['OVH_CONSUMER_KEY'],
    })


def run_installed(bin_dir, installed_path, playbook, workdir, env=None, extra_vars=None, verbosity=0):
    """ansible-playbook from bin_dir, with the installed collection as the only collections path."""
    if '\n' in playbook:
        path = os.path.join(workdir, 'check-%d.yml' % len(os.listdir(workdir)))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(playbook)
        playbook = path
    inventory = os.path.join(workdir, 'inventory.ini')
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local\n')
    environment = ansible_env(env, workdir)
    environment.update({
        'ANSIBLE_COLLECTIONS_PATH': installed_path,
        'ANSIBLE_PYTHON_INTERPRETER': os.path.join(bin_dir, 'python'),
        'PATH': bin_dir + os.pathsep + environment['PATH'],
    })
    command = [os.path.join(bin_dir, 'ansible-playbook'), '-i', inventory, playbook]
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    if verbosity:
        command.append('-' + 'v' * verbosity)
    with tempfile.NamedTemporaryFile(suffix='.json', delete=False) as handle:
        records_path = handle.name
    try:
        environment['RECORD_RESULTS_FILE'] = records_path
        proc = _command(command, cwd=workdir, env=environment)
        with open(records_path, encoding='utf-8') as handle:
            content = handle.read()
    finally:
        os.unlink(records_path)
    return RunResult(proc.returncode, proc.stdout, proc.stderr, json.loads(content) if content.strip() else [], command)


def collection_module_files_used(result):
    """The files of this collection's modules that ansible ran (printed at -vvv)."""
    return {path for path in re.findall(r'Using module file (\S+)', result.output) if '/ovhcloud/iam/' in path}


def run_job_template(bin_dir, installed, fake, workdir, name):
    """The AWX job template's playbook, from the installed collection, as AWX would launch it."""
    credentials_path = os.path.join(workdir, name + '.conf')
    result = run_installed(
        bin_dir, installed, os.path.join(installed, 'ansible_collections', 'ovhcloud', 'iam', JOB_PLAYBOOK), workdir,
        env=owner_credential_env(fake), verbosity=3,
        extra_vars={'service_account_name': name, 'service_account_allow': ALLOWED_ACTION + '\n',
                    'service_account_credentials_path': credentials_path})
    return result, credentials_path


def assert_job_delivered_working_credentials(result, credentials_path, installed, fake, name):
    """The job ran this collection's modules from the install path and left one client, its policy and its ovh.conf."""
    assert result.rc == 0, result
    used = collection_module_files_used(result)
    assert {'ovh_oauth2_client.py', 'ovh_iam_policy.py'} <= {os.path.basename(path) for path in used}, used
    assert all(path.startswith(installed + os.sep) for path in used), used
    assert result.changed_tasks(), 'the first run changed nothing'
    state = fake.state()
    (client,) = [c for c in state['clients'] if c['name'] == name]
    (policy,) = [p for p in state['policies'] if p['name'] == name]
    assert policy['identities'] == [client['identity']]
    assert [a['action'] for a in policy['permissions']['allow']] == [ALLOWED_ACTION]
    assert stat.S_IMODE(os.stat(credentials_path).st_mode) == 0o600
    conf = configparser.RawConfigParser()
    conf.read(credentials_path, encoding='utf-8')
    assert conf.get('default', 'endpoint') == fake.endpoint
    assert conf.get(fake.endpoint, 'client_id') == client['clientId']
    assert conf.get(fake.endpoint, 'client_secret') == client['clientSecret']


def test_installed_tarball_runs_the_job_template_with_newest_core(installed, fake, workdir, assert_no_leak):
    name = 'billing-app'
    result, credentials_path = run_job_template(BIN, installed, fake, workdir, name)
    assert_job_delivered_working_credentials(result, credentials_path, installed, fake, name)
    assert_no_leak(result.output)

    check = run_installed(BIN, installed, CHECK_DELIVERED_CREDENTIALS, workdir,
                          extra_vars={'credentials_path': credentials_path, 'service_account_name': name})
    assert check.rc == 0, check
    clients = check.task('List the service account as itself')['clients']
    assert [client['name'] for client in clients] == [name]

    fake.clear_requests()
    again = run_job_template(BIN, installed, fake, workdir, name)[0]
    assert again.rc == 0, again
    assert again.changed_tasks() == []
    assert fake.writes() == []


def test_installed_tarball_runs_with_the_oldest_claimed_core(installed, oldest_core_bin, fake, workdir):
    version = _command([os.path.join(oldest_core_bin, 'ansible'), '--version'])
    assert version.stdout.startswith('ansible [core 2.16.'), version.stdout + version.stderr
    name = 'legacy-app'
    result, credentials_path = run_job_template(oldest_core_bin, installed, fake, workdir, name)
    assert_job_delivered_working_credentials(result, credentials_path, installed, fake, name)
    check = run_installed(oldest_core_bin, installed, CHECK_DELIVERED_CREDENTIALS, workdir,
                          extra_vars={'credentials_path': credentials_path, 'service_account_name': name})
    assert check.rc == 0, check
    assert [client['name'] for client in check.task('List the service account as itself')['clients']] == [name]
