"""Run real ``ansible-playbook`` / ``ansible`` subprocesses against the fake and read their results."""

import json
import os
import subprocess
import sys
import tempfile

from tests.conftest import COLLECTIONS_ROOT, REPO_ROOT

CALLBACKS = os.path.join(REPO_ROOT, 'tests', 'integration', 'callback_plugins')
# The bin/ directory of the ansible-core under test: its ansible-playbook and ansible run the plays and its
# python runs the modules. By default the one running pytest; OVHCLOUD_IAM_TEST_ANSIBLE_BIN names another
# (`make integration-core-newest` points it at the newest ansible-core's venv).
ANSIBLE_BIN = os.environ.get('OVHCLOUD_IAM_TEST_ANSIBLE_BIN')
BIN = ANSIBLE_BIN or os.path.dirname(sys.executable)
PYTHON = os.path.join(ANSIBLE_BIN, 'python') if ANSIBLE_BIN else sys.executable


class RunResult:
    def __init__(self, rc, stdout, stderr, records, command):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records
        self.command = command

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name):
        """The last result of the task with this name."""
        found = [r for r in self.records if r['task'] == name]
        if not found:
            raise AssertionError('no task named %r ran; tasks: %s\n%s' % (name, [r['task'] for r in self.records], self.output))
        return found[-1]['result']

    def status(self, name):
        return [r for r in self.records if r['task'] == name][-1]['status']

    def changed_tasks(self):
        return [r['task'] for r in self.records if r['result'].get('changed')]

    def __repr__(self):
        return 'RunResult(rc=%s)\n%s' % (self.rc, self.output[-6000:])


def ansible_env(extra=None, workdir=None):
    env = dict(os.environ)
    for key in list(env):
        if key.startswith('OVH_') or key.startswith('ANSIBLE_'):
            del env[key]
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_ROOT,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS,
        'ANSIBLE_CALLBACKS_ENABLED': 'record_results',
        'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
        'ANSIBLE_PYTHON_INTERPRETER': PYTHON,
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_HOST_KEY_CHECKING': 'false',
        'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'PATH': BIN + os.pathsep + env.get('PATH', ''),
    })
    if workdir:
        env['ANSIBLE_LOCAL_TEMP'] = os.path.join(workdir, 'ansible-local')
        env['ANSIBLE_REMOTE_TEMP'] = os.path.join(workdir, 'ansible-remote')
        env['HOME'] = workdir
    env.update(extra or {})
    return env


def _run(command, env, cwd, timeout):
    with tempfile.NamedTemporaryFile(suffix='.json', delete=False) as handle:
        records_path = handle.name
    env = dict(env, RECORD_RESULTS_FILE=records_path)
    try:
        proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
        with open(records_path, encoding='utf-8') as handle:
            content = handle.read()
        records = json.loads(content) if content.strip() else []
    finally:
        os.unlink(records_path)
    return RunResult(proc.returncode, proc.stdout, proc.stderr, records, command)


def _run_options(check, diff, verbosity):
    """--check, --diff and -v... as asked: the same for ansible-playbook and ansible."""
    return (['--check'] if check else []) + (['--diff'] if diff else []) + (['-' + 'v' * verbosity] if verbosity else [])


def run_playbook(playbook, workdir, env=None, extra_vars=None, check=False, diff=False, verbosity=0,
                 inventory='localhost,', limit=None, timeout=600, extra_args=None):
    """Run ansible-playbook on a file path or on YAML text (written into workdir)."""
    if '\n' in playbook:
        path = os.path.join(workdir, 'playbook-%d.yml' % len(os.listdir(workdir)))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(playbook)
        playbook = path
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, playbook]
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    command += _run_options(check, diff, verbosity)
    if limit:
        command += ['--limit', limit]
    command += list(extra_args or [])
    return _run(command, ansible_env(env, workdir), workdir, timeout)


def run_adhoc(module, args, workdir, env=None, check=False, diff=False, verbosity=0, timeout=300):
    """Run ``ansible localhost -m module -a args``; args is a dict sent as JSON."""
    command = [os.path.join(BIN, 'ansible'), 'localhost', '-i', 'localhost,', '-c', 'local', '-m', module]
    if args:  # ansible reads '-a {}' as raw params, which modules refuse
        command += ['-a', json.dumps(args)]
    command += _run_options(check, diff, verbosity)
    return _run(command, ansible_env(env, workdir), workdir, timeout)
