# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions and file formats of the service_account role, as filters over tested Python.

service_account_connection, service_account_held, service_account_plan, service_account_file and
service_account_retirable; their documentation is in the sidecar files of the same names. The logic lives in
module_utils (_sa_plan.py, _credentials_file.py), shared with the ovh_oauth2_client module.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ovhcloud.iam.plugins.module_utils import _credentials_file as credentials_file
from ansible_collections.ovhcloud.iam.plugins.module_utils import _sa_plan as sa_plan
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhError

PLACEHOLDER_IDENTITY = 'urn:v1:%s:identity:credential:check-mode/oauth2-placeholder'


def _plain(value):
    """Ansible's lazy containers and tagged strings as plain Python values."""
    if isinstance(value, Mapping):
        return dict((to_text(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return value.encode('utf-8', 'surrogatepass').decode('utf-8', 'surrogatepass')  # a plain str, not a tagged one
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    return value


def service_account_connection(api):
    """The endpoint the credentials name, resolved from service_account_api as the API tasks resolve it."""
    params = dict((k, v) for k, v in _plain(api or {}).items() if v not in (None, ''))
    try:
        settings = resolve_connection(params)
    except OvhError as exc:
        raise AnsibleFilterError('service_account_api: %s' % exc)
    endpoint, token_url = credentials_file.endpoint_to_write(settings.endpoint, settings.token_url)
    region = settings.region or 'eu'
    return {'endpoint': endpoint, 'token_url': token_url, 'region': region,
            'placeholder_identity': PLACEHOLDER_IDENTITY % region}


def service_account_held(source, fmt, name, cloud=None):
    """What a credentials file holds: ``source`` is the result of ansible.builtin.slurp (no content when the
    task was skipped: no file), or the file's text."""
    if isinstance(source, str):
        text, where = to_text(source), 'the credentials file'
    else:
        slurped = _plain(source or {})
        text, where = None, slurped.get('source') or 'the credentials file'
        if slurped.get('content') is not None:
            try:
                text = base64.b64decode(slurped['content']).decode('utf-8')
            except (ValueError, UnicodeDecodeError):
                raise AnsibleFilterError('%s is not a UTF-8 text file; it was left alone' % where)
    try:
        return credentials_file.parse(fmt, text, to_text(name), cloud)
    except OvhError as exc:
        raise AnsibleFilterError('%s: %s; it was left alone' % (where, exc))


def service_account_plan(clients, holdings, options, rights=None, now=None):
    """The plan of the run (see _sa_plan.plan). ``options``: name, description, rotate, recover, rotation_timeout,
    and rights (or the argument of that name)."""
    options = _plain(options)
    rights = options.get('rights') if rights is None else rights
    holdings = dict((host, dict((k, v) for k, v in (held or {}).items() if k != 'client_secret'))
                    for host, held in _plain(holdings).items())
    try:
        return sa_plan.plan(
            options['name'], _plain(clients), holdings, now or datetime.datetime.now(datetime.timezone.utc),
            rotate=boolean(options.get('rotate') or False), recover=options.get('recover') or 'fail',
            rotation_timeout=int(options.get('rotation_timeout') or 0),
            rights=_plain(rights) if rights is not None else None, description=options.get('description') or None)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError('service_account_plan: unexpected input (%s: %s)' % (exc.__class__.__name__, exc))


def service_account_file(held, fmt, values):
    """The text of the credentials file to write ('' when nothing is left to write)."""
    try:
        return credentials_file.render_for(fmt, _plain(held or {}), _plain(values))
    except OvhError as exc:
        raise AnsibleFilterError(str(exc))


def service_account_retirable(retire, holdings):
    """The clients of ``retire`` no target holds now."""
    return sa_plan.retirable(_plain(retire), _plain(holdings))


class FilterModule:
    def filters(self):
        return {
            'service_account_connection': service_account_connection,
            'service_account_held': service_account_held,
            'service_account_plan': service_account_plan,
            'service_account_file': service_account_file,
            'service_account_retirable': service_account_retirable,
        }
