"""The playbooks the tests run, and the small checks they make on a run.

- ``play(tasks, **play_keywords)``: YAML text of one play on localhost (local connection, no facts).
- ``task(name, module, args, **keywords)``: one task of an ovhcloud.iam module; ``tolerant(task)``: the same with
  ``ignore_errors``.
- ``run_play(fake, workdir, env, tasks, **kwargs)``: runs one play on an empty request log and asserts it passed.
- ``failure(result, name)``: the result of a task that must have failed.
- ``mode_of(path)``: the permission bits of a file.
"""

import os
import stat
import textwrap

import yaml

from tests.ansible_runner import run_playbook

OVH_GROUP = 'group/ovhcloud.iam.ovh'


def play(tasks=None, ovh_defaults=None, **play_keywords):
    """YAML text of one play on localhost with a local connection and no fact gathering.

    ``tasks``: a list of task dicts, or YAML text of a task list (at any indentation: it is dedented and put under
    ``tasks:`` as written); None for a play without tasks (one that only has ``roles``).
    ``ovh_defaults``: module_defaults of the ``group/ovhcloud.iam.ovh`` action group (the options every ovhcloud.iam
    module of the play gets). ``play_keywords``: any other play keyword as Ansible spells it (``name``, ``vars``,
    ``vars_files``, ``module_defaults``, ``roles``...).
    """
    body = {'name': play_keywords.pop('name')} if 'name' in play_keywords else {}
    body.update({'hosts': 'localhost', 'connection': 'local', 'gather_facts': False})
    body.update(play_keywords)
    if ovh_defaults:
        body['module_defaults'] = dict(body.get('module_defaults') or {}, **{OVH_GROUP: dict(ovh_defaults)})
    if tasks is None:
        return yaml.safe_dump([body], sort_keys=False, default_flow_style=False, width=1000)
    if isinstance(tasks, str):
        header = yaml.safe_dump([body], sort_keys=False, default_flow_style=False, width=1000)
        return header + '  tasks:\n' + textwrap.indent(textwrap.dedent(tasks).strip('\n'), '    ') + '\n'
    body['tasks'] = list(tasks)
    return yaml.safe_dump([body], sort_keys=False, default_flow_style=False, width=1000)


def task(name, module, args, **keywords):
    """One task: ``module`` without the collection prefix, keywords such as register or ignore_errors."""
    entry = {'name': name, 'ovhcloud.iam.' + module: dict(args)}
    entry.update(keywords)
    return entry


def tolerant(entry):
    """The task with ``ignore_errors``: the play goes on and the test reads its failure."""
    return dict(entry, ignore_errors=True)


def run_play(fake, workdir, env, tasks, **kwargs):
    """Run one play of ``tasks`` on an empty request log; a play that is expected to pass must pass."""
    fake.clear_requests()
    result = run_playbook(play(tasks), workdir, env=env, **kwargs)
    assert result.rc == 0, result
    return result


def failure(result, name):
    """The result of a task that must have failed (with ignore_errors)."""
    assert result.status(name) == 'failed', result.task(name)
    return result.task(name)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)
