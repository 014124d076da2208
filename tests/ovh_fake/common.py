"""Shared pieces of the fake: replies, OVH error bodies, time formats, query parsing, v2 cursors."""

import base64
import binascii
import calendar
import datetime
import json
import re
from http import HTTPStatus
from urllib.parse import parse_qsl

V2_DEFAULT_PAGE_SIZE = 100
V2_MAX_PAGE_SIZE = 1000
INVALID_CURSOR = 'invalid cursor'  # the exact message ovh/manager iam.service.js httpApiv2List tests for

_RFC3339 = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$')


class Reply:
    """One HTTP answer: a status, a JSON-serialisable body and extra headers."""

    def __init__(self, status=200, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class ApiError(Exception):
    """An error answered with an OVH JSON body (``class``, ``message`` and optional ``details``)."""

    def __init__(self, status, error_class, message, details=None, extra=None):
        super().__init__(message)
        self.status = status
        self.body = {'class': error_class, 'message': message}
        if details is not None:
            self.body['details'] = details
        self.body.update(extra or {})
        self.headers = {}

    def reply(self):
        return Reply(self.status, self.body, self.headers)


def bad_request(message, code=None):
    return ApiError(400, 'Client::BadRequest' + ('::' + code if code else ''), message)


def not_found(message):
    return ApiError(404, 'Client::NotFound', message)


def forbidden(message, details=None):
    return ApiError(403, 'Client::Forbidden', message, details)


def auth_error(status, error_code, message):
    """Errors of OVH's authentication layer: python-ovh maps them on ``errorCode``."""
    return ApiError(status, status_class(status), message,
                    extra={'errorCode': error_code, 'httpCode': http_code(status)})


def http_code(status):
    return '%d %s' % (status, HTTPStatus(status).phrase)


def status_class(status):
    """``Client::TooManyRequests``, ``Server::ServiceUnavailable``... from the status phrase."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = 'Error'
    prefix = 'Client' if status < 500 else 'Server'
    return '%s::%s' % (prefix, re.sub(r'[^A-Za-z]', '', phrase.title()))


def dumps(body):
    return json.dumps(body, separators=(',', ':'))


def parse_json_body(raw):
    """The JSON object sent as a request body, or a 400 like OVH's."""
    try:
        data = json.loads(raw.decode('utf-8')) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise bad_request('Invalid JSON in request body') from None
    if not isinstance(data, dict):
        raise bad_request('Request body must be a JSON object')
    return data


def parse_query(raw_query):
    """Query parameters as name -> list of values; ``identity[]=a`` and ``identity=a`` are the same."""
    params = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        if name.endswith('[]'):
            name = name[:-2]
        params.setdefault(name, []).append(value)
    return params


def query_bool(params, name):
    """A boolean query parameter (``true``/``false``) or None when absent."""
    values = params.get(name)
    if not values:
        return None
    value = values[-1].lower()
    if value not in ('true', 'false'):
        raise bad_request('Invalid value for query parameter %s: expected a boolean, got %r' % (name, values[-1]))
    return value == 'true'


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)


def iso_v2(epoch):
    """API v2 dates: UTC with microseconds, e.g. 2023-05-12T13:38:15.738920Z."""
    return _utc(epoch).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def iso_utc(epoch):
    """A date-time the client sent, normalised to UTC: 2030-01-01T00:00:00Z (fraction kept when given)."""
    stamp = _utc(epoch)
    return stamp.strftime('%Y-%m-%dT%H:%M:%S.%fZ' if stamp.microsecond else '%Y-%m-%dT%H:%M:%SZ')


def iso_v1(epoch):
    """API v1 dates: second precision with an explicit offset, e.g. 2024-05-01T12:00:00+00:00."""
    return _utc(epoch).strftime('%Y-%m-%dT%H:%M:%S+00:00')


def parse_rfc3339(text):
    """Epoch seconds of an RFC 3339 date-time (offset required), or ValueError."""
    match = _RFC3339.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError('not an RFC 3339 date-time: %r' % (text,))
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    stamp = datetime.datetime(year, month, day, hour, minute, second)
    epoch = calendar.timegm(stamp.timetuple()) + float(match.group(7) or 0)
    offset = match.group(8)
    if offset not in ('Z', 'z'):
        sign = 1 if offset[0] == '+' else -1
        epoch -= sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    return epoch


def encode_cursor(seq):
    return base64.urlsafe_b64encode(dumps({'after': seq}).encode('ascii')).decode('ascii').rstrip('=')


def decode_cursor(cursor):
    try:
        padded = cursor + '=' * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode('ascii')).decode('ascii'))['after']
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        raise bad_request(INVALID_CURSOR) from None
    if not isinstance(after, int) or isinstance(after, bool):
        raise bad_request(INVALID_CURSOR)
    return after


def v2_page_size(headers, default=V2_DEFAULT_PAGE_SIZE):
    """The page size asked for; without the header, ``default`` (None: every item in one page)."""
    raw = headers.get('X-Pagination-Size')
    if raw is None or raw == '':
        return default
    try:
        size = int(raw)
    except ValueError:
        raise bad_request('Invalid X-Pagination-Size header %r: expected a positive integer' % raw) from None
    if size < 1:
        raise bad_request('Invalid X-Pagination-Size header %r: expected a positive integer' % raw)
    return min(size, V2_MAX_PAGE_SIZE)


def paginate_v2(headers, entries, default_size=V2_DEFAULT_PAGE_SIZE):
    """Cursor pagination of API v2 over ``(seq, item)`` pairs sorted by seq: (page items, reply headers)."""
    cursor = headers.get('X-Pagination-Cursor')
    after = decode_cursor(cursor) if cursor else 0
    remaining = [(seq, item) for seq, item in entries if seq > after]
    size = v2_page_size(headers, default_size)
    if size is None:
        size = max(len(remaining), 1)
    page = remaining[:size]
    reply_headers = {}
    if len(remaining) > size:
        reply_headers['X-Pagination-Cursor-Next'] = encode_cursor(page[-1][0])
    return [item for _seq, item in page], reply_headers


class Request:
    """One HTTP request as the client sent it."""

    def __init__(self, method, target, headers, body, scheme='http'):
        self.method = method
        self.target = target
        self.path, _sep, self.query = target.partition('?')
        self.headers = headers
        self.body = body
        self.full_url = '%s://%s%s' % (scheme, headers.get('Host', ''), target)
        self.params = parse_query(self.query)
        self.remote_ip = None
