# Benchmark-only callback: records, for every task, when it started and ended (time.time(), the clock the
# fake's request log uses), its status, and the keys of its result the benchmark reads.

from __future__ import annotations

DOCUMENTATION = '''
name: bench_timing
type: aggregate
short_description: Record per-task wall times for the ovhcloud.iam benchmark
description:
  - Writes one JSON record per task result (name, start, end, status, changed, api_requests) to the file
    named by the BENCH_TIMING_FILE environment variable.
requirements:
  - enabled in callbacks_enabled
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase

KEPT_RESULT_KEYS = ('changed', 'api_requests', 'msg', 'status')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._records = []
        self._started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def v2_playbook_on_handler_task_start(self, task):
        self._started[task._uuid] = time.time()

    def _record(self, status, result):
        end = time.time()
        task = result._task
        kept = {key: result._result[key] for key in KEPT_RESULT_KEYS if key in result._result}
        self._records.append({
            'task': task.get_name(),
            'role': task._role.get_name() if task._role else None,
            'action': task.action,
            'start': self._started.get(task._uuid, end),
            'end': end,
            'status': status,
            'result': kept,
        })
        path = os.environ.get('BENCH_TIMING_FILE')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(self._records, handle, default=str)

    def v2_runner_on_ok(self, result, **kwargs):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)
