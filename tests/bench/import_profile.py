"""Module start-up cost: what importing a module costs in a fresh interpreter, the way AnsiballZ imports it.

AnsiballZ ships ``ansible.module_utils`` and the collection's module_utils as ``.py`` files in a zip that the
module process imports with zipimport, so that code is compiled on every run (no ``.pyc``), while the standard
library and ``requests`` load from their installed bytecode. This profile builds the same kind of zip (the
whole ``ansible/module_utils`` tree, ``ansible/modules/uri.py`` for the floor, and this collection's plugins),
then, in fresh interpreters, imports ``ansible.module_utils.basic`` and then one module, and reads
``python -X importtime``: the cost of ``basic`` (paid by every module, uri included), of ``requests``, of the
collection's own files, and of the module as a whole beyond ``basic``.

    python tests/bench/import_profile.py [--runs 5]    prints a markdown table
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import zipfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION_PREFIX = 'ansible_collections.ovhcloud.iam.'
IMPORT_LINE = re.compile(r'^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$')
MARK = '--bench-mark--'
DEFAULT_MODULES = ('ovh_oauth2_client', 'ovh_oauth2_client_info', 'ovh_iam_policy', 'ovh_iam_policy_info')


def build_zip(path):
    """A zip laid out as AnsiballZ's payload: ansible/module_utils, ansible/modules/uri.py, ansible_collections."""
    import ansible
    ansible_root = os.path.dirname(ansible.__file__)
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('ansible/__init__.py', '')
        archive.writestr('ansible/modules/__init__.py', '')
        archive.write(os.path.join(ansible_root, 'modules', 'uri.py'), 'ansible/modules/uri.py')
        for folder, _dirs, files in os.walk(os.path.join(ansible_root, 'module_utils')):
            for name in files:
                if name.endswith('.py'):
                    full = os.path.join(folder, name)
                    archive.write(full, os.path.join('ansible', os.path.relpath(full, ansible_root)))
        for package in ('ansible_collections', 'ansible_collections/ovhcloud', 'ansible_collections/ovhcloud/iam',
                        'ansible_collections/ovhcloud/iam/plugins'):
            archive.writestr(package + '/__init__.py', '')
        for sub in ('module_utils', 'modules'):
            folder = os.path.join(REPO_ROOT, 'plugins', sub)
            archive.writestr('ansible_collections/ovhcloud/iam/plugins/%s/__init__.py' % sub, '')
            for name in sorted(os.listdir(folder)):
                if name.endswith('.py') and name != '__init__.py':
                    archive.write(os.path.join(folder, name), 'ansible_collections/ovhcloud/iam/plugins/%s/%s' % (sub, name))
    return path


def _fqmn(module):
    if module == 'uri':
        return 'ansible.modules.uri'
    return COLLECTION_PREFIX + 'plugins.modules.' + module


def _one_run(zip_path, module):
    """Import basic, then the module, in a fresh interpreter; the -X importtime lines after basic, parsed."""
    code = ('import sys; sys.path.insert(0, %r)\n'
            'import ansible.module_utils.basic\n'
            'sys.stderr.write(%r + "\\n")\n'
            'import %s\n') % (zip_path, MARK, _fqmn(module))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    proc = subprocess.run([sys.executable, '-X', 'importtime', '-c', code], capture_output=True, text=True, env=env,
                          cwd=tempfile.gettempdir(), check=False)
    if proc.returncode != 0:
        raise RuntimeError('importing %s failed:\n%s' % (module, proc.stderr[-3000:]))
    before, _sep, after = proc.stderr.partition(MARK)
    return _parse(before), _parse(after)


def _parse(text):
    entries = []
    for line in text.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            entries.append({'self': int(match.group(1)) / 1000.0, 'cumulative': int(match.group(2)) / 1000.0,
                            'depth': len(match.group(3)) // 2, 'name': match.group(4)})
    return entries


def _costs(before, after):
    basic = sum(entry['cumulative'] for entry in before if entry['name'] == 'ansible.module_utils.basic')
    total = sum(entry['cumulative'] for entry in after if entry['depth'] == 0)
    requests_ms = sum(entry['cumulative'] for entry in after if entry['name'] == 'requests')
    own = sum(entry['self'] for entry in after if entry['name'].startswith(COLLECTION_PREFIX))
    return {'basic': basic, 'module': total, 'requests': requests_ms, 'collection': own}


def profile(modules=DEFAULT_MODULES, runs=5):
    """{module: {basic, module, requests, collection}} in ms, medians over ``runs`` fresh interpreters."""
    available = [m for m in modules if os.path.exists(os.path.join(REPO_ROOT, 'plugins', 'modules', m + '.py'))]
    results = {}
    with tempfile.TemporaryDirectory(prefix='bench-imports-') as folder:
        zip_path = build_zip(os.path.join(folder, 'payload.zip'))
        for module in ['uri'] + available:
            samples = [_costs(*_one_run(zip_path, module)) for _run in range(runs)]
            results[module] = {key: round(statistics.median(sample[key] for sample in samples), 1) for key in samples[0]}
    return results


def markdown(results):
    lines = [
        '| module | `basic` (every module) | module beyond `basic` | of which `requests` | of which collection code |',
        '|---|---:|---:|---:|---:|',
    ]
    for module, cost in results.items():
        name = 'ansible.builtin.uri (floor)' if module == 'uri' else 'ovhcloud.iam.' + module
        lines.append('| %s | %.1f ms | %.1f ms | %s | %s |' % (
            name, cost['basic'], cost['module'], '%.1f ms' % cost['requests'] if cost['requests'] else '-',
            '%.1f ms' % cost['collection'] if module != 'uri' else '-'))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=5, help='fresh interpreters per module (the median is kept)')
    parser.add_argument('--json', action='store_true', help='print JSON instead of a markdown table')
    args = parser.parse_args(argv)
    results = profile(runs=args.runs)
    print(json.dumps(results, indent=2) if args.json else markdown(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
