"""One API request from routing to reply: version prefix, route, authentication, IAM, handler."""

from . import authn, iam, identity, v1, v2
from .common import ApiError, Reply, forbidden, not_found
from .routing import Call, resolve

V1_ROUTES = v1.ROUTES + identity.V1_ROUTES
V2_ROUTES = v2.ROUTES + identity.V2_ROUTES
VERSION_PREFIXES = (('/1.0', V1_ROUTES), ('/v1', V1_ROUTES), ('/v2', V2_ROUTES))


class Outcome:
    """The reply, and what the request log says of the caller."""

    def __init__(self, reply, auth='none', identity=None, action=None):
        self.reply = reply
        self.auth = auth
        self.identity = identity
        self.action = action


def _routes_for(path):
    """(route table, path without the version prefix) for an API path."""
    for prefix, routes in VERSION_PREFIXES:
        if path.startswith(prefix + '/'):
            return routes, path[len(prefix):]
    raise not_found('Got an invalid (or empty) URL')


def _authorize(state, caller, action, ip):
    """The owner's classic credentials have every right; a service account needs a policy."""
    if caller.scheme != 'oauth2' or action is None:
        return
    if not iam.is_allowed(state, caller.identity, action, state.owner.resource_urn, ip):
        raise forbidden('User not granted for this request',
                        {'unauthorizedActionsByIAM': action, 'unauthorizedActionsByAuthentication': ''})


def handle(state, request):
    """Serve one API request (the caller holds ``state.lock``)."""
    if request.path == authn.TOKEN_PATH:
        reply, identity = authn.issue_token(state, request)
        return Outcome(reply, 'none', identity)
    outcome = Outcome(None, authn.scheme_of(request.headers))
    try:
        routes, path = _routes_for(request.path)
        route, params = resolve(routes, request.method, path)
        outcome.action = route.action
        caller = authn.Caller('none') if route.public else authn.authenticate(state, request)
        outcome.auth, outcome.identity = caller.scheme, caller.identity
        _authorize(state, caller, route.action, request.remote_ip)
        result = route.handler(Call(state, request, caller, params))
        outcome.reply = result if isinstance(result, Reply) else Reply(200, result)
    except ApiError as error:
        if request.path.startswith('/v2/'):
            _v2_error_class(error)
        outcome.reply = error.reply()
    return outcome


def _v2_error_class(error):
    """API v2 validation errors carry a third segment (``Client::BadRequest::INVALID_FORMAT``, MC iam.service.js)."""
    if error.body.get('class') == 'Client::BadRequest' and error.body.get('message', '').startswith('['):
        code = 'MISSING_PARAMETER' if 'Property is mandatory' in error.body['message'] else 'INVALID_FORMAT'
        error.body['class'] += '::' + code
