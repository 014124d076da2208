# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""The steps ovh_iam_permissions_group and ovh_iam_resource_group (and their _info twins) take alike.

They read, refuse and delete their groups the same way; these steps are given the module (they may end the task)
and the kind of group (``_iam_groups.PERMISSIONS_GROUPS`` or ``RESOURCE_GROUPS``), so each module keeps only its
own decisions.
"""

from __future__ import annotations

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_groups import (
    find_group,
    matching_groups,
    missing_group_refusal,
    read_only_refusal,
)


def find_current_group(module, kind):
    """The view of the group the options address (by address, else by name), or None."""
    found = find_group(module.api, kind, module.params[kind.option], module.params['name'])
    return kind.view(found) if found else None


def report_group(module, kind, changed, before, after, **extra):
    return module.outcome(changed, kind.result_key, before, after, **extra)


def refuse_unknown_address(module, kind, current):
    """A group given by its address must exist: OVHcloud chooses the address of a new one."""
    if current is None and module.params[kind.option]:
        module.fail(missing_group_refusal(kind, module.params[kind.option]))


def refuse_read_only(module, kind, current, action):
    if current is not None and current['read_only']:
        module.fail(read_only_refusal(kind, current, action), **{kind.result_key: current})


def ensure_group_absent(module, kind, current):
    if current is not None:
        refuse_read_only(module, kind, current, 'deleted')
        if not module.check_mode:
            kind.delete(module.api, current[kind.address])
    return report_group(module, kind, current is not None, current, None)


def gather_groups(module, kind, problems):
    """The result of an _info module: every input problem at once, then the groups the options match."""
    if problems:
        module.fail_input(problems)
    found = matching_groups(module.api, kind, module.params[kind.option], module.params['name'])
    return {'changed': False, kind.result_key + 's': [kind.view(group) for group in found]}


def write_group(module, kind, current, body):
    """Create the group, or update the current one; the API's answer."""
    if current is None:
        return kind.create(module.api, body)
    return kind.update(module.api, current[kind.address], body)
