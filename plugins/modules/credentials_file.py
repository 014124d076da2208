#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: credentials_file
short_description: Write or remove a file that holds a secret, with no moment where others can read it
version_added: 1.0.0
description:
  - Writes O(content) to O(path) on the target host the way a secret must be written. The new file is created
    in the same directory with its final owner, group and mode B(before) the secret is written into it, then
    renamed over O(path). At no moment does a file holding the secret exist with a wider mode than O(mode).
  - Compare-and-swap. With O(expected_checksum) the file is replaced (or removed) only while it still holds what
    the caller read; otherwise the module fails and changes nothing. Two runs that deliver different credentials
    at the same time cannot overwrite each other unseen. The check and the change happen under an exclusive
    lock on the directory.
  - A missing directory is created with mode C(0755), owned by the user the module runs as; the module never
    gives a directory to O(owner), so a shared directory such as C(/etc/ovhcloud) stays with root.
  - The C(ovhcloud.iam.service_account) role delivers credentials with this module. It does not talk to the OVHcloud API.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  path:
    description: The file.
    type: path
    required: true
  content:
    description:
      - What the file must hold. Required with O(state=present). Never shown in the output or a diff.
      - The action of this module sends it to the target as a file in the task's private temporary directory, never as
        a module argument, so it does not appear in the debug output of C(ANSIBLE_DEBUG=1) either.
    type: str
  src:
    description:
      - Internal - the file in the task's temporary directory the action put O(content) in. Do not set it.
    type: path
  state:
    description: V(present) writes the file, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  expected_checksum:
    description:
      - The SHA-1 (hex) of the content the caller read from the file, or the empty string when the caller saw no file.
      - When the file holds something else now (and not already O(content)), the module fails without any change.
      - Not checked when not set.
    type: str
  mode:
    description:
      - The permissions of the file, as in M(ansible.builtin.file) - an octal string such as V('0600'), an integer
        that YAML read from an unquoted octal number (V(0640)), or a symbolic mode such as V(u=rw,g=r).
      - A mode that gives others any right is refused; the file holds a secret.
    type: raw
    default: '0600'
  owner:
    description: Owner of the file (the user the application runs as). Unchanged when not set.
    type: str
  group:
    description: Group of the file. Unchanged when not set.
    type: str
  prune_directory:
    description: With O(state=absent), also remove the directory of O(path) when nothing else is left in it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports what would change, and fails as a real run would when the file changed since it was read.
  diff_mode:
    support: none
    description: The content is a secret; no diff is shown.
notes:
  - Other users may read the file through its group when O(mode) allows it; the module refuses only rights for others.
seealso:
  - module: ovhcloud.iam.ovh_oauth2_client
'''

EXAMPLES = r'''
- name: Deliver an ovh.conf that only its owner reads (created 0600 before the secret goes in)
  ovhcloud.iam.credentials_file:
    path: ~/.config/billing-exporter/ovh.conf
    content: |
      [default]
      endpoint=ovh-eu

      [ovh-eu]
      client_id={{ client_id }}
      client_secret={{ client_secret }}
    mode: '0600'
  vars:
    client_id: EU.0f0f0f0f0f0f0f0f
    client_secret: "{{ vaulted_client_secret | default('s3cret') }}"
  no_log: true

- name: Read it (it holds a secret)
  ansible.builtin.slurp:
    src: ~/.config/billing-exporter/ovh.conf
  register: current
  no_log: true

- name: Replace it only while it still holds what was read (compare-and-swap)
  ovhcloud.iam.credentials_file:
    path: ~/.config/billing-exporter/ovh.conf
    content: "{{ current.content | b64decode | replace('EU.0f0f0f0f0f0f0f0f', 'EU.1e1e1e1e1e1e1e1e') }}"
    expected_checksum: "{{ current.content | b64decode | hash('sha1') }}"
    mode: u=rw,g=r
  no_log: true

- name: Remove it, and its directory when nothing else is left in it
  ovhcloud.iam.credentials_file:
    path: ~/.config/billing-exporter/ovh.conf
    state: absent
    prune_directory: true
'''

RETURN = r'''
path:
  description: The file.
  returned: always
  type: str
  sample: /etc/billing-exporter/ovh.conf
mode:
  description: The mode the file has (or would have), in octal.
  returned: when O(state=present)
  type: str
  sample: '0600'
'''

import errno
import fcntl
import grp
import hashlib
import os
import pwd
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

OTHERS = 0o007


def file_mode(module, mode):
    """The mode as ansible.builtin.file reads it: int as is, octal string, or symbolic (from 0)."""
    if isinstance(mode, int) and not isinstance(mode, bool):
        value = mode
    else:
        text = str(mode).strip()
        try:
            value = int(text, 8)
        except ValueError:
            try:
                value = module._symbolic_mode_to_octal(os.stat_result((0,) * 10), text)
            except Exception:  # pylint: disable=broad-except
                module.fail_json(msg='mode %r is neither an octal mode (0600) nor a symbolic one (u=rw,g=r)' % (mode,))
    if not 0 <= value <= 0o7777:
        module.fail_json(msg='mode %r is not a file mode' % (mode,))
    if value & OTHERS:
        module.fail_json(msg='mode %s gives others access to %s, which holds a secret: use 0600, or 0640 with a group'
                             % (oct(value)[2:].zfill(4), module.params['path']))
    return value


def ids(module):
    params = module.params
    uid = gid = -1
    try:
        if params['owner']:
            uid = int(params['owner']) if params['owner'].isdigit() else pwd.getpwnam(params['owner']).pw_uid
        if params['group']:
            gid = int(params['group']) if params['group'].isdigit() else grp.getgrnam(params['group']).gr_gid
    except KeyError as exc:
        module.fail_json(msg='%s: no such user or group on this host: %s' % (params['path'], exc))
    return uid, gid


def read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def checksum(data):
    return '' if data is None else hashlib.sha1(data).hexdigest()


def locked_directory(module, directory):
    handle = os.open(directory, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def check_unchanged_since_read(module, path, current):
    expected = module.params['expected_checksum']
    if expected is not None and checksum(current) != expected.strip():
        module.fail_json(msg='%s changed since it was read (another run delivered credentials at the same time?); it was '
                             'left as it is. Run again: the next run reads it afresh.' % path)


def write(path, data, mode, uid, gid):
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        os.fchown(handle, uid, gid)
        os.fchmod(handle, mode)
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def ensure_present(module, path):
    params = module.params
    if params['src'] is None and params['content'] is None:
        module.fail_json(msg='content is required with state: present')
    mode = file_mode(module, params['mode'])
    uid, gid = ids(module)
    data = read(params['src']) if params['src'] is not None else params['content'].encode('utf-8')
    directory = os.path.dirname(path)
    result = {'changed': False, 'path': path, 'mode': oct(mode)[2:].zfill(4)}
    if not os.path.isdir(directory):
        if module.check_mode:
            check_unchanged_since_read(module, path, None)
            module.exit_json(changed=True, **{k: v for k, v in result.items() if k != 'changed'})
        os.makedirs(directory, 0o755)
        result['changed'] = True
    lock = locked_directory(module, directory)
    try:
        current = read(path)
        if current != data:
            check_unchanged_since_read(module, path, current)  # what it holds now is what we want: nothing to compare
            result['changed'] = True
            if not module.check_mode:
                write(path, data, mode, uid, gid)
            return result
        info = os.stat(path)
        if stat.S_IMODE(info.st_mode) != mode or uid not in (-1, info.st_uid) or gid not in (-1, info.st_gid):
            result['changed'] = True
            if not module.check_mode:
                os.chmod(path, mode)
                os.chown(path, uid, gid)
        return result
    finally:
        os.close(lock)


def ensure_absent(module, path):
    directory = os.path.dirname(path)
    result = {'changed': False, 'path': path}
    if not os.path.isdir(directory):
        return result
    lock = locked_directory(module, directory)
    try:
        current = read(path)
        check_unchanged_since_read(module, path, current)
        if current is not None:
            result['changed'] = True
            if not module.check_mode:
                os.unlink(path)
    finally:
        os.close(lock)
    if module.params['prune_directory'] and not os.listdir(directory):
        result['changed'] = True
        if not module.check_mode:
            try:
                os.rmdir(directory)
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            content=dict(type='str', no_log=True),
            src=dict(type='path'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            expected_checksum=dict(type='str', no_log=False),
            mode=dict(type='raw', default='0600'),
            owner=dict(type='str'),
            group=dict(type='str'),
            prune_directory=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    path = os.path.abspath(module.params['path'])
    try:
        if module.params['state'] == 'absent':
            result = ensure_absent(module, path)
        else:
            result = ensure_present(module, path)
    except OSError as exc:
        module.fail_json(msg='%s: %s' % (path, exc.strerror or exc.__class__.__name__))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
