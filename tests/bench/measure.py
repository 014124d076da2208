"""Run playbooks and the floor script against the fake, and turn timing records and the fake's request log
into measurements: per task, the HTTP requests it made, the writes among them and its wall time."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from tests.ansible_runner import BIN, ansible_env
from tests.bench.playbooks import parse_task_name
from tests.fake_api import TOKEN_PATH, WRITE_METHODS

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
CALLBACKS = os.path.join(BENCH_DIR, 'callback_plugins')
MINIMAL_API = os.path.join(BENCH_DIR, 'minimal_api.py')


class BenchError(Exception):
    """A run of the benchmark failed (a task failed, or the fake answered an error): no figure can be trusted."""


def is_write(entry):
    return entry['method'] in WRITE_METHODS and entry['path'] != TOKEN_PATH


def bench_env(fake, workdir):
    env = ansible_env(fake.owner_env(), workdir)
    env['ANSIBLE_CALLBACK_PLUGINS'] = CALLBACKS
    env['ANSIBLE_CALLBACKS_ENABLED'] = 'bench_timing'
    return env


class PlaybookRun:
    """One ansible-playbook run: its timing records, the fake's log of that run and its wall time."""

    def __init__(self, records, log, wall_ms, output, connections):
        self.records = records
        self.connections = connections
        self.log = log
        self.wall_ms = wall_ms
        self.output = output

    def requests_of(self, record):
        """The API requests served while the task ran (tasks run one at a time, on one host)."""
        return [entry for entry in self.log if record['start'] <= entry['time'] <= record['end']]

    @property
    def writes(self):
        return [entry for entry in self.log if is_write(entry)]

    def changed_tasks(self):
        return [record['task'] for record in self.records if record['result'].get('changed')]


def run_playbook(fake, text, workdir, label):
    """Run a playbook (YAML text) with the timing callback; raise BenchError when it fails."""
    path = os.path.join(workdir, '%s.yml' % label)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    records_path = os.path.join(workdir, '%s.timing.json' % label)
    env = bench_env(fake, workdir)
    env['BENCH_TIMING_FILE'] = records_path
    fake.clear_requests()
    connections_before = fake.stats()['connections']
    started = time.perf_counter()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', path], env=env, cwd=workdir,
                          capture_output=True, text=True, timeout=3600, check=False)
    wall_ms = (time.perf_counter() - started) * 1000.0
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise BenchError('playbook %s failed (rc=%d):\n%s' % (label, proc.returncode, output[-6000:]))
    with open(records_path, encoding='utf-8') as handle:
        records = json.load(handle)
    return PlaybookRun(records, fake.requests(), wall_ms, output, fake.stats()['connections'] - connections_before)


def task_samples(run):
    """{job: [sample, ...]} of the measured tasks: requests, writes, ms, api_requests (what the module reported)."""
    samples = {}
    for record in run.records:
        parsed = parse_task_name(record['task'])
        if not parsed or parsed[0] != 'bench':
            continue
        served = run.requests_of(record)
        failed = [entry for entry in served if entry['status'] >= 400]
        if failed:
            raise BenchError('task %s got API errors: %s' % (record['task'], ['%(method)s %(path)s %(status)s' % e for e in failed]))
        samples.setdefault(parsed[1], []).append({
            'requests': len(served),
            'writes': sum(1 for entry in served if is_write(entry)),
            'ms': (record['end'] - record['start']) * 1000.0,
            'api_requests': record['result'].get('api_requests'),
            'changed': bool(record['result'].get('changed')),
            'calls': ['%s %s' % (entry['method'], entry['path']) for entry in served],
        })
    return samples


def run_script(fake, job, *args):
    """One run of the floor script: its own counts plus the wall time of the whole process."""
    env = dict(os.environ, **fake.owner_env())
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, MINIMAL_API, job] + [str(arg) for arg in args], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    wall_ms = (time.perf_counter() - started) * 1000.0
    if proc.returncode != 0:
        raise BenchError('floor script %s failed:\n%s' % (job, proc.stderr[-4000:]))
    outcome = json.loads(proc.stdout)
    outcome['ms'] = wall_ms
    return outcome


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def summarize(samples):
    """The median of each figure over the repeats (requests are deterministic: the median is the value)."""
    if not samples:
        return None
    summary = {key: median([sample.get(key) for sample in samples]) for key in ('requests', 'writes', 'ms', 'api_requests')}
    summary['api_ms'] = median([sample.get('api_ms') for sample in samples])
    summary['repeats'] = len(samples)
    summary['changed'] = max(int(sample.get('changed') or 0) for sample in samples)
    summary['spread'] = sorted(set(sample['requests'] for sample in samples))
    summary['calls'] = samples[0].get('calls')
    return summary


def new_workdir(parent, label):
    return tempfile.mkdtemp(prefix='bench-%s-' % label, dir=parent)
