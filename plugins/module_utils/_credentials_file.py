# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Writing a service account's credentials to an ovh.conf file, safely.

The file is what python-ovh, go-ovh, Terraform and this collection read as is::

    [default]
    endpoint=ovh-eu

    [ovh-eu]
    client_id=...
    client_secret=...

It is written atomically (a temporary file in the same directory, then ``os.replace``) with a
restrictive mode, and never over a file that holds other credentials: ``inspect`` tells the
caller, before anything is created, whether the file may be written.
"""

from __future__ import annotations

import configparser
import os
import re
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError

CREDENTIAL_KEYS = ('client_id', 'client_secret', 'application_key', 'application_secret', 'consumer_key')

# What inspect() finds.
MISSING = 'missing'            # no file yet: it may be written
WITHOUT_CREDENTIALS = 'empty'  # a file with no credential in it: it may be replaced
SAME_CLIENT = 'same'           # already holds this client's id: leave it


class CredentialsFileError(OvhError):
    """The credentials file cannot be written safely (other credentials in it, bad path or mode)."""


OCTAL_MODE = re.compile(r'^(0o)?[0-7]+$')
SAFE_MODE_EXAMPLE = "'0600' (or '0640' to let the file's group read it)"


class _StatOf:
    """What AnsibleModule._symbolic_mode_to_octal reads of a file: its st_mode."""

    def __init__(self, mode):
        self.st_mode = stat.S_IFREG | mode


def parse_mode(mode, path=None):
    """The mode ``credentials_file_mode`` asks for, read as ansible.builtin.file and copy read ``mode``.

    - an integer is a mode YAML already read from octal (``0640`` unquoted is the integer 416 = 0o640);
    - a string of octal digits (``'0640'``, ``'640'``, ``'0o640'``) is octal;
    - anything else is a symbolic mode (``u=rw,g=r``), applied to the existing file's mode, or to no
      permission at all for a new file (a secret file starts closed, not from the umask).
    A mode that gives others (``o``) any right, or sets anything but permission bits, is refused: the file holds a secret.
    """
    if isinstance(mode, bool) or mode is None:
        raise CredentialsFileError('credentials_file_mode must be a file mode such as %s, got %r' % (SAFE_MODE_EXAMPLE, mode))
    if isinstance(mode, int):
        value = mode
        if value > 0o777 and set(str(value)) <= set('01234567'):
            raise CredentialsFileError(
                'credentials_file_mode %r is not a permission mode: YAML read a number without a leading 0 as decimal '
                '(%d is %s in octal). Write it with a leading 0 or quoted, e.g. %s' % (mode, mode, oct(mode)[2:], SAFE_MODE_EXAMPLE))
        if not 0 <= value <= 0o777:
            raise CredentialsFileError('credentials_file_mode %r sets more than permission bits; use a mode such as %s'
                                       % (mode, SAFE_MODE_EXAMPLE))
    else:
        text = str(mode).strip()
        if not text:
            raise CredentialsFileError('credentials_file_mode must not be empty; use %s' % SAFE_MODE_EXAMPLE)
        if OCTAL_MODE.match(text):
            value = int(text, 8)
        else:
            base = stat.S_IMODE(os.stat(path).st_mode) if path and os.path.isfile(path) else 0
            try:
                value = AnsibleModule._symbolic_mode_to_octal(_StatOf(base), text)
            except Exception:
                value = -1
            if value < 0:
                raise CredentialsFileError(
                    'credentials_file_mode must be in octal or symbolic form, such as %s or u=rw,g=r, got %r'
                    % (SAFE_MODE_EXAMPLE, mode))
        if not 0 <= value <= 0o777:
            raise CredentialsFileError('credentials_file_mode %r sets more than permission bits; use a mode such as %s'
                                       % (mode, SAFE_MODE_EXAMPLE))
    if value & 0o007:
        raise CredentialsFileError(
            'credentials_file_mode %r (%s) gives others access to a file that holds a secret; use %s'
            % (mode, '0%03o' % value, SAFE_MODE_EXAMPLE))
    return value


def enforce_mode(path, mode, check_mode=False):
    """Give an existing credentials file the mode asked for; (old mode, new mode) when it had another, else None."""
    wanted = parse_mode(mode, path)
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        raise CredentialsFileError('cannot read the mode of credentials_file %s: %s' % (path, exc.strerror or exc.__class__.__name__))
    if current == wanted:
        return None
    if not check_mode:
        try:
            os.chmod(path, wanted)
        except OSError as exc:
            raise CredentialsFileError('cannot set the mode of credentials_file %s to 0%03o: %s'
                                       % (path, wanted, exc.strerror or exc.__class__.__name__))
    return current, wanted


def _credentials_in(path):
    """{section: {key: value}} of the credential keys the file holds."""
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding='utf-8') as handle:
            parser.read_file(handle, source=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsFileError('credentials_file %s exists but cannot be read (%s); it was not changed' % (path, exc))
    except configparser.Error:
        raise CredentialsFileError(
            'credentials_file %s exists and is not an ovh.conf (INI) file; it was not changed. Remove it or choose another path.' % path)
    found = {}
    for section in parser.sections():
        keys = dict((key, value) for key, value in parser.items(section) if key in CREDENTIAL_KEYS and value.strip())
        if keys:
            found[section] = keys
    return found


def inspect(path, client_ids=()):
    """Decide, before anything is created, whether ``path`` may receive new credentials.

    Returns MISSING, WITHOUT_CREDENTIALS, or SAME_CLIENT when the file holds only client ids
    among ``client_ids`` (the client being managed or the one it replaces). Raises
    CredentialsFileError when the file holds other credentials (another client_id, application
    keys) or cannot be written; the message never quotes a value from the file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CredentialsFileError('credentials_file %s: directory %s does not exist' % (path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CredentialsFileError('credentials_file %s: directory %s is not writable' % (path, directory))
    if not os.path.lexists(path):
        return MISSING
    if not os.path.isfile(path):
        raise CredentialsFileError('credentials_file %s exists and is not a regular file' % path)
    found = _credentials_in(path)
    if not found:
        return WITHOUT_CREDENTIALS
    foreign = []
    for section, keys in sorted(found.items()):
        if keys.get('client_id') not in client_ids or set(keys) - {'client_id', 'client_secret'}:
            foreign.append(section)
    if foreign:
        raise CredentialsFileError(
            'credentials_file %s already holds other credentials (section%s %s); it was not changed and nothing was '
            'created. Choose another path, or remove that file if those credentials are no longer needed.'
            % (path, '' if len(foreign) == 1 else 's', ', '.join('[%s]' % s for s in foreign)))
    return SAME_CLIENT


def render(endpoint, client_id, client_secret):
    """The ovh.conf text for one service account on one endpoint."""
    return '[default]\nendpoint=%s\n\n[%s]\nclient_id=%s\nclient_secret=%s\n' % (endpoint, endpoint, client_id, client_secret)


def write_atomically(path, text, mode):
    """Write ``text`` to ``path`` through a temporary file in the same directory and os.replace."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            os.fchmod(stream.fileno(), mode)
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise CredentialsFileError('cannot write credentials_file %s: %s' % (path, exc.strerror or exc.__class__.__name__))


def write(path, endpoint, client_id, client_secret, mode='0600'):
    """Write the credentials file (atomically, with ``mode``); return its absolute path."""
    write_atomically(path, render(endpoint, client_id, client_secret), parse_mode(mode, path))
    return os.path.abspath(path)
