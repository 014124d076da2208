# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""The one HTTP client of the collection: URLs, the three auth methods, retries, errors, listing.

It raises typed errors (``_errors``) and never calls ``fail_json``. One instance serves one
task: it keeps one keep-alive session, the server time delta and the OAuth2 token for its life.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import os
import random
import threading
import time
import traceback
from urllib.parse import quote, urlencode

from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import (
    OvhApiError,
    OvhConfigError,
    OvhTransportError,
)

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
# requests >= 2.27 (older versions do not apply environment proxies in Session.send at all).
_resolve_proxies = getattr(getattr(requests, 'utils', None), 'resolve_proxies', None)

COLLECTION_VERSION = '1.0.0'

RETRYABLE_STATUS = frozenset((429, 500, 502, 503, 504))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
RETRY_TIME_BUDGET = 120.0
TOKEN_REFRESH_MARGIN = 60.0
EXPANSION_WORKERS = 10
V1_PAGE_SIZE = 1000
# Items asked per /v2 list page. Without it the API's smaller default makes large accounts cost
# one request per 100 policies; OVHcloud's own control panel asks for more.
V2_PAGE_SIZE = 1000


def escape_path_segment(value):
    """Quote one path segment (client ids, URNs used as ids)."""
    return quote(str(value), safe='')


def _api_path(path):
    return path if path.startswith('/') else '/' + path


class ApiResponse:
    """What callers need from an answer: status, parsed JSON and headers."""

    def __init__(self, status, data, headers):
        self.status = status
        self.data = data
        self.headers = headers


class OvhClient:
    def __init__(self, settings, user_agent=None, sleep=time.sleep, clock=time.time):
        if requests is None:
            raise OvhConfigError('the Python library "requests" is required: pip install requests')
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._user_agent = user_agent or 'ovhcloud.iam/%s' % COLLECTION_VERSION
        self._session = None
        self._session_lock = threading.Lock()
        self._proxies = {}
        self._auth_lock = threading.Lock()
        self._time_delta = None
        self._token = None
        self._token_expires_at = 0.0
        self.request_count = 0

    # ------------------------------------------------------------------ public API
    def get(self, path, params=None, headers=None):
        return self.request('GET', path, params=params, headers=headers).data

    def post(self, path, body=None):
        return self.request('POST', path, body=body).data

    def put(self, path, body=None):
        return self.request('PUT', path, body=body).data

    def delete(self, path, params=None):
        return self.request('DELETE', path, params=params).data

    def delete_if_exists(self, path):
        """DELETE; True when deleted, False when it was already gone (a 404 means the wanted state is reached)."""
        try:
            self.delete(path)
        except OvhApiError as exc:
            if exc.is_not_found:
                return False
            raise
        return True

    def request(self, method, path, params=None, body=None, headers=None):
        """Send one API call with retries; return an ApiResponse or raise OvhApiError."""
        path = _api_path(path)
        url = self.url_for(path, params)
        return self._with_retries(method, path, url, body, headers or {})

    def url_for(self, path, params=None):
        """Build the full URL; /v1 and /v2 paths drop the /1.0 suffix as python-ovh does."""
        base = self.settings.api_url
        if (path.startswith('/v1/') or path.startswith('/v2/')) and base.endswith('/1.0'):
            base = base[:-len('/1.0')]
        url = base + path
        query = _encode_params(params)
        return url + '?' + query if query else url

    def list_v2(self, path, params=None, page_size=V2_PAGE_SIZE):
        """Every item of a /v2 list route, following X-Pagination-Cursor-Next to the last page."""
        items = []
        cursor = None
        seen = set()
        while True:
            headers = {'X-Pagination-Size': str(page_size)}
            if cursor:
                headers['X-Pagination-Cursor'] = cursor
            response = self.request('GET', path, params=params, headers=headers)
            items.extend(response.data or [])
            cursor = response.headers.get('X-Pagination-Cursor-Next')
            if not cursor or cursor in seen:
                return items
            seen.add(cursor)

    def list_v1_expanded(self, path, item_path=None):
        """Objects of a v1 list route: asked expanded, or ids then concurrent GETs when not honoured."""
        item_path = item_path or (lambda item_id: '%s/%s' % (path, escape_path_segment(item_id)))
        first = self.request('GET', path, headers=_expansion_headers(1))
        entries = list(first.data or [])
        if entries and all(isinstance(entry, dict) for entry in entries):
            entries.extend(self._remaining_expanded_pages(path, first.headers, len(entries)))
            return entries
        return [obj for obj in self.get_many([item_path(entry) for entry in entries]) if obj is not None]

    def get_many(self, paths):
        """GET several paths concurrently over the shared session; a 404 yields None (deleted meanwhile)."""
        if not paths:
            return []
        if len(paths) == 1:
            return [self._get_or_none(paths[0])]
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(EXPANSION_WORKERS, len(paths))) as pool:
            return list(pool.map(self._get_or_none, paths))

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None

    # ------------------------------------------------------------------ listing helpers
    def _get_or_none(self, path):
        try:
            return self.get(path)
        except OvhApiError as exc:
            if exc.is_not_found:
                return None
            raise

    def _remaining_expanded_pages(self, path, headers, received):
        total = _int_header(headers, 'X-Pagination-Elements')
        page_size = _int_header(headers, 'X-Pagination-Size') or received
        if not total or received >= total or not page_size:
            return []
        pages = (total + page_size - 1) // page_size
        extra = []
        for number in range(2, pages + 1):
            extra.extend(self.request('GET', path, headers=_expansion_headers(number)).data or [])
        return extra

    # ------------------------------------------------------------------ transport
    def _get_session(self):
        with self._session_lock:
            if self._session is None:
                session = requests.Session()
                adapter = HTTPAdapter(pool_connections=2, pool_maxsize=EXPANSION_WORKERS, max_retries=0)
                session.mount('https://', adapter)
                session.mount('http://', adapter)
                session.headers['User-Agent'] = self._user_agent
                session.headers['Accept'] = 'application/json'
                self._session = session
            return self._session

    def _verify(self):
        """The certificate check of every call, given explicitly to send() and request() alike.

        requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE win over a session's own verify in
        Session.request but ignores them in Session.send: without this, ca_path and validate_certs=false
        would not apply to the token and time calls, and the bundle variables not to the API calls.
        """
        if not self.settings.validate_certs:
            return False
        if self.settings.ca_path:
            return self.settings.ca_path
        return os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True

    def _with_retries(self, method, path, url, body, headers):
        attempt = 0
        deadline = self._clock() + RETRY_TIME_BUDGET
        reauthenticated = False
        while True:
            try:
                response = self._send_once(method, url, body, headers)
            except _MaybeSent as exc:  # before _NotSent, its base class
                error = OvhTransportError(method, path, message=exc.text, may_have_applied=method != 'GET')
                if method == 'POST':
                    raise error
                wait = self._backoff(attempt)
            except _NotSent as exc:
                error = OvhTransportError(method, path, message=exc.text)
                wait = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return ApiResponse(response.status_code, _json_or_none(response), response.headers)
                error = _api_error(method, path, response)
                if response.status_code == 401 and self._can_refresh_token() and not reauthenticated:
                    reauthenticated = True
                    self._drop_token()
                    continue
                if response.status_code not in RETRYABLE_STATUS:
                    raise error
                if method == 'POST' and response.status_code != 429:
                    error.may_have_applied = True
                    raise error
                wait = _retry_after(response) if response.status_code == 429 else None
                if wait is None:
                    wait = self._backoff(attempt)
            attempt += 1
            if attempt > self.settings.max_retries or self._clock() + wait > deadline:
                error.message = '%s (gave up after %d attempt%s)' % (error.message or 'no answer', attempt, '' if attempt == 1 else 's')
                error.args = (error.describe(),)
                raise error
            self._sleep(wait)

    def _proxies_for(self, session, prepared):
        """``proxies=`` for Session.send: the environment's proxies for this URL's origin, resolved once per client.

        requests would resolve them again on every request, scanning the whole environment three times (about
        0.5 ms per request, more in a large CI environment); the environment does not change during a task.
        """
        if _resolve_proxies is None:
            return {}
        origin = '/'.join(prepared.url.split('/', 3)[:3])
        if origin not in self._proxies:
            self._proxies[origin] = _resolve_proxies(prepared, session.proxies, session.trust_env)
        return {'proxies': self._proxies[origin]}

    def _backoff(self, attempt):
        return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt)) * random.uniform(0.5, 1.0)

    def _send_once(self, method, url, body, headers):
        session = self._get_session()
        payload = None if body is None else json.dumps(body, separators=(',', ':'))
        prepared = session.prepare_request(requests.Request(method, url, data=payload, headers=headers))
        if payload is not None:
            prepared.headers['Content-Type'] = 'application/json'
        self._authenticate(prepared, payload or '')
        self.request_count += 1
        try:
            return session.send(prepared, timeout=self.settings.timeout, allow_redirects=False, verify=self._verify(),
                                **self._proxies_for(session, prepared))
        except requests.exceptions.SSLError as exc:
            raise OvhTransportError(method, _path_of(url), message=(
                'TLS certificate verification failed for %s (%s). Give the CA bundle with ca_path, or fix the '
                'endpoint URL' % (_host_of(url), _first_line(exc))))
        except requests.exceptions.ConnectTimeout as exc:
            raise _NotSent('connection to %s timed out (%s)' % (_host_of(url), _first_line(exc)))
        except requests.exceptions.ConnectionError as exc:
            reason = getattr(exc.args[0], 'reason', None) if exc.args else None
            if isinstance(reason, (NewConnectionError, ConnectTimeoutError)):
                raise _NotSent('cannot connect to %s (%s)' % (_host_of(url), _first_line(reason)))
            raise _MaybeSent('connection to %s lost before an answer came (%s)' % (_host_of(url), _first_line(exc)))
        except requests.exceptions.Timeout:
            raise _MaybeSent('no answer from %s within %s s (timeout)' % (_host_of(url), self.settings.timeout))

    # ------------------------------------------------------------------ authentication
    def _authenticate(self, prepared, payload):
        method = self.settings.auth_method
        if method == 'signed':
            self._sign(prepared, payload)
        elif method == 'access_token':
            prepared.headers['Authorization'] = 'Bearer ' + self.settings.credentials['access_token']
        else:
            prepared.headers['Authorization'] = 'Bearer ' + self._oauth2_token()

    def _sign(self, prepared, payload):
        creds = self.settings.credentials
        timestamp = str(int(self._clock()) + self._server_time_delta())
        signed = '+'.join((creds['application_secret'], creds['consumer_key'], prepared.method, prepared.url, payload, timestamp))
        prepared.headers['X-Ovh-Application'] = creds['application_key']
        prepared.headers['X-Ovh-Consumer'] = creds['consumer_key']
        prepared.headers['X-Ovh-Timestamp'] = timestamp
        prepared.headers['X-Ovh-Signature'] = '$1$' + hashlib.sha1(signed.encode('utf-8')).hexdigest()

    def _server_time_delta(self):
        with self._auth_lock:
            if self._time_delta is None:
                url = self.url_for('/auth/time')
                response = self._unauthenticated_call('GET', '/auth/time', url)
                try:
                    server_time = int(response.text.strip())
                except ValueError:
                    raise OvhApiError('GET', '/auth/time', status=response.status_code,
                                      message='the endpoint did not answer with a server time; is %s an OVHcloud API URL?' % self.settings.api_url)
                self._time_delta = server_time - int(self._clock())
            return self._time_delta

    def _can_refresh_token(self):
        return self.settings.auth_method == 'oauth2'

    def _drop_token(self):
        with self._auth_lock:
            self._token = None

    def _oauth2_token(self):
        with self._auth_lock:
            if self._token is None or self._clock() >= self._token_expires_at:
                self._fetch_token()
            return self._token

    def _fetch_token(self):
        creds = self.settings.credentials
        basic = base64.b64encode(('%s:%s' % (creds['auth_client_id'], creds['auth_client_secret'])).encode('utf-8')).decode('ascii')
        response = self._unauthenticated_call(
            'POST', '/auth/oauth2/token', self.settings.token_url,
            data='grant_type=client_credentials&scope=all',
            headers={'Authorization': 'Basic ' + basic, 'Content-Type': 'application/x-www-form-urlencoded'})
        document = _json_or_none(response)
        if not isinstance(document, dict) or not document.get('access_token'):
            raise OvhApiError('POST', self.settings.token_url, status=response.status_code,
                              message='the token endpoint answered without an access token')
        lifetime = float(document.get('expires_in') or 3600)
        self._token = document['access_token']
        self._token_expires_at = self._clock() + lifetime - min(TOKEN_REFRESH_MARGIN, lifetime / 10.0)

    def _unauthenticated_call(self, method, label, url, data=None, headers=None):
        """Token and time calls: idempotent, so retried on 429, 5xx and network errors."""
        session = self._get_session()
        attempt = 0
        while True:
            self.request_count += 1
            try:
                response = session.request(method, url, data=data, headers=headers, timeout=self.settings.timeout,
                                           allow_redirects=False, verify=self._verify())
            except requests.exceptions.SSLError as exc:
                raise OvhTransportError(method, url, message=(
                    'TLS certificate verification failed for %s (%s). Give the CA bundle with ca_path' % (_host_of(url), _first_line(exc))))
            except requests.exceptions.RequestException as exc:
                error = OvhTransportError(method, url, message='%s: %s' % (_host_of(url), _first_line(exc)))
                wait = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return response
                error = _token_error(method, url, response) if label == '/auth/oauth2/token' else _api_error(method, label, response)
                if response.status_code not in RETRYABLE_STATUS:
                    raise error
                wait = _retry_after(response) or self._backoff(attempt)
            attempt += 1
            if attempt > self.settings.max_retries:
                raise error
            self._sleep(wait)


class _NotSent(Exception):
    def __init__(self, text):
        super().__init__(text)
        self.text = text


class _MaybeSent(_NotSent):
    pass


def _encode_params(params):
    if not params:
        return ''
    pairs = []
    items = params.items() if isinstance(params, dict) else params
    for key, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                item = 'true' if item else 'false'
            pairs.append((key, str(item)))
    return urlencode(pairs, quote_via=quote)


def _expansion_headers(page_number):
    return {
        'X-Pagination-Mode': 'CachedObjectList-Pages',
        'X-Pagination-Size': str(V1_PAGE_SIZE),
        'X-Pagination-Number': str(page_number),
    }


def _int_header(headers, name):
    try:
        return int(headers.get(name))
    except (TypeError, ValueError):
        return None


def _json_or_none(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response):
    value = response.headers.get('Retry-After')
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else exc.__class__.__name__


def _host_of(url):
    return url.split('://', 1)[-1].split('/', 1)[0]


def _path_of(url):
    rest = url.split('://', 1)[-1]
    return '/' + rest.split('/', 1)[1] if '/' in rest else '/'


def _text_snippet(response):
    """A short, tag-free excerpt of a non-JSON body (an HTML page from a proxy, say)."""
    import re
    text = re.sub(r'<[^>]+>', ' ', response.text or '')
    text = ' '.join(text.split())
    return text[:200]


def _api_error(method, path, response):
    query_id = response.headers.get('X-Ovh-QueryID')
    document = _json_or_none(response)
    if isinstance(document, dict):
        return OvhApiError(
            method, path, status=response.status_code,
            error_class=document.get('class'),
            error_code=document.get('errorCode'),
            message=document.get('message') or document.get('error_description') or document.get('error'),
            details=document.get('details'),
            query_id=query_id)
    content_type = response.headers.get('Content-Type', '')
    message = 'the answer was not OVHcloud API JSON (%s%s)' % (content_type or 'no content type', ': ' + _text_snippet(response) if response.text else '')
    if response.status_code == 404:
        message += '; check the endpoint URL'
    return OvhApiError(method, path, status=response.status_code, message=message, query_id=query_id)


def _token_error(method, url, response):
    document = _json_or_none(response)
    if isinstance(document, dict) and document.get('error'):
        hint = ''
        if document.get('error') == 'invalid_client':
            hint = '; check auth_client_id and auth_client_secret (OVH_CLIENT_ID, OVH_CLIENT_SECRET)'
        message = 'OAuth2 token request refused: %s%s%s' % (
            document.get('error'), ' (%s)' % document['error_description'] if document.get('error_description') else '', hint)
        return OvhApiError(method, url, status=response.status_code, error_code=document.get('error'), message=message,
                           query_id=response.headers.get('X-Ovh-QueryID'))
    return _api_error(method, url, response)
