# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Connection settings: endpoints, the auth method, and where each value came from.

Values are read as python-ovh reads them: the task option, then the ``OVH_*`` environment
variable, then ovh.conf (``/etc/ovh.conf``, ``~/.ovh.conf``, ``./ovh.conf``, then
``config_file``; later files win). An empty string counts as unset everywhere.
"""

from __future__ import annotations

import configparser
import ipaddress
import os
import re

from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhConfigError

# name: (API base URL, OAuth2 token URL or None, URN region)
ENDPOINTS = {
    'ovh-eu': ('https://eu.api.ovh.com/1.0', 'https://www.ovh.com/auth/oauth2/token', 'eu'),
    'ovh-ca': ('https://ca.api.ovh.com/1.0', 'https://ca.ovh.com/auth/oauth2/token', 'ca'),
    'ovh-us': ('https://api.us.ovhcloud.com/1.0', 'https://us.ovhcloud.com/auth/oauth2/token', 'us'),
    'kimsufi-eu': ('https://eu.api.kimsufi.com/1.0', None, 'eu'),
    'kimsufi-ca': ('https://ca.api.kimsufi.com/1.0', None, 'ca'),
    'soyoustart-eu': ('https://eu.api.soyoustart.com/1.0', None, 'eu'),
    'soyoustart-ca': ('https://ca.api.soyoustart.com/1.0', None, 'ca'),
}

DEFAULT_CONFIG_PATHS = ('/etc/ovh.conf', '~/.ovh.conf', './ovh.conf')

# option name: environment variable
ENV_VARS = {
    'endpoint': 'OVH_ENDPOINT',
    'application_key': 'OVH_APPLICATION_KEY',
    'application_secret': 'OVH_APPLICATION_SECRET',
    'consumer_key': 'OVH_CONSUMER_KEY',
    'auth_client_id': 'OVH_CLIENT_ID',
    'auth_client_secret': 'OVH_CLIENT_SECRET',
    'access_token': 'OVH_ACCESS_TOKEN',
    'token_url': 'OVH_TOKEN_URL',
    'config_file': 'OVH_CONFIG_FILE',
    'timeout': 'OVH_TIMEOUT',
    'max_retries': 'OVH_MAX_RETRIES',
    'validate_certs': 'OVH_VALIDATE_CERTS',
    'ca_path': 'OVH_CA_PATH',
    'allow_unencrypted_http': 'OVH_ALLOW_UNENCRYPTED_HTTP',
}

# option name: key in an ovh.conf endpoint section (python-ovh's names)
CONF_KEYS = {
    'application_key': 'application_key',
    'application_secret': 'application_secret',
    'consumer_key': 'consumer_key',
    'auth_client_id': 'client_id',
    'auth_client_secret': 'client_secret',
}

# The values that must never be shown; application_key and auth_client_id identify, they are named in messages.
SECRET_OPTIONS = ('application_secret', 'consumer_key', 'auth_client_secret', 'access_token')

AUTH_METHODS = (
    ('oauth2', ('auth_client_id', 'auth_client_secret')),
    ('signed', ('application_key', 'application_secret', 'consumer_key')),
    ('access_token', ('access_token',)),
)

# Source levels, strongest first.
LEVELS = ('task option', 'environment', 'ovh.conf')

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5


class ConnectionSettings:
    """Everything the client needs, resolved and validated."""

    def __init__(self, endpoint, api_url, token_url, region, auth_method, credentials,
                 timeout, max_retries, validate_certs, ca_path, origins=None):
        self.endpoint = endpoint
        self.api_url = api_url
        self.token_url = token_url
        self.region = region
        self.auth_method = auth_method
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.origins = origins or {}

    def secrets(self):
        """Every secret value these settings hold, wherever it came from, for the values Ansible masks."""
        return [v for k, v in self.credentials.items() if v and k in SECRET_OPTIONS]

    def origin(self, name):
        """Where the value of option ``name`` came from, for messages: 'environment variable OVH_CLIENT_ID'..."""
        return self.origins.get(name) or 'not set'


def _blank_to_none(value):
    if isinstance(value, str) and value.strip() == '':
        return None
    return value


def _option_label(name):
    env = ENV_VARS.get(name)
    conf = CONF_KEYS.get(name)
    label = '%s (%s' % (name, env) if env else name
    if conf:
        label += ', ovh.conf %s' % conf
    return label + ')' if env else label


def read_ovh_conf(config_file=None):
    """Parse the ovh.conf files python-ovh reads, in its order; later files win."""
    parser = configparser.RawConfigParser()
    paths = [os.path.expanduser(path) for path in DEFAULT_CONFIG_PATHS]
    if config_file:
        if not os.path.isfile(config_file):
            raise OvhConfigError('config_file %s does not exist or is not a file' % config_file)
        paths.append(config_file)
    parser.origins = {}
    for path in paths:
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding='utf-8') as handle:
                text = handle.read()
            single = configparser.RawConfigParser()
            single.read_string(text, source=path)
            parser.read_string(text, source=path)
            for section in single.sections():
                for key in single.options(section):
                    parser.origins[(section, key)] = os.path.abspath(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise OvhConfigError('cannot read OVH configuration file %s: %s' % (path, exc))
        except configparser.Error as exc:
            raise OvhConfigError('OVH configuration file %s is not a valid ovh.conf (INI) file: %s' % (path, exc))
    return parser


class _Lookup:
    """Reads one option through the three levels, remembering where each value came from."""

    def __init__(self, params, environ, conf):
        self.params = params
        self.environ = environ
        self.conf = conf
        self.origins = {}

    def describe(self, name, level, section=None, key=None):
        if level == 'task option':
            return 'task option %s' % name
        if level == 'environment':
            return 'environment variable %s' % ENV_VARS[name]
        key = key or CONF_KEYS.get(name, name)
        path = getattr(self.conf, 'origins', {}).get((section, key))
        return '%s in [%s] of %s' % (key, section, path or 'ovh.conf')

    def _conf_value(self, section, name):
        key = CONF_KEYS.get(name)
        if key is None or section is None or not self.conf.has_section(section):
            return None
        return _blank_to_none(self.conf.get(section, key, fallback=None))

    def at_level(self, name, level, section=None):
        if level == 'task option':
            return _blank_to_none(self.params.get(name))
        if level == 'environment':
            env = ENV_VARS.get(name)
            return _blank_to_none(self.environ.get(env)) if env else None
        return self._conf_value(section, name)

    def get(self, name, section=None):
        for level in LEVELS:
            value = self.at_level(name, level, section)
            if value is not None:
                self.origins[name] = self.describe(name, level, section)
                return value
        return None


def _resolve_endpoint(lookup, conf):
    endpoint = _blank_to_none(lookup.params.get('endpoint'))
    source = 'task option'
    if endpoint is None:
        endpoint = _blank_to_none(lookup.environ.get('OVH_ENDPOINT'))
        source = 'environment'
    if endpoint is None and conf.has_section('default'):
        endpoint = _blank_to_none(conf.get('default', 'endpoint', fallback=None))
        source = 'ovh.conf'
    if endpoint is None:
        raise OvhConfigError(
            'No OVHcloud endpoint is set: give the endpoint option, the OVH_ENDPOINT environment variable, '
            'or "[default] endpoint=" in ovh.conf. Use one of %s, or a base URL ending in /1.0.' % ', '.join(sorted(ENDPOINTS)))
    lookup.origins['endpoint'] = lookup.describe('endpoint', source, 'default', 'endpoint')
    return endpoint.strip()


_OVHCLOUD_API_HOST = re.compile(r'^api\.(eu|ca)\.ovhcloud\.com$', re.IGNORECASE)


def _urls_for(endpoint, token_url_override):
    """Return (api_url, token_url, region) for an endpoint name or base URL."""
    if endpoint in ENDPOINTS:
        api_url, token_url, region = ENDPOINTS[endpoint]
        return api_url, token_url_override or token_url, region
    if '://' not in endpoint:
        raise OvhConfigError(
            'endpoint %r is not known: use one of %s, or a base URL such as https://eu.api.ovh.com/1.0'
            % (endpoint, ', '.join(sorted(ENDPOINTS))))
    api_url = endpoint.rstrip('/')
    scheme, rest = api_url.split('://', 1)
    if scheme not in ('http', 'https') or not rest or not api_url.endswith('/1.0'):
        raise OvhConfigError(
            'endpoint %r is not a usable base URL: it must start with https:// (or http://) and end with /1.0, '
            'e.g. https://eu.api.ovh.com/1.0' % endpoint)
    for known_api, known_token, known_region in ENDPOINTS.values():
        if known_api == api_url:
            return api_url, token_url_override or known_token, known_region
    host = rest.split('/', 1)[0]
    match = _OVHCLOUD_API_HOST.match(host)
    if match:
        # OVHcloud's new domains pair api.<eu|ca>.ovhcloud.com with auth.<eu|ca>.ovhcloud.com (python-ovh #148, go-ovh #96).
        return api_url, token_url_override or 'https://auth.%s.ovhcloud.com/oauth2/token' % match.group(1).lower(), match.group(1).lower()
    return api_url, token_url_override or '%s://%s/auth/oauth2/token' % (scheme, host), None


def _choose_auth(lookup, section):
    """Pick the one auth method named at the strongest level that names any; fill it across levels."""
    for level in LEVELS:
        named = []
        for method, fields in AUTH_METHODS:
            if any(lookup.at_level(f, level, section) is not None for f in fields):
                named.append(method)
        if len(named) > 1:
            described = '; '.join(
                '%s: %s' % (m, ', '.join(_option_label(f) for f in dict(AUTH_METHODS)[m])) for m in named)
            raise OvhConfigError(
                'Several authentication methods are set at the same level (%s): %s. Set exactly one: '
                'application_key + application_secret + consumer_key, or auth_client_id + auth_client_secret, '
                'or access_token.' % (level, described))
        if named:
            method = named[0]
            fields = dict(AUTH_METHODS)[method]
            credentials = dict((f, lookup.get(f, section)) for f in fields)
            missing = [f for f in fields if credentials[f] is None]
            if missing:
                raise OvhConfigError(
                    'Authentication method %s is incomplete: %s %s not set (looked at task options, environment '
                    'variables and ovh.conf).' % (method, ', '.join(_option_label(f) for f in missing), 'is' if len(missing) == 1 else 'are'))
            return method, credentials
    raise OvhConfigError(
        'No OVHcloud credentials found. Set one method, as task options, environment variables or in ovh.conf: '
        'application_key + application_secret + consumer_key (OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY), '
        'or a service account: auth_client_id + auth_client_secret (OVH_CLIENT_ID, OVH_CLIENT_SECRET), '
        'or access_token (OVH_ACCESS_TOKEN).')


def _number(lookup, name, kind, default, minimum):
    value = lookup.get(name)
    if value is None:
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise OvhConfigError('%s must be a number, got %r' % (_option_label(name), value))
    if number < minimum:
        raise OvhConfigError('%s must be at least %s, got %s' % (_option_label(name), minimum, number))
    return number


def _boolean(lookup, name, default):
    value = lookup.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on', 'y'):
        return True
    if text in ('0', 'false', 'no', 'off', 'n'):
        return False
    raise OvhConfigError('%s must be a boolean, got %r' % (_option_label(name), value))


def _checked_credentials(credentials, lookup):
    """Credentials as sent: surrounding whitespace removed, control characters refused (never quoting a value).

    python-ovh 1.2.0 strips nothing itself; its ovh.conf values lose their surrounding whitespace in
    configparser, while options and OVH_* variables are sent as given, so a trailing newline (a value
    vaulted from ``echo``) breaks the request. Here every level is stripped as ovh.conf is.
    """
    checked, problems = {}, []
    for name, value in credentials.items():
        text = str(value).strip()
        if any(ord(char) < 32 or ord(char) == 127 for char in text):
            problems.append('%s (from %s) holds a control character (a line break, tab or similar) inside the '
                            'value; give the value exactly as OVHcloud issued it' % (name, lookup.origins.get(name)))
        checked[name] = text
    if problems:
        raise OvhConfigError('; '.join(problems) + '. The value is not shown.')
    return checked


def _is_loopback(url):
    host = url.split('://', 1)[-1].split('/', 1)[0].rsplit('@', 1)[-1]
    if host.startswith('['):
        host = host[1:].split(']', 1)[0]
    elif host.count(':') == 1:
        host = host.split(':', 1)[0]
    if host.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_unencrypted(lookup, urls):
    """Plain http:// to another machine sends secrets and tokens in clear: only with allow_unencrypted_http."""
    exposed = [(name, url) for name, url in urls if url and url.lower().startswith('http://') and not _is_loopback(url)]
    if not exposed or _boolean(lookup, 'allow_unencrypted_http', False):
        return
    raise OvhConfigError(
        '%s: plain http:// to a host that is not this machine would send the credentials and tokens unencrypted over '
        'the network. Use https://, or, only for a test API on a network you trust, set %s to true.'
        % ('; '.join('%s %s (from %s)' % (name, url, lookup.origins.get(name, 'endpoint')) for name, url in exposed),
           _option_label('allow_unencrypted_http')))


def resolve_connection(params, environ=None):
    """Turn module parameters (plus environment and ovh.conf) into ConnectionSettings."""
    environ = os.environ if environ is None else environ
    config_file = _blank_to_none(params.get('config_file')) or _blank_to_none(environ.get('OVH_CONFIG_FILE'))
    conf = read_ovh_conf(config_file)
    lookup = _Lookup(params, environ, conf)
    endpoint = _resolve_endpoint(lookup, conf)
    token_url_option = lookup.get('token_url')
    api_url, token_url, region = _urls_for(endpoint, token_url_option.strip() if token_url_option else None)
    method, credentials = _choose_auth(lookup, endpoint)
    if method == 'oauth2' and token_url is None:
        raise OvhConfigError(
            'endpoint %s does not offer OAuth2 service accounts; use application keys, or set token_url' % endpoint)
    lookup.origins.setdefault('token_url', 'the default of endpoint %s' % endpoint)
    _refuse_unencrypted(lookup, [('endpoint', api_url)] + ([('token_url', token_url)] if method == 'oauth2' else []))
    credentials = _checked_credentials(credentials, lookup)
    ca_path = lookup.get('ca_path')
    if ca_path is not None and not os.path.exists(ca_path):
        raise OvhConfigError('%s: %s does not exist' % (_option_label('ca_path'), ca_path))
    return ConnectionSettings(
        endpoint=endpoint,
        api_url=api_url,
        token_url=token_url,
        region=region,
        auth_method=method,
        credentials=credentials,
        timeout=_number(lookup, 'timeout', float, DEFAULT_TIMEOUT, 1),
        max_retries=_number(lookup, 'max_retries', int, DEFAULT_MAX_RETRIES, 0),
        validate_certs=_boolean(lookup, 'validate_certs', True),
        ca_path=ca_path,
        origins=lookup.origins,
    )
