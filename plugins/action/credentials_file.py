# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ovhcloud.iam.credentials_file: the content goes to the target as a file, never as a module argument.

Module arguments are printed by ANSIBLE_DEBUG=1 (no_log only masks results), so the secret is written to a private
local temporary file, transferred into the task's private remote temporary directory, and the module reads it
from there (``src``), as ansible.builtin.copy does with ``content``.
"""

from __future__ import annotations

import os
import tempfile

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase

MODULE = 'ovhcloud.iam.credentials_file'


class ActionModule(ActionBase):

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        content = args.pop('content', None)
        if args.get('src') is not None:
            result.update(failed=True, msg='src is set by the action itself; give content')
            return result
        local = None
        try:
            if content is not None:
                handle, local = tempfile.mkstemp(dir=C.DEFAULT_LOCAL_TMP, prefix='credentials-')
                with os.fdopen(handle, 'wb') as stream:
                    stream.write(to_bytes(content, errors='surrogate_or_strict'))
                remote = self._connection._shell.join_path(self._connection._shell.tmpdir, 'credentials')
                self._transfer_file(local, remote)
                self._fixup_perms2((self._connection._shell.tmpdir, remote))
                args['src'] = remote
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            if local is not None:
                os.unlink(local)
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
