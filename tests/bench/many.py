"""The many-applications scenario of the benchmark (issue 15): N applications, one service account and one policy
each, converged by one ovh_service_accounts task and by the per-item loop (ovh_oauth2_client then ovh_iam_policy,
each looping over the N applications), side by side: the --check run on an empty account, the first run, the
no-op run. A job is the sum of its tasks (the loop job is two looped tasks)."""

import os
import tempfile

from tests.bench import measure
from tests.bench.playbooks import ACTION, DESCRIPTION, _play, task_name

PREFIX = 'bench-app-'
REFERENCE = 'bench-reference'
PHASES = ('check', 'first', 'noop')


def app_names(count):
    return ['%s%03d' % (PREFIX, number) for number in range(1, count + 1)]


def many_accounts(count, account_urn, credentials_dir):
    return [{'name': name, 'description': DESCRIPTION, 'credentials_file': os.path.join(credentials_dir, name + '.conf'),
             'policies': [{'name': name + '-policy', 'resources': [account_urn], 'allow': [ACTION]}]}
            for name in app_names(count)]


def many_playbook(count, account_urn, credentials_dir):
    """check, first, no-op of one ovh_service_accounts task; then a single-object no-op (the reference)."""
    args = {'accounts': many_accounts(count, account_urn, credentials_dir)}
    tasks = [
        {'name': task_name('bench', 'many_check', 1), 'ovhcloud.iam.ovh_service_accounts': args, 'check_mode': True},
        {'name': task_name('bench', 'many_first', 1), 'ovhcloud.iam.ovh_service_accounts': args},
        {'name': task_name('bench', 'many_noop', 1), 'ovhcloud.iam.ovh_service_accounts': args},
        {'name': task_name('setup', 'reference'), 'ovhcloud.iam.ovh_oauth2_client': {
            'name': REFERENCE, 'description': DESCRIPTION, 'return_secret': False}},
        {'name': task_name('bench', 'single_noop', 1), 'ovhcloud.iam.ovh_oauth2_client': {
            'name': REFERENCE, 'description': DESCRIPTION, 'return_secret': False}},
    ]
    return _play(tasks)


def loop_playbook(count, account_urn, credentials_dir):
    """The same inventory as a loop of single-object tasks: clients, then each client's policy."""
    tasks = []
    for phase in PHASES:
        check = {'check_mode': True} if phase == 'check' else {}
        register = 'clients_%s' % phase
        tasks.append(dict({
            'name': task_name('bench', 'loop_' + phase, 1),
            'ovhcloud.iam.ovh_oauth2_client': {
                'name': '{{ item }}', 'description': DESCRIPTION,
                'credentials_file': credentials_dir + '/{{ item }}.conf'},
            'loop': app_names(count), 'register': register}, **check))
        tasks.append(dict({
            'name': task_name('bench', 'loop_' + phase, 2),
            'ovhcloud.iam.ovh_iam_policy': {
                'name': '{{ item.item }}-policy', 'resources': [account_urn], 'allow': [ACTION],
                'identities': '{{ [item.client.identity] if item.client.identity else [] }}'},
            'loop': '{{ %s.results }}' % register, 'loop_control': {'label': '{{ item.item }}'}}, **check))
    return _play(tasks)


def job_totals(run):
    """{job: {requests, writes, ms, changed}} summed over the tasks of each job."""
    totals = {}
    for job, samples in measure.task_samples(run).items():
        totals[job] = {'requests': sum(sample['requests'] for sample in samples),
                       'writes': sum(sample['writes'] for sample in samples),
                       'ms': sum(sample['ms'] for sample in samples),
                       'changed': sum(int(sample['changed']) for sample in samples), 'repeats': 1}
    return totals


def measure_many(fake, count, workdir):
    """Both paths for N applications, each on a freshly reset fake."""
    rows = {}
    for label, build in (('many', many_playbook), ('loop', loop_playbook)):
        fake.reset()
        credentials = tempfile.mkdtemp(prefix='credentials-', dir=workdir)
        run = measure.run_playbook(fake, build(count, fake.account_urn(), credentials), workdir, '%s-%d' % (label, count))
        rows.update(job_totals(run))
    return rows


def targets(sizes):
    """Issue 15's targets at the largest N measured: no-op <= 5 requests and <= 1.5x a single no-op task,
    first run <= 25% of the loop's."""
    found = []
    largest = sizes[-1] if sizes else None
    if not largest:
        return found
    rows = largest['rows']
    noop, single, first, loop_first = (rows.get(job) for job in ('many_noop', 'single_noop', 'many_first', 'loop_first'))
    if noop:
        found.append({'target': 'ovh_service_accounts no-op of %d applications makes <= 5 requests' % largest['n'],
                      'kind': 'count', 'ok': noop['requests'] <= 5 and noop['writes'] == 0,
                      'measured': '%d requests, %d writes' % (noop['requests'], noop['writes'])})
    if noop and single and single['ms']:
        ratio = noop['ms'] / single['ms']
        found.append({'target': 'ovh_service_accounts no-op of %d applications <= 1.5x a single-object no-op task'
                      % largest['n'], 'kind': 'timing', 'ok': ratio <= 1.5,
                      'measured': '%.2fx (%.0f ms vs %.0f ms)' % (ratio, noop['ms'], single['ms'])})
    if first and loop_first and loop_first['ms']:
        share = first['ms'] / loop_first['ms']
        found.append({'target': 'ovh_service_accounts first run of %d applications <= 25%% of the loop' % largest['n'],
                      'kind': 'timing', 'ok': share <= 0.25,
                      'measured': '%.0f%% (%.0f ms vs %.0f ms)' % (share * 100, first['ms'], loop_first['ms'])})
    return found


def markdown(sizes, timing=True):
    lines = ['## Many applications in one task (ovh_service_accounts) vs the per-item loop', '',
             '| N | run | one task: requests | writes | ms | loop: requests | writes | ms |',
             '|---|---|---|---|---|---|---|---|']
    for size in sizes:
        rows = size['rows']
        for phase in PHASES:
            many, loop = rows.get('many_' + phase), rows.get('loop_' + phase)
            if not (many and loop):
                continue
            lines.append('| %d | %s | %d | %d | %s | %d | %d | %s |' % (
                size['n'], phase, many['requests'], many['writes'], '%.0f' % many['ms'] if timing else '-',
                loop['requests'], loop['writes'], '%.0f' % loop['ms'] if timing else '-'))
        single = rows.get('single_noop')
        if single:
            lines.append('| %d | single-object no-op task (reference) | %d | %d | %s | | | |' % (
                size['n'], single['requests'], single['writes'], '%.0f' % single['ms'] if timing else '-'))
    return '\n'.join(lines) + '\n'
