"""API v1 (``/1.0`` and ``/v1``): /auth/time, /auth/details, /me and the /me/api/oauth2/client routes (me.json)."""

from urllib.parse import urlsplit

from . import catalog, fields
from .common import Reply, bad_request, not_found
from .routing import Route
from .store import public

FLOWS = ('AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS')
EXPANSION_MODE = 'CachedObjectList-Pages'
EXPANDED_PAGE_SIZE = 5000  # default and maximum X-Pagination-Size of an expanded list (see README)
CLIENT_ACTION = 'account:apiovh:me/api/oauth2/client/'


def auth_time(call):
    return int(call.state.now())


def auth_details(call):
    """Who is calling (auth.Details, from OVHcloud's auth.json)."""
    state, caller = call.state, call.caller
    details = {'account': state.owner.nic, 'identities': [caller.identity], 'method': 'account',
               'roles': [], 'user': None, 'allowedRoutes': None, 'description': None}
    if caller.scheme == 'signed':
        details['allowedRoutes'] = [{'method': method, 'path': '/*'} for method in ('GET', 'POST', 'PUT', 'DELETE')]
    else:
        details['description'] = 'OAuth2 client %s' % caller.client_id
    return details


def me(call):
    return catalog.nichandle(call.state.owner.region, call.state.owner.nic)


# -- /me/api/oauth2/client


def list_clients(call):
    clients = list(call.state.clients.values())
    if call.state.expansion and call.headers.get('X-Pagination-Mode') == EXPANSION_MODE:
        return _expanded_page(call.headers, clients)
    return [client['clientId'] for client in clients]


def _pagination_header(headers, name, default):
    raw = headers.get(name)
    if raw is None or raw == '':
        return default
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise bad_request('Invalid %s header %r: expected a positive integer' % (name, raw))
    return number


def _expanded_page(headers, clients):
    """The objects themselves, one page at a time, as ovh/manager reads them."""
    size = min(_pagination_header(headers, 'X-Pagination-Size', EXPANDED_PAGE_SIZE), EXPANDED_PAGE_SIZE)
    number = _pagination_header(headers, 'X-Pagination-Number', 1)
    page = clients[(number - 1) * size:number * size]
    reply_headers = {'X-Pagination-Elements': str(len(clients)), 'X-Pagination-Number': str(number),
                     'X-Pagination-Size': str(size)}
    return Reply(200, [public(client) for client in page], reply_headers)


def _callback_urls(body, required):
    urls = fields.string_array(body, 'callbackUrls', required)
    for index, url in enumerate(urls if urls is not fields.MISSING else ()):
        parts = urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.netloc:
            raise fields.field_error('callbackUrls.%d' % index, 'Invalid URL %r: expected an absolute http(s) URL' % url)
    return urls


def _check_callbacks(flow, urls):
    if flow == 'AUTHORIZATION_CODE' and not urls:
        raise fields.field_error('callbackUrls', 'At least one callback URL is required for the AUTHORIZATION_CODE flow')


def create_client(call):
    body = call.json()
    name = fields.string(body, 'name')
    description = fields.string(body, 'description')
    flow = fields.enum(body, 'flow', FLOWS)
    urls = _callback_urls(body, required=False)
    urls = [] if urls is fields.MISSING else urls
    _check_callbacks(flow, urls)
    client = call.state.add_client(name, description, flow, urls)
    return {'clientId': client['clientId'], 'clientSecret': client['_secret']}


def _client(call):
    client = call.state.clients.get(call.params['clientId'])
    if client is None:
        raise not_found('The requested object (clientId = %s) does not exist' % call.params['clientId'])
    return client


def get_client(call):
    return public(_client(call))


def edit_client(call):
    """Partial update of name, description and callbackUrls; the read-only fields of oauth2.client are ignored."""
    client = _client(call)
    body = call.json()
    changes = {}
    for name in ('name', 'description'):
        found = fields.string(body, name, required=False)
        if found is not fields.MISSING:
            changes[name] = found
    urls = _callback_urls(body, required=False)
    if urls is not fields.MISSING:
        changes['callbackUrls'] = list(urls)
    _check_callbacks(client['flow'], changes.get('callbackUrls', client['callbackUrls']))
    client.update(changes)
    return None


def delete_client(call):
    _client(call)
    call.state.delete_client(call.params['clientId'])
    return None


ROUTES = (
    Route('GET', '/auth/time', auth_time, public=True),
    Route('GET', '/auth/details', auth_details),
    Route('GET', '/me', me, 'account:apiovh:me/get'),
    Route('GET', '/me/api/oauth2/client', list_clients, CLIENT_ACTION + 'get'),
    Route('POST', '/me/api/oauth2/client', create_client, CLIENT_ACTION + 'create'),
    Route('GET', '/me/api/oauth2/client/{clientId}', get_client, CLIENT_ACTION + 'get'),
    Route('PUT', '/me/api/oauth2/client/{clientId}', edit_client, CLIENT_ACTION + 'edit'),
    Route('DELETE', '/me/api/oauth2/client/{clientId}', delete_client, CLIENT_ACTION + 'delete'),
)
