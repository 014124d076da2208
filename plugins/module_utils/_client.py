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
import http.client
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
    OvhError,
    OvhInputError,
    OvhTransportError,
    add_auth_hint,
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
# Concurrent GETs of a v1 list whose route answers ids only (one GET per object): 10, as OVHcloud's own CLI does
# (ovhcloud-cli FetchExpandedArray). More would shorten a lookup among 1000 clients (20: 1.8 s, 10: 3.4 s at 30 ms per
# request) at the cost of a load on the API that no OVHcloud client puts on it; a 429 pauses every call of the client
# (see _exchange), not only the one that received it.
EXPANSION_WORKERS = 10
V1_PAGE_SIZE = 1000
# Items asked per /v2 list page. Without it the API's smaller default makes large accounts cost
# one request per 100 policies; OVHcloud's own control panel asks for more.
V2_PAGE_SIZE = 1000


def escape_path_segment(value):
    """Quote one path segment (client ids, URNs used as ids); refuse ids that would not stay one segment.

    Quoting keeps ``/``, ``?`` and ``#`` inside the segment, but ``.`` and ``..`` are dot segments that
    URL normalisation removes (``/me/api/oauth2/client/..`` is ``/me/api/oauth2``), and an empty id names
    the collection itself.
    """
    text = str(value)
    if text.strip() in ('', '.', '..'):
        raise OvhInputError('%r is not a usable id: it would not name one object in the API path; give the real id'
                            % (value,))
    return quote(text, safe='')


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
        self._pause_lock = threading.Lock()
        self._paused_until = 0.0

    # ------------------------------------------------------------------ public API
    def get(self, path, params=None, headers=None):
        return self.request('GET', path, params=params, headers=headers).data

    def post(self, path, body=None):
        return self.request('POST', path, body=body).data

    def put(self, path, body=None):
        return self.request('PUT', path, body=body).data

    def post_reconciled(self, path, body, landed, adopt_existing=False, resends=0, resend_unanswered=False,
                        on_resend=None):
        """POST a create whose answer may be lost; the API's answer, or the object the POST made.

        The client never sends a write twice on its own. When a create fails in a way that may have
        made the object anyway (5xx, answer lost: ``may_have_applied``; or, with ``adopt_existing``, "already
        exists"), ``landed(error)`` reads the API and returns the object this POST made, or None (it may also
        raise, for instance when another writer's object is in the way). Found: that is the answer. Not
        found: the error stands, unless ``resends`` allows sending it again: after an error answer (the API
        said what happened) or, with ``resend_unanswered``, after no answer at all, which only a caller that
        cleaned up in ``landed`` may allow. ``on_resend(error, attempt)`` hears of each resend.
        """
        attempt = 0
        while True:
            try:
                return self.post(path, body)
            except OvhApiError as exc:
                already_exists = adopt_existing and exc.is_already_exists
                if not (exc.may_have_applied or already_exists):
                    raise
                found = landed(exc)
                if found is not None:
                    return found
                answered = exc.status is not None and not already_exists
                if attempt >= resends or not (answered or resend_unanswered):
                    raise
                attempt += 1
                if on_resend is not None:
                    on_resend(exc, attempt)

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
        payload = None if body is None else json.dumps(body, separators=(',', ':'))
        call = _Call(method, path, url, payload=payload, headers=headers,
                     content_type='application/json' if payload is not None else None)
        response = self._exchange(call)
        return ApiResponse(response.status_code, _json_or_none(response), response.headers)

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
            return [self.get_or_none(paths[0])]
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(EXPANSION_WORKERS, len(paths))) as pool:
            return list(pool.map(self.get_or_none, paths))

    def name_refused_identity(self, error):
        """On a 403 that names no credential to check, say which identity OVHcloud refused.

        Only on the failure path: an OAuth2 login is named by its client ID; a signed or bearer login asks
        GET /auth/details once, without retries, and names the identity only when that answers.
        """
        if not isinstance(error, OvhApiError) or error.status != 403 or error.credentials_refused:
            return
        settings = self.settings
        if settings.auth_method == 'oauth2':
            error.add_hint('Refused identity: service account %s (auth_client_id from %s)'
                           % (settings.credentials['auth_client_id'], settings.origin('auth_client_id')))
            return
        used = ('application_key', 'consumer_key') if settings.auth_method == 'signed' else ('access_token',)
        identity = None
        try:
            details = self._exchange(_Call('GET', '/auth/details', self.url_for('/auth/details')),
                                     self._clock() + self.settings.timeout)
            document = _json_or_none(details)
            if isinstance(document, dict):
                identity = (document.get('identities') or [None])[0] or document.get('user') or document.get('account')
        except (OvhError, _NotSent):
            identity = None
        error.add_hint('Refused identity: %s (logged in with %s)' % (
            identity or 'unknown (GET /auth/details did not answer)',
            ', '.join('%s from %s' % (name, settings.origin(name)) for name in used)))

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None

    # ------------------------------------------------------------------ listing helpers
    def get_or_none(self, path, params=None):
        """GET ``path``; None when the API answers 404 (the object does not exist)."""
        try:
            return self.get(path, params=params)
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

    def _send_once(self, call, deadline):
        """One attempt: prepare, authenticate, send. Raises _NotSent / _MaybeSent for retryable transport failures.

        No text of an exception that may quote a header (``Invalid header value b'...'``) reaches a message:
        only the exception's class name is kept for anything but the network errors handled by name.
        """
        session = self._get_session()
        method, url = call.method, call.url
        prepared = session.prepare_request(requests.Request(method, url, data=call.payload, headers=call.headers))
        if call.content_type:
            prepared.headers['Content-Type'] = call.content_type
        if call.authenticated:
            self._authenticate(prepared, call.payload or '', deadline)
        timeout = min(self.settings.timeout, max(deadline - self._clock(), 1.0))
        self.request_count += 1
        try:
            return session.send(prepared, timeout=timeout, allow_redirects=False, verify=self._verify(),
                                **self._proxies_for(session, prepared))
        except requests.exceptions.SSLError as exc:
            raise OvhTransportError(method, call.label, message=(
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
            raise _MaybeSent('no answer from %s within %s s (timeout)' % (_host_of(url), _seconds(timeout)))
        except (requests.exceptions.RequestException, ValueError, TypeError, UnicodeError, http.client.HTTPException) as exc:
            raise OvhTransportError(method, call.label, message=(
                'the request to %s could not be sent (%s); check the endpoint URL and the credentials for stray '
                'characters' % (_host_of(url), exc.__class__.__name__)))

    def _exchange(self, call, deadline=None):
        """Send ``call`` under the one retry policy of the collection; return the 2xx ``requests`` answer.

        Every call goes through here: API calls, the server-time call of signed requests and the OAuth2
        token call. What happens after each outcome:

        ========================================  ===============================  =============================
        outcome of one attempt                    idempotent call (GET, PUT,       non-idempotent call (POST)
                                                  DELETE, server time, token)
        ========================================  ===============================  =============================
        2xx                                       success                          success
        1xx, 3xx (redirects are not followed)     error, not retried               error, not retried
        401 on an OAuth2 login, first time        new token, sent again (free)     new token, sent again (free)
        429 Too Many Requests                     retried after Retry-After        retried (429: not applied)
        500, 502, 503, 504                        retried                          error, may_have_applied
        any other 4xx or 5xx                      error (call.error_builder)        error (call.error_builder)
        no connection (refused, DNS, connect      retried                          retried (surely not sent)
        timeout)
        connection lost or no answer in time      retried                          error, may_have_applied
        TLS failure, request that cannot be       error, not retried               error, not retried
        built
        ========================================  ===============================  =============================

        Limits, the same for every call: at most ``max_retries`` retries, and RETRY_TIME_BUDGET (two minutes)
        from the start of the outermost call; a server-time or token call made while authenticating an API call
        spends the same budget (``deadline``). Waits are jittered exponential backoff (``_backoff``); a
        Retry-After is honoured (never less than the backoff), and a wait that would end past the budget ends the
        retries at once. Each attempt's timeout is ``timeout`` or what is left of the budget, whichever is
        shorter. Giving up always says ``gave up after N attempts``.
        """
        if deadline is None:
            deadline = self._clock() + RETRY_TIME_BUDGET
        attempt = 0
        reauthenticated = False
        self._wait_out_pause(deadline)
        while True:
            asked_wait = None
            try:
                response = self._send_once(call, deadline)
            except _MaybeSent as exc:  # before _NotSent, its base class
                error = OvhTransportError(call.method, call.label, message=exc.text, may_have_applied=call.method != 'GET')
                if not call.idempotent:
                    raise error
            except _NotSent as exc:
                error = OvhTransportError(call.method, call.label, message=exc.text)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response
                if status < 400:
                    raise _unexpected_status_error(call, response)
                error = call.error_builder(call.method, call.label, response)
                add_auth_hint(error, self.settings)
                if status == 401 and call.authenticated and self._can_refresh_token() and not reauthenticated:
                    reauthenticated = True
                    self._drop_token()
                    continue
                if status not in RETRYABLE_STATUS:
                    raise error
                if status != 429 and not call.idempotent:
                    error.may_have_applied = True
                    raise error
                if status == 429:
                    asked_wait = _retry_after(response)
            wait = max(asked_wait or 0.0, self._backoff(attempt))
            if error.status == 429:
                self._pause_others(wait)
            attempt += 1
            remaining = deadline - self._clock()
            if attempt > self.settings.max_retries:
                raise _gave_up(error, attempt)
            if wait > remaining:
                reason = ('the API asked to wait %s s, more than the %d s left of the retry time budget'
                          % (_seconds(asked_wait), max(0, int(remaining))) if asked_wait is not None and asked_wait >= wait
                          else 'the %d s retry time budget is spent' % RETRY_TIME_BUDGET)
                raise _gave_up(error, attempt, reason)
            self._sleep(wait)

    def _pause_others(self, wait):
        """After a 429, calls that start meanwhile (the other threads of a concurrent listing) wait too."""
        with self._pause_lock:
            self._paused_until = max(self._paused_until, self._clock() + wait)

    def _wait_out_pause(self, deadline):
        with self._pause_lock:
            left = min(self._paused_until, deadline) - self._clock()
        if left > 0:
            self._sleep(left)

    # ------------------------------------------------------------------ authentication
    def _authenticate(self, prepared, payload, deadline):
        method = self.settings.auth_method
        if method == 'signed':
            self._sign(prepared, payload, deadline)
        elif method == 'access_token':
            prepared.headers['Authorization'] = 'Bearer ' + self.settings.credentials['access_token']
        else:
            prepared.headers['Authorization'] = 'Bearer ' + self._oauth2_token(deadline)

    def _sign(self, prepared, payload, deadline):
        creds = self.settings.credentials
        timestamp = str(int(self._clock()) + self._server_time_delta(deadline))
        signed = '+'.join((creds['application_secret'], creds['consumer_key'], prepared.method, prepared.url, payload, timestamp))
        prepared.headers['X-Ovh-Application'] = creds['application_key']
        prepared.headers['X-Ovh-Consumer'] = creds['consumer_key']
        prepared.headers['X-Ovh-Timestamp'] = timestamp
        prepared.headers['X-Ovh-Signature'] = '$1$' + hashlib.sha1(signed.encode('utf-8')).hexdigest()

    def _server_time_delta(self, deadline):
        with self._auth_lock:
            if self._time_delta is None:
                call = _Call('GET', '/auth/time', self.url_for('/auth/time'), authenticated=False, idempotent=True,
                             error_builder=_api_error)
                response = self._exchange(call, deadline)
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

    def _oauth2_token(self, deadline):
        with self._auth_lock:
            if self._token is None or self._clock() >= self._token_expires_at:
                self._fetch_token(deadline)
            return self._token

    def _fetch_token(self, deadline):
        creds = self.settings.credentials
        basic = base64.b64encode(('%s:%s' % (creds['auth_client_id'], creds['auth_client_secret'])).encode('utf-8')).decode('ascii')
        call = _Call('POST', self.settings.token_url, self.settings.token_url,
                     payload='grant_type=client_credentials&scope=all',
                     headers={'Authorization': 'Basic ' + basic},
                     content_type='application/x-www-form-urlencoded',
                     authenticated=False, idempotent=True, error_builder=_token_error)
        response = self._exchange(call, deadline)
        document = _json_or_none(response)
        if not isinstance(document, dict) or not document.get('access_token'):
            raise OvhApiError('POST', self.settings.token_url, status=response.status_code,
                              message='the token endpoint answered without an access token')
        lifetime = float(document.get('expires_in') or 3600)
        self._token = document['access_token']
        self._token_expires_at = self._clock() + lifetime - min(TOKEN_REFRESH_MARGIN, lifetime / 10.0)


class _Call:
    """One logical call and how the retry loop treats it (see OvhClient._exchange)."""

    def __init__(self, method, label, url, payload=None, headers=None, content_type=None, authenticated=True,
                 idempotent=None, error_builder=None):
        self.method = method
        self.label = label  # the path (or token URL) that messages name
        self.url = url
        self.payload = payload
        self.headers = headers or {}
        self.content_type = content_type
        self.authenticated = authenticated
        self.idempotent = method != 'POST' if idempotent is None else idempotent
        self.error_builder = error_builder or _api_error


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


def _unexpected_status_error(call, response):
    """A 1xx or 3xx answer: redirects are never followed (they could carry credentials elsewhere)."""
    location = response.headers.get('Location')
    message = 'unexpected answer HTTP %d%s: an OVHcloud API call answers 2xx or an error; nothing is assumed done. ' \
              'Check the endpoint URL (and any proxy in between)' % (
                  response.status_code, ' redirecting to %s' % location.split('?', 1)[0] if location else '')
    return OvhApiError(call.method, call.label, status=response.status_code, message=message,
                       query_id=response.headers.get('X-Ovh-QueryID'))


def _gave_up(error, attempts, reason=None):
    error.message = '%s (gave up after %d attempt%s%s)' % (
        error.message or 'no answer', attempts, '' if attempts == 1 else 's', ': ' + reason if reason else '')
    error.args = (error.describe(),)
    return error


def _seconds(value):
    return ('%.1f' % value).rstrip('0').rstrip('.')


def _token_error(method, url, response):
    document = _json_or_none(response)
    if isinstance(document, dict) and document.get('error'):
        message = 'OAuth2 token request refused: %s%s' % (
            document.get('error'), ' (%s)' % document['error_description'] if document.get('error_description') else '')
        return OvhApiError(method, url, status=response.status_code, error_code=document.get('error'), message=message,
                           query_id=response.headers.get('X-Ovh-QueryID'))
    return _api_error(method, url, response)
