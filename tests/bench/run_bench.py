"""Benchmark of ovhcloud.iam: HTTP requests and wall time per task, at scale, against the local fake API.

    make bench                                  (= .venv/bin/python tests/bench/run_bench.py)
    .venv/bin/python tests/bench/run_bench.py [--latency-ms 30] [--sizes 1,100,1000] [--repeat 3] [--accounts 20]
                                              [--quick] [--no-timing] [--update-docs]

For each account size N it starts from a fresh fake holding N clients and N editable policies, and measures
with real ansible-playbook runs: a no-op (converged) task of each module, a create of each, the role converging
``--accounts`` service accounts with one policy each (first and second run), the floors (an ansible.builtin.uri
task making one GET, and a plain Python script making the fewest API calls for the same job), and the client
lookup against a fake that ignores list expansion. Then it profiles module start-up (imports), checks the
targets, prints a markdown report and writes it to bench-results/ (and, with --update-docs, to
docs/performance.md). It exits 1 when a request-count target (zero writes on unchanged runs) is missed; timing
targets are reported, never enforced.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tests.bench import import_profile, many, measure, playbooks, report  # noqa: E402  (needs REPO_ROOT on sys.path)
from tests.fake_api import FakeApi  # noqa: E402

DOCS = os.path.join(REPO_ROOT, 'docs', 'performance.md')
NOOP_ROWS = ('client_noop', 'client_info', 'policy_noop', 'policy_info', 'client_noop_noexp')
MODULE_NOOP_ROWS = ('client_noop', 'client_info', 'policy_noop', 'policy_info')
# The floor script job that does the same work as each measured module task.
SCRIPT_JOBS = {'client_noop': 'client-noop', 'client_info': 'client-noop', 'policy_noop': 'policy-noop',
               'policy_info': 'policy-noop'}
LOOKUP_TARGET_RATIO = 2.0
NOOP_TARGET_RATIO = 1.3


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--latency-ms', type=int, default=30, help='latency of every API request of the fake (default 30)')
    parser.add_argument('--sizes', default='1,100,1000', help='account sizes N, comma-separated (default 1,100,1000)')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each measurement; the median is reported (default 3)')
    parser.add_argument('--accounts', type=int, default=20, help='service accounts the role converges (default 20)')
    parser.add_argument('--role-sizes', help='account sizes at which the role is measured, comma-separated (default: the '
                        'largest size only: a role run converges every account with ~30 tasks each)')
    parser.add_argument('--role-repeat', type=int, default=1,
                        help='runs of each role measurement (default 1: each is a whole playbook of many tasks)')
    parser.add_argument('--import-runs', type=int, default=5, help='fresh interpreters per module in the import profile')
    parser.add_argument('--quick', action='store_true',
                        help='smoke mode: sizes 1,10, one repeat, 2 accounts, one import run (request counts stay exact)')
    parser.add_argument('--no-timing', action='store_true', help='report request counts only (no wall times, no import profile)')
    parser.add_argument('--no-role', action='store_true', help='skip the role measurements')
    parser.add_argument('--no-imports', action='store_true', help='skip the module start-up (import) profile')
    parser.add_argument('--many-sizes', default='1,50,200',
                        help='application counts of the many-applications scenario (one ovh_service_accounts task vs the '
                        'per-item loop), comma-separated (default 1,50,200)')
    parser.add_argument('--no-many', action='store_true', help='skip the many-applications scenario')
    parser.add_argument('--only-many', action='store_true',
                        help='run only the many-applications scenario (no module, lookup, role or import measurements)')
    parser.add_argument('--update-docs', action='store_true', help='write the report into docs/performance.md')
    parser.add_argument('--output-dir', default=os.path.join(REPO_ROOT, 'bench-results'),
                        help='where the report (markdown and JSON) is written (default bench-results/)')
    parser.add_argument('--keep-workdir', action='store_true', help='keep the playbooks and timing records')
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.accounts, args.role_repeat, args.import_runs = '1,10', 1, 2, 1, 1
    args.sizes = sorted({int(size) for size in args.sizes.split(',')})
    args.many_sizes = [] if args.no_many else sorted({int(size) for size in args.many_sizes.split(',')})
    if args.quick and '--many-sizes' not in argv:
        args.many_sizes = [1, 5] if args.many_sizes else []
    if args.only_many:
        args.sizes, args.no_role, args.no_imports = [], True, True
    args.role_sizes = sorted({int(size) for size in args.role_sizes.split(',')}) if args.role_sizes else args.sizes[-1:]
    if min(args.sizes + args.many_sizes + [1]) < 1 or args.repeat < 1 or args.accounts < 1 or args.role_repeat < 1 or args.latency_ms < 0:
        parser.error('sizes, --repeat, --accounts and --role-repeat must be >= 1, --latency-ms >= 0')
    if args.sizes and not set(args.role_sizes) <= set(args.sizes):
        parser.error('--role-sizes must be among --sizes')
    args.argv = list(argv)
    return args


def command_line(args):
    return ' '.join(['.venv/bin/python tests/bench/run_bench.py'] + args.argv)


def target_identity(fake):
    for client in fake.state()['clients']:
        if client['name'] == playbooks.TARGET_CLIENT:
            return client['identity']
    raise measure.BenchError('the setup tasks did not create %s' % playbooks.TARGET_CLIENT)


# ---------------------------------------------------------------------------- one account size

def measure_modules(fake, size, args, workdir):
    """No-ops and creates of every module in one playbook, then the floor script for the same jobs."""
    fake.reset()
    fake.seed(clients=size - 1, policies=size - 1)
    text, jobs = playbooks.main_playbook(fake.endpoint, fake.account_urn(), args.repeat)
    run = measure.run_playbook(fake, text, workdir, 'modules-%d' % size)
    samples = measure.task_samples(run)
    rows = {job: {'task': measure.summarize(samples.get(job))} for job in jobs}
    identity = target_identity(fake)
    floors = {}
    for job, script_job in SCRIPT_JOBS.items():
        if job in rows:
            if script_job not in floors:
                name = playbooks.TARGET_CLIENT if script_job == 'client-noop' else playbooks.TARGET_POLICY
                floors[script_job] = measure.summarize([measure.run_script(fake, script_job, name) for _run in range(args.repeat)])
            rows[job]['floor'] = floors[script_job]
    if 'client_create' in rows:
        rows['client_create']['floor'] = measure.summarize(_script_creates(
            fake, args.repeat, lambda name: ('client-create', name), lambda name: ('delete-client', name)))
    if 'policy_create' in rows:
        rows['policy_create']['floor'] = measure.summarize(_script_creates(
            fake, args.repeat, lambda name: ('policy-create', name, identity, fake.account_urn(), playbooks.ACTION),
            lambda name: ('delete-policy', name)))
    return rows


def _script_creates(fake, repeat, create, cleanup):
    samples = []
    for number in range(1, repeat + 1):
        name = 'bench-script-create-%d' % number
        samples.append(measure.run_script(fake, *create(name)))
        measure.run_script(fake, *cleanup(name))
    return samples


def measure_lookup_without_expansion(fake, size, args, workdir):
    """The client lookup when the list route answers ids only: 1 + N GETs, made concurrently."""
    fake.reset()
    fake.seed(clients=size - 1)
    run = measure.run_playbook(fake, playbooks.lookup_playbook(fake.endpoint, fake.account_urn(), args.repeat),
                               workdir, 'lookup-noexp-%d' % size)
    samples = measure.task_samples(run)
    floor = [measure.run_script(fake, 'client-noop', playbooks.TARGET_CLIENT) for _run in range(args.repeat)]
    return {
        'floor_uri_noexp': {'task': measure.summarize(samples['floor_uri'])},
        'client_noop_noexp': {'task': measure.summarize(samples['client_noop']), 'floor': measure.summarize(floor),
                              # TCP connections the fake accepted during the whole playbook (setup, uri tasks included)
                              'playbook_connections': run.connections, 'playbook_requests': len(run.log)},
    }


def measure_role(fake, size, args, workdir):
    """The role converging args.accounts service accounts in an account of N clients: first and second run."""
    first, second = [], []
    for number in range(args.role_repeat):
        fake.reset()
        fake.seed(clients=size, policies=size)
        credentials = tempfile.mkdtemp(prefix='credentials-', dir=workdir)
        text = playbooks.role_playbook(fake.account_urn(), args.accounts, credentials)
        for runs, label in ((first, 'first'), (second, 'second')):
            run = measure.run_playbook(fake, text, workdir, 'role-%s-%d-%d' % (label, size, number))
            runs.append({'requests': len(run.log), 'writes': len(run.writes), 'ms': run.wall_ms,
                         'changed': len(run.changed_tasks()), 'calls': ['%s %s' % (e['method'], e['path']) for e in run.log]})
    script_first, script_second = [], []
    for _number in range(args.role_repeat):
        fake.reset()
        fake.seed(clients=size, policies=size)
        job = ('accounts', 'bench-sa', args.accounts, fake.account_urn(), playbooks.ACTION)
        script_first.append(measure.run_script(fake, *job))
        script_second.append(measure.run_script(fake, *job))
    return {
        'role_first': {'task': measure.summarize(first), 'floor': measure.summarize(script_first)},
        'role_second': {'task': measure.summarize(second), 'floor': measure.summarize(script_second)},
    }


def add_ratios(rows):
    """Wall time of each module task over the uri floor of the same playbook run."""
    for job, row in rows.items():
        floor = rows.get('floor_uri_noexp' if job.endswith('_noexp') else 'floor_uri')
        if job.startswith(('floor_', 'role_')) or not floor or not row['task'] or not floor['task']['ms']:
            continue
        row['ratio'] = row['task']['ms'] / floor['task']['ms']


# ---------------------------------------------------------------------------- targets

def _verdict(ok):
    return 'met' if ok else '**NOT MET**'


def evaluate_targets(results, timing):
    targets = []
    sizes = results['sizes']
    noop_rows = [(size['n'], job, size['rows'][job]['task']) for size in sizes for job in NOOP_ROWS
                 if size['rows'].get(job) and size['rows'][job]['task']]
    writing = ['%s at N=%d: %d writes%s' % (job, n, row['writes'], ', changed' if row['changed'] else '')
               for n, job, row in noop_rows if row['writes'] or row['changed']]
    targets.append({'target': 'an unchanged (no-op) module run makes zero write requests', 'kind': 'count',
                    'ok': not writing,
                    'measured': '; '.join(writing) or '0 writes, never changed, in %d no-op task runs' % (
                        sum(row['repeats'] for _n, _job, row in noop_rows))})
    role_rows = [(size['n'], size['rows']['role_second']['task']) for size in sizes if size['rows'].get('role_second')]
    if role_rows:
        writing = ['N=%d: %d writes, %d changed' % (n, row['writes'], row['changed']) for n, row in role_rows
                   if row['writes'] or row['changed']]
        targets.append({'target': "the role's second run for %d accounts makes no writes" % results['meta']['accounts'],
                        'kind': 'count', 'ok': not writing,
                        'measured': '; '.join(writing) or '0 writes, 0 changed tasks (N = %s)' % ', '.join(str(n) for n, _r in role_rows)})
    if timing and sizes:
        targets.extend(_timing_targets(sizes))
    for target in targets:
        target['result'] = _verdict(target['ok'])
    return targets


def _timing_targets(sizes):
    targets = []
    smallest, largest = sizes[0], sizes[-1]
    if largest['n'] > smallest['n']:
        for job, label in (('client_noop', 'with list expansion'), ('client_noop_noexp', 'without list expansion (ids, then concurrent GETs)')):
            low, high = smallest['rows'].get(job), largest['rows'].get(job)
            if not (low and high and low['task'] and high['task']):
                continue
            ratio = high['task']['ms'] / low['task']['ms']
            targets.append({
                'target': 'client lookup by name, %d clients <= %.0fx the 1-client lookup (%s)' % (largest['n'], LOOKUP_TARGET_RATIO, label),
                'kind': 'timing', 'ok': ratio <= LOOKUP_TARGET_RATIO,
                'measured': '%.2fx (%.0f ms vs %.0f ms; %d vs %d requests)' % (
                    ratio, high['task']['ms'], low['task']['ms'], high['task']['requests'], low['task']['requests'])})
    for size in sizes:
        ratios = [(job, size['rows'][job]['ratio']) for job in MODULE_NOOP_ROWS if size['rows'].get(job, {}).get('ratio')]
        if not ratios:
            continue
        worst = max(ratio for _job, ratio in ratios)
        targets.append({
            'target': 'a no-op module task <= %.1fx the uri floor (N=%d)' % (NOOP_TARGET_RATIO, size['n']),
            'kind': 'timing', 'ok': worst <= NOOP_TARGET_RATIO,
            'measured': ', '.join('%s %.2fx' % (job, ratio) for job, ratio in ratios)})
    return targets


# ---------------------------------------------------------------------------- main

def environment(args):
    import ansible.release
    return {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'cpus': os.cpu_count() or 1,
        'load': '%.1f' % os.getloadavg()[0],
        'python': platform.python_version(),
        'ansible': ansible.release.__version__,
        'latency_ms': args.latency_ms,
        'repeat': args.repeat,
        'role_repeat': args.role_repeat,
        'accounts': args.accounts,
        'timing': not args.no_timing,
        'import_runs': args.import_runs,
        'command': command_line(args),
    }


def run(args):
    results = {'meta': environment(args), 'sizes': []}
    workroot = tempfile.mkdtemp(prefix='ovhcloud-iam-bench-')
    latency = ['--latency-ms', str(args.latency_ms)]
    fake = FakeApi(*latency)
    fake_without_expansion = FakeApi(*(latency + ['--no-expansion']))
    role = not args.no_role and playbooks.role_available()
    try:
        for size in args.sizes:
            sys.stderr.write('[bench] N=%d: modules\n' % size)
            rows = measure_modules(fake, size, args, measure.new_workdir(workroot, 'modules'))
            sys.stderr.write('[bench] N=%d: client lookup without list expansion\n' % size)
            rows.update(measure_lookup_without_expansion(fake_without_expansion, size, args, measure.new_workdir(workroot, 'noexp')))
            if role and size in args.role_sizes:
                sys.stderr.write('[bench] N=%d: role, %d accounts\n' % (size, args.accounts))
                rows.update(measure_role(fake, size, args, measure.new_workdir(workroot, 'role')))
            add_ratios(rows)
            results['sizes'].append({'n': size, 'rows': rows})
        results['many'] = []
        for size in args.many_sizes:
            sys.stderr.write('[bench] many applications, N=%d: one task vs the loop\n' % size)
            results['many'].append({'n': size, 'rows': many.measure_many(fake, size, measure.new_workdir(workroot, 'many'))})
    finally:
        fake.stop()
        fake_without_expansion.stop()
        if args.keep_workdir:
            sys.stderr.write('[bench] playbooks and timing records kept in %s\n' % workroot)
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    if not role:
        results['meta']['role'] = 'not measured (%s)' % ('--no-role' if args.no_role else 'roles/service_account has no tasks yet')
    if not (args.no_imports or args.no_timing):
        sys.stderr.write('[bench] module start-up (imports)\n')
        results['imports'] = import_profile.profile(runs=args.import_runs)
    results['targets'] = evaluate_targets(results, not args.no_timing)
    results['targets'].extend(target for target in many.targets(results['many'])
                              if target['kind'] == 'count' or not args.no_timing)
    for target in results['targets']:
        target['result'] = _verdict(target['ok'])
    results['meta']['load_end'] = '%.1f' % os.getloadavg()[0]
    return results


def write_outputs(results, text, args):
    os.makedirs(args.output_dir, exist_ok=True)
    stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    for name in ('bench-%s' % stamp, 'latest'):
        with open(os.path.join(args.output_dir, name + '.md'), 'w', encoding='utf-8') as handle:
            handle.write(text)
        with open(os.path.join(args.output_dir, name + '.json'), 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=2, default=str)
    if args.update_docs:
        report.update_docs(DOCS, text)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        results = run(args)
    except measure.BenchError as exc:
        sys.stderr.write('[bench] FAILED: %s\n' % exc)
        return 2
    text = report.markdown(results)
    if results.get('many'):
        text += '\n' + many.markdown(results['many'], timing=results['meta']['timing'])
    sys.stdout.write(text)
    write_outputs(results, text, args)
    missed = [target['target'] for target in results['targets'] if target['kind'] == 'count' and not target['ok']]
    if missed:
        sys.stderr.write('[bench] request-count targets missed: %s\n' % '; '.join(missed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
