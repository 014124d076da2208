# Test-only callback: keeps the default screen output and also writes every task result
# (already censored for no_log tasks by Ansible) to the JSON file named by RECORD_RESULTS_FILE.

from __future__ import annotations

DOCUMENTATION = '''
name: record_results
type: aggregate
short_description: Record task results to a JSON file for the test suite
description: Writes every task result to the file named by the RECORD_RESULTS_FILE environment variable.
requirements:
  - enabled in callbacks_enabled
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._records = []

    def _record(self, status, result):
        self._records.append({
            'task': result._task.get_name(),
            'action': result._task.action,
            'host': result._host.get_name(),
            'status': status,
            'result': result._result,
        })
        self._flush()

    def _flush(self):
        path = os.environ.get('RECORD_RESULTS_FILE')
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
