"""Authentication as OVHcloud does it: signed requests (application key, secret, consumer key) and OAuth2.

Signed requests carry ``X-Ovh-Signature = "$1$" + sha1(AS+CK+METHOD+URL+BODY+TIMESTAMP joined by "+")``,
checked against the fake's clock; OAuth2 callers fetch a token from ``POST /auth/oauth2/token`` with the
client-credentials grant and send ``Authorization: Bearer <token>``.
"""

import base64
import binascii
import hashlib
import hmac
from urllib.parse import parse_qsl

from .common import ApiError, Reply, auth_error

TOKEN_PATH = '/auth/oauth2/token'
TIMESTAMP_TOLERANCE_S = 300
SIGNATURE_HEADERS = ('X-Ovh-Application', 'X-Ovh-Consumer', 'X-Ovh-Timestamp', 'X-Ovh-Signature')


class Caller:
    """Who is calling: ``scheme`` is 'signed', 'oauth2' or 'none'; ``identity`` is the caller's IAM URN."""

    def __init__(self, scheme, identity=None, client_id=None):
        self.scheme = scheme
        self.identity = identity
        self.client_id = client_id


def scheme_of(headers):
    if headers.get('Authorization', '').lower().startswith('bearer '):
        return 'oauth2'
    if headers.get('X-Ovh-Application'):
        return 'signed'
    return 'none'


def authenticate(state, request):
    scheme = scheme_of(request.headers)
    if scheme == 'oauth2':
        return _bearer_caller(state, request.headers['Authorization'][7:].strip())
    if scheme == 'signed' and request.headers.get('X-Ovh-Consumer'):
        return _signed_caller(state, request)
    if scheme == 'signed':
        # An application key without a consumer key only opens the unauthenticated routes.
        raise auth_error(403, 'NOT_CREDENTIAL', 'This call requires a consumer key')
    raise ApiError(401, 'Client::Unauthorized', 'You must login first')


def signature(application_secret, consumer_key, method, full_url, body, timestamp):
    payload = '+'.join([application_secret, consumer_key, method.upper(), full_url, body, timestamp])
    return '$1$' + hashlib.sha1(payload.encode('utf-8')).hexdigest()


def _signed_caller(state, request):
    owner, headers = state.owner, request.headers
    if headers.get('X-Ovh-Application') != owner.application_key:
        raise auth_error(403, 'INVALID_KEY', 'This application key is invalid')
    if headers.get('X-Ovh-Consumer') != owner.consumer_key:
        raise auth_error(403, 'INVALID_CREDENTIAL', 'This credential does not exist')
    timestamp = headers.get('X-Ovh-Timestamp', '')
    if not _timestamp_in_window(timestamp, state.now()):
        raise auth_error(400, 'QUERY_TIME_OUT', 'Query out of time')
    body = request.body.decode('utf-8', 'replace')
    expected = signature(owner.application_secret, owner.consumer_key, request.method, request.full_url, body, timestamp)
    if not hmac.compare_digest(headers.get('X-Ovh-Signature', ''), expected):
        raise auth_error(400, 'INVALID_SIGNATURE', 'Invalid signature')
    return Caller('signed', owner.identity)


def _timestamp_in_window(timestamp, now):
    try:
        return abs(int(timestamp) - now) <= TIMESTAMP_TOLERANCE_S
    except ValueError:
        return False


def _bearer_caller(state, token):
    grant = state.tokens.get(token)
    if grant is None or grant['expires_at'] <= state.now():
        raise ApiError(401, 'Client::Unauthorized', 'Invalid or expired access token')
    return Caller('oauth2', grant['identity'], grant['clientId'])


# -- the OAuth2 token endpoint


def _oauth2_error(status, error, description):
    reply = Reply(status, {'error': error, 'error_description': description})
    if status == 401:
        reply.headers['WWW-Authenticate'] = 'Basic realm="ovhcloud"'
    return reply


def _client_credentials(headers, form):
    """(client_id, client_secret) from HTTP Basic auth, else from the form fields."""
    authorization = headers.get('Authorization', '')
    if authorization.lower().startswith('basic '):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode('utf-8')
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _sep, secret = decoded.partition(':')
        return client_id, secret
    return form.get('client_id'), form.get('client_secret')


def issue_token(state, request):
    """POST /auth/oauth2/token: (reply, identity of the authenticated client or None)."""
    if request.method != 'POST':
        return _oauth2_error(405, 'invalid_request', 'the token endpoint only accepts POST'), None
    form = dict(parse_qsl(request.body.decode('utf-8', 'replace'), keep_blank_values=True))
    if form.get('grant_type') != 'client_credentials':
        return _oauth2_error(400, 'unsupported_grant_type', 'only the client_credentials grant is supported'), None
    client_id, secret = _client_credentials(request.headers, form)
    client = state.clients.get(client_id or '')
    if client is None or not hmac.compare_digest(secret or '', client['_secret']):
        return _oauth2_error(401, 'invalid_client', 'ovhcloud oauth2 client does not exists'), None
    if client['flow'] != 'CLIENT_CREDENTIALS':
        return _oauth2_error(400, 'unauthorized_client', 'this client may not use the client_credentials grant'), client['identity']
    if form.get('scope', '').split() != ['all']:
        return _oauth2_error(400, 'invalid_scope', "the requested scope is invalid: use scope=all"), client['identity']
    token = state.issue_token(client)
    body = {'access_token': token, 'token_type': 'Bearer', 'expires_in': state.token_ttl, 'scope': 'all'}
    return Reply(200, body, {'Cache-Control': 'no-store', 'Pragma': 'no-cache'}), client['identity']
