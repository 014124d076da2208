# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""The credentials files of a service account: ovh.conf, env file and clouds.yaml entry, in one place.

The formats are rendered and parsed here, for the ``credentials_file`` of ovh_oauth2_client and for the
service_account role (through its filters), so the files they write are the same files::

    [default]
    endpoint=ovh-eu

    [ovh-eu]
    client_id=...
    client_secret=...

Values are never quoted into a line they could break: a value that holds anything but the characters of
endpoint names, URLs, client IDs and secrets is refused (CredentialsFileError, without the value), and the
free text of comment lines (the account name) is written with its control characters escaped.

``write`` writes atomically (a temporary file in the same directory, created with its final mode before
the secret goes in, then ``os.replace``), and never over a file that holds other credentials: ``inspect``
tells the caller, before anything is created, whether the file may be written.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ovhcloud.iam.plugins.module_utils._config import ENDPOINTS
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


def render(endpoint, client_id, client_secret, header=(), token_url=None):
    """The ovh.conf text for one service account on one endpoint (``header``: comment lines before it)."""
    _check_values(endpoint=endpoint, client_id=client_id, client_secret=client_secret, token_url=token_url)
    lines = ['# %s' % one_line(text) for text in header]
    lines += ['[default]', 'endpoint=%s' % endpoint, '', '[%s]' % endpoint,
              'client_id=%s' % client_id, 'client_secret=%s' % client_secret]
    if token_url:
        lines.append('token_url=%s' % token_url)
    return '\n'.join(lines) + '\n'


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


def write(path, endpoint, client_id, client_secret, mode='0600', token_url=None):
    """Write the credentials file (atomically, with ``mode``); return its absolute path.

    The endpoint is written as its name when it is one (python-ovh accepts only names), with a note when
    it is a base URL; the token URL only when a reader cannot derive it from the name.
    """
    endpoint, token_url = endpoint_to_write(endpoint, token_url)
    write_atomically(path, render(endpoint, client_id, client_secret, url_endpoint_note(endpoint), token_url), parse_mode(mode, path))
    return os.path.abspath(path)


# ---------------------------------------------------------------------------- formats shared with the role

FORMATS = ('ovh_conf', 'env', 'clouds_yaml')

# First line of every file the role writes: it tells the role's own files from files that hold other credentials.
MARKER = 'Service account "%s", managed by Ansible (ovhcloud.iam.service_account).'
CLOUDS_HEADER = '# OpenStack clouds. Entries of OVHcloud service accounts are managed by Ansible (ovhcloud.iam.service_account).'

# Endpoint names, URLs, client IDs and secrets use these characters only; anything else could end a line, start a
# comment or be read by a shell, so it is refused rather than quoted (one rule for ovh.conf, env files and sh).
SAFE_VALUE = re.compile(r'^[A-Za-z0-9._:/@%+=~,\[\]-]+$')
ENV_LINE = re.compile(r'^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$')

# The OpenStack identity providers of OVHcloud (ovh-api.md section 8), by the region of the identity URN.
OPENSTACK_PROVIDERS = {
    'ovhcloud-emea': 'https://iam.ovh.net/role-adapter/urn:v1:eu:resource:publicCloudProject:pci/.well-known/openid-configuration',
    'ovhcloud-world': 'https://iam.ovh.ca/role-adapter/urn:v1:ca:resource:publicCloudProject:pci/.well-known/openid-configuration',
}


def one_line(text):
    """Free text made safe for one comment line: control characters (newlines too) escaped."""
    return ''.join(char if char.isprintable() else '\\x%02x' % ord(char) for char in str(text))


def _check_values(**values):
    bad = sorted(key for key, value in values.items() if value is not None and not SAFE_VALUE.match(str(value)))
    if bad:
        raise CredentialsFileError(
            'cannot write %s into a credentials file safely: only letters, digits and ._:/@%%+=~,[]- are allowed '
            '(the value is not shown)' % ', '.join(bad))


def endpoint_to_write(endpoint, token_url=None):
    """(endpoint, token_url) to write: the endpoint NAME when the endpoint is one (python-ovh accepts only names),
    and the token URL only when a reader cannot derive it from the name."""
    endpoint = endpoint.strip()
    name = endpoint
    if endpoint not in ENDPOINTS:
        name = next((known for known, urls in ENDPOINTS.items() if urls[0] == endpoint.rstrip('/')), endpoint)
    default_token_url = ENDPOINTS[name][1] if name in ENDPOINTS else None
    return name, (token_url if token_url and token_url != default_token_url else None)


def url_endpoint_note(endpoint):
    """Comment lines that say which readers accept a base-URL endpoint; none for an endpoint name."""
    if endpoint in ENDPOINTS:
        return []
    return ['The endpoint is a base URL: ovhcloud.iam, go-ovh and Terraform read it; python-ovh 1.2.0 accepts only',
            'endpoint names (ovh-eu, ovh-ca, ovh-us) and refuses this file (InvalidRegion).']


def checksum(text):
    """What a reader saw in a file ('' for no file): a writer compares it before replacing the file."""
    return hashlib.sha1(text.encode('utf-8')).hexdigest() if text is not None else ''


def render_env(endpoint, client_id, client_secret, header=(), token_url=None):
    """KEY=value lines read by python-ovh (environment), systemd EnvironmentFile=, docker --env-file and sh."""
    _check_values(endpoint=endpoint, client_id=client_id, client_secret=client_secret, token_url=token_url)
    lines = ['# %s' % one_line(text) for text in header]
    lines += ['OVH_ENDPOINT=%s' % endpoint, 'OVH_CLIENT_ID=%s' % client_id, 'OVH_CLIENT_SECRET=%s' % client_secret]
    if token_url:
        lines.append('OVH_TOKEN_URL=%s' % token_url)
    return '\n'.join(lines) + '\n'


def openstack_entry(settings, client_id, client_secret, identity_region):
    """One clouds.yaml entry (auth type v3oidcclientcredentials) as ovh-api.md section 8 documents it."""
    provider = settings.get('identity_provider') or 'auto'
    if provider == 'auto':
        provider = 'ovhcloud-emea' if identity_region in (None, 'eu') else 'ovhcloud-world'
    entry = {'auth_type': 'v3oidcclientcredentials'}
    if settings.get('region'):
        entry['region_name'] = settings['region']
    entry['auth'] = {
        'auth_url': settings.get('auth_url') or 'https://auth.cloud.ovh.net/v3',
        'protocol': 'openid',
        'access_token_type': 'id_token',
        'identity_provider': provider,
        'discovery_endpoint': OPENSTACK_PROVIDERS[provider],
        'project_id': settings.get('project_id'),
        'client_id': client_id,
        'client_secret': client_secret,
    }
    return entry


def render_clouds_yaml(document, cloud, entry):
    """The clouds.yaml text: ``document`` (what the file held) with the entry ``cloud`` set, or removed when
    ``entry`` is None; '' when no entry and nothing else is left."""
    import yaml  # only where clouds.yaml is rendered: on the controller, in the role's filters
    document = dict(document or {})
    clouds = dict(document.get('clouds') or {})
    if entry is None:
        clouds.pop(cloud, None)
    else:
        clouds[cloud] = entry
    document['clouds'] = clouds
    if not clouds and len(document) == 1:
        return ''
    return CLOUDS_HEADER + '\n' + yaml.safe_dump(document, default_flow_style=False, sort_keys=False, indent=2)


def _parse_ovh_conf(text):
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return None, {'unreadable': '(not an ovh.conf)'}
    endpoint = parser.get('default', 'endpoint', fallback=None)
    sections = [endpoint] if endpoint and parser.has_section(endpoint) else []
    sections += [s for s in parser.sections() if s not in sections]
    for section in sections:
        keys = dict((k, v) for k, v in parser.items(section) if k in CREDENTIAL_KEYS and v.strip())
        if keys:
            return section, keys
    return None, {}


def _parse_env(text):
    values = {}
    for line in text.splitlines():
        match = ENV_LINE.match(line)
        if match and not line.lstrip().startswith('#'):
            values[match.group(1)] = match.group(2).strip('"\'')
    keys = {'client_id': values.get('OVH_CLIENT_ID', ''), 'client_secret': values.get('OVH_CLIENT_SECRET', '')}
    if values.get('OVH_APPLICATION_KEY') or values.get('OVH_CONSUMER_KEY'):
        keys['application_key'] = 'yes'
    return keys


def parse(fmt, text, name, cloud=None):
    """What a credentials file holds, as the role needs it (the secret included: callers keep it no_log).

    ``text`` is the file's content, None when there is no file. Returns a dict: ``exists``; ``ours`` (written by
    the role for this account: its first line is the marker); ``writable`` (empty, ours, or a clouds.yaml whose
    other entries are kept); ``client_id`` and ``client_secret`` ('' when none); ``checksum`` (see checksum());
    ``document`` (the parsed clouds.yaml, {} otherwise).
    """
    held = {'exists': text is not None, 'ours': False, 'writable': True, 'client_id': '', 'client_secret': '',
            'checksum': checksum(text), 'document': {}}
    text = text or ''
    if not text.strip():
        return held
    held['ours'] = text.split('\n', 1)[0].strip() == '# ' + MARKER % one_line(name)
    if fmt == 'clouds_yaml':
        import yaml
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            document = None
        if not isinstance(document, dict) or not isinstance(document.get('clouds') or {}, dict):
            raise CredentialsFileError('it is not a clouds.yaml file (a mapping with a "clouds" mapping)')
        held['document'] = document
        entry = (document.get('clouds') or {}).get(cloud) or {}
        keys = entry.get('auth') or {} if isinstance(entry, dict) else {}
    elif fmt == 'env':
        keys = _parse_env(text)
    else:
        keys = _parse_ovh_conf(text)[1]
    held['client_id'] = str(keys.get('client_id') or '')
    held['client_secret'] = str(keys.get('client_secret') or '')
    others = set(k for k, v in keys.items() if v) - {'client_id', 'client_secret'}
    held['writable'] = held['ours'] or fmt == 'clouds_yaml'
    if others:
        held['client_id'] = held['client_id'] or '(other credentials)'
    return held


def render_for(fmt, held, values):
    """The text to write in a file of format ``fmt`` that holds ``held`` (from parse()).

    ``values``: name, endpoint, token_url, client_id, client_secret, identity_region, cloud and openstack (the
    clouds.yaml settings). A None client_id renders the file without this account: '' (nothing left) for an
    ovh.conf or env file, the other entries for a clouds.yaml.
    """
    if fmt not in FORMATS:
        raise CredentialsFileError('unknown credentials format %r: use one of %s' % (fmt, ', '.join(FORMATS)))
    if fmt == 'clouds_yaml':
        entry = None
        if values.get('client_id') is not None:
            _check_values(client_id=values['client_id'], client_secret=values['client_secret'])
            entry = openstack_entry(values.get('openstack') or {}, values['client_id'], values['client_secret'],
                                    values.get('identity_region'))
        return render_clouds_yaml(held.get('document'), values['cloud'], entry)
    if values.get('client_id') is None:
        return ''
    endpoint, token_url = endpoint_to_write(values['endpoint'], values.get('token_url'))
    header = [MARKER % values['name']]
    if fmt == 'env':
        header.append('KEY=value lines for systemd EnvironmentFile=, docker --env-file, set -a; . <file>, and python-ovh '
                      'through its environment. A rotation rewrites this file.')
        header += url_endpoint_note(endpoint)
        return render_env(endpoint, values['client_id'], values['client_secret'], header, token_url)
    header.append('Read as is by python-ovh, go-ovh, Terraform and ovhcloud.iam. A rotation rewrites this file; do not edit it.')
    header += url_endpoint_note(endpoint)
    return render(endpoint, values['client_id'], values['client_secret'], header, token_url)
