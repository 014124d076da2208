"""Render benchmark results (the dict run_bench builds) as markdown, and refresh docs/performance.md."""

import os
import re

BEGIN = '<!-- bench:begin (written by tests/bench/run_bench.py --update-docs; do not edit by hand) -->'
END = '<!-- bench:end -->'

ROW_LABELS = {
    'floor_uri': 'floor: `ansible.builtin.uri` GET /auth/time',
    'client_noop': '`ovh_oauth2_client` no-op (by name)',
    'client_noop_noexp': '`ovh_oauth2_client` no-op (by name), fake without list expansion',
    'floor_uri_noexp': 'floor: `ansible.builtin.uri` (same run as the line below)',
    'client_info': '`ovh_oauth2_client_info` by name',
    'policy_noop': '`ovh_iam_policy` no-op (by name)',
    'policy_info': '`ovh_iam_policy_info` by name',
    'client_create': '`ovh_oauth2_client` create',
    'policy_create': '`ovh_iam_policy` create',
    'role_first': 'role `service_account`, %(accounts)d accounts, first run (whole playbook)',
    'role_second': 'role `service_account`, %(accounts)d accounts, second run (whole playbook)',
}
ROW_ORDER = ('floor_uri', 'client_noop', 'client_info', 'policy_noop', 'policy_info', 'client_create', 'policy_create',
             'floor_uri_noexp', 'client_noop_noexp', 'role_first', 'role_second')


def _ms(value):
    return '-' if value is None else '%.0f' % value


def _ratio(value):
    return '-' if value is None else '%.2f' % value


def _count(summary, key):
    if summary is None or summary.get(key) is None:
        return '-'
    spread = summary.get('spread') or []
    text = '%d' % summary[key]
    if key == 'requests' and len(spread) > 1:
        text += ' (%s)' % '-'.join(str(value) for value in (spread[0], spread[-1]))
    return text


def _script(floor, timing):
    if not floor:
        return '-', '-'
    requests = _count(floor, 'requests')
    if not timing:
        return requests, '-'
    return requests, '%s / %s' % (_ms(floor.get('ms')), _ms(floor.get('api_ms')))


def task_table(results):
    timing = results['meta']['timing']
    lines = [
        '| N | task | HTTP requests | writes | wall ms | x uri | script: requests | script: ms (process / API) |',
        '|---:|---|---:|---:|---:|---:|---:|---:|',
    ]
    for size in results['sizes']:
        rows = size['rows']
        for job in ROW_ORDER:
            row = rows.get(job)
            if not row:
                continue
            label = ROW_LABELS[job] % {'accounts': results['meta']['accounts']}
            script_requests, script_ms = _script(row.get('floor'), timing)
            lines.append('| %d | %s | %s | %s | %s | %s | %s | %s |' % (
                size['n'], label, _count(row['task'], 'requests'), _count(row['task'], 'writes'),
                _ms(row['task'].get('ms')) if timing else '-', _ratio(row.get('ratio')) if timing else '-',
                script_requests, script_ms))
    return '\n'.join(lines)


def target_table(results):
    lines = ['| target | measured | result |', '|---|---|---|']
    for target in results['targets']:
        lines.append('| %s | %s | %s |' % (target['target'], target['measured'], target['result']))
    return '\n'.join(lines)


def markdown(results):
    meta = results['meta']
    parts = [
        '## Results',
        '',
        'Measured %(date)s on %(cpus)d CPU(s) (load average %(load)s at start, %(load_end)s at the end), Python %(python)s, '
        'ansible-core %(ansible)s; '
        'fake API latency %(latency_ms)d ms per request; every figure is the median of %(repeat)d run(s) '
        '(role: %(role_repeat)d).' % meta,
        '',
        'Command: `%s`' % meta['command'],
        '',
        '### Per task',
        '',
        task_table(results),
        '',
        'N: clients and editable policies in the account. HTTP requests: API requests the fake served during the task '
        '(the modules\' own `api_requests` agrees). Wall ms: from the start of the task to its result, measured by the '
        'timing callback (`tests/bench/callback_plugins/bench_timing.py`); role lines: the whole `ansible-playbook` run. '
        'x uri: wall time over the `uri` floor of the same run. Script: `tests/bench/minimal_api.py` making the fewest '
        'calls for the same job with `requests` (process: interpreter start, imports and calls; API: the calls alone).',
        '',
        '### Targets',
        '',
        target_table(results),
    ]
    if results.get('imports'):
        from tests.bench.import_profile import markdown as import_markdown
        parts += ['', '### Module start-up (imports, median of %d fresh interpreters)' % meta['import_runs'], '',
                  import_markdown(results['imports'])]
    return '\n'.join(parts) + '\n'


def update_docs(path, text):
    """Replace the generated block of docs/performance.md (or append one) with ``text``."""
    block = '%s\n%s%s' % (BEGIN, text, END)
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            current = handle.read()
    else:
        current = '# Performance\n\n'
    pattern = re.compile(re.escape(BEGIN) + '.*?' + re.escape(END), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _match: block, current)
    else:
        updated = current.rstrip('\n') + '\n\n' + block + '\n'
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(updated)
