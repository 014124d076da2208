"""The playbooks the benchmark runs, built as data and dumped to YAML.

Task names carry what the harness needs to read the timing records back: ``<phase>|<job>|<repeat>``, where
phase is ``setup``, ``warmup``, ``cleanup`` (not measured) or ``bench`` (measured).
"""

import os

import yaml

TARGET_CLIENT = 'bench-target'
TARGET_POLICY = 'bench-target-policy'
DESCRIPTION = 'Benchmark service account'
ACTION = 'account:apiovh:me/get'
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES_DIR = os.path.join(REPO_ROOT, 'plugins', 'modules')
ROLE_TASKS = os.path.join(REPO_ROOT, 'roles', 'service_account', 'tasks', 'main.yml')

# The jobs of the main playbook: (job, module)
NOOP_JOBS = (
    ('floor_uri', 'ansible.builtin.uri'),
    ('client_noop', 'ovhcloud.iam.ovh_oauth2_client'),
    ('client_info', 'ovhcloud.iam.ovh_oauth2_client_info'),
    ('policy_noop', 'ovhcloud.iam.ovh_iam_policy'),
    ('policy_info', 'ovhcloud.iam.ovh_iam_policy_info'),
)
CREATE_JOBS = (
    ('client_create', 'ovhcloud.iam.ovh_oauth2_client'),
    ('policy_create', 'ovhcloud.iam.ovh_iam_policy'),
)


def module_available(fqcn):
    """Whether this checkout has the module (the benchmark measures the modules that exist)."""
    if not fqcn.startswith('ovhcloud.iam.'):
        return True
    return os.path.exists(os.path.join(MODULES_DIR, fqcn.rsplit('.', 1)[1] + '.py'))


def role_available():
    if not os.path.exists(ROLE_TASKS):
        return False
    with open(ROLE_TASKS, encoding='utf-8') as handle:
        tasks = yaml.safe_load(handle)
    return bool(tasks)


def task_name(phase, job, repeat=0):
    return '%s|%s|%d' % (phase, job, repeat)


def parse_task_name(name):
    """(phase, job, repeat) of a task name made by task_name; None for other tasks (the role's own)."""
    parts = name.split('|')
    if len(parts) != 3:
        return None
    return parts[0], parts[1], int(parts[2])


def _play(tasks):
    play = {
        'name': 'ovhcloud.iam benchmark',
        'hosts': 'localhost',
        'connection': 'local',
        'gather_facts': False,
        'tasks': tasks,
    }
    return yaml.safe_dump([play], sort_keys=False, width=1000)


def _policy_args(name, account_urn):
    return {'name': name, 'identities': ['{{ bench_target.client.identity }}'], 'resources': [account_urn], 'allow': [ACTION]}


def _job_task(job, account_urn, endpoint, repeat, phase='bench'):
    """One task of a no-op job: measured (phase bench) or its unmeasured warm-up, with the same arguments."""
    name = task_name(phase, job, repeat)
    if job == 'floor_uri':
        return {'name': name, 'ansible.builtin.uri': {'url': endpoint + '/auth/time'}}
    if job == 'client_noop':
        return {'name': name, 'ovhcloud.iam.ovh_oauth2_client': {'name': TARGET_CLIENT, 'description': DESCRIPTION,
                                                                 'return_secret': False}}
    if job == 'client_info':
        return {'name': name, 'ovhcloud.iam.ovh_oauth2_client_info': {'name': TARGET_CLIENT}}
    if job == 'policy_noop':
        return {'name': name, 'ovhcloud.iam.ovh_iam_policy': _policy_args(TARGET_POLICY, account_urn)}
    if job == 'policy_info':
        return {'name': name, 'ovhcloud.iam.ovh_iam_policy_info': {'name': TARGET_POLICY}}
    raise ValueError(job)


def _create_tasks(job, account_urn, repeat):
    """The measured create, then its unmeasured clean-up (so every repeat sees the same account size)."""
    if job == 'client_create':
        args = {'name': 'bench-create-%d' % repeat, 'description': DESCRIPTION, 'return_secret': False}
        module = 'ovhcloud.iam.ovh_oauth2_client'
    else:
        args = _policy_args('bench-create-policy-%d' % repeat, account_urn)
        module = 'ovhcloud.iam.ovh_iam_policy'
    cleanup = {'name': args['name'], 'state': 'absent'}
    return [{'name': task_name('bench', job, repeat), module: args},
            {'name': task_name('cleanup', job, repeat), module: cleanup}]


def main_playbook(endpoint, account_urn, repeat):
    """Set up the target client and policy, warm every module up once, then the measured no-ops (interleaved,
    so a slow moment of the machine hits every job alike) and the measured creates."""
    noop_jobs = [job for job, module in NOOP_JOBS if module_available(module)]
    create_jobs = [job for job, module in CREATE_JOBS if module_available(module)]
    tasks = [
        {'name': task_name('setup', 'client'), 'ovhcloud.iam.ovh_oauth2_client': {
            'name': TARGET_CLIENT, 'description': DESCRIPTION, 'return_secret': False}, 'register': 'bench_target'},
        {'name': task_name('setup', 'policy'), 'ovhcloud.iam.ovh_iam_policy': _policy_args(TARGET_POLICY, account_urn)},
    ]
    tasks += [_job_task(job, account_urn, endpoint, 0, phase='warmup') for job in noop_jobs]
    for number in range(1, repeat + 1):
        tasks += [_job_task(job, account_urn, endpoint, number) for job in noop_jobs]
    for number in range(1, repeat + 1):
        for job in create_jobs:
            tasks += _create_tasks(job, account_urn, number)
    return _play(tasks), noop_jobs + create_jobs


def lookup_playbook(endpoint, account_urn, repeat):
    """The no-op client lookup alone (for the fake without list expansion), with its uri floor."""
    tasks = [
        {'name': task_name('setup', 'client'), 'ovhcloud.iam.ovh_oauth2_client': {
            'name': TARGET_CLIENT, 'description': DESCRIPTION, 'return_secret': False}, 'register': 'bench_target'},
        _job_task('floor_uri', account_urn, endpoint, 0, phase='warmup'),
    ]
    for number in range(1, repeat + 1):
        tasks += [_job_task('floor_uri', account_urn, endpoint, number), _job_task('client_noop', account_urn, endpoint, number)]
    return _play(tasks)


def account_names(count):
    return ['bench-sa-%02d' % number for number in range(1, count + 1)]


def role_playbook(account_urn, count, credentials_dir):
    """The role converging ``count`` service accounts, each with one policy, credentials delivered on localhost."""
    task = {
        'name': 'Converge the service accounts',
        'ansible.builtin.include_role': {'name': 'ovhcloud.iam.service_account'},
        'loop': account_names(count),
        'loop_control': {'loop_var': 'bench_account'},
        'vars': {
            'service_account_name': '{{ bench_account }}',
            'service_account_description': DESCRIPTION,
            'service_account_policies': [{
                'name': '{{ bench_account }}-policy',
                'resources': [account_urn],
                'allow': [ACTION],
            }],
            'service_account_credentials_path': credentials_dir + '/{{ bench_account }}.conf',
        },
    }
    return _play([task])
