"""Route tables: an OpenAPI path template, its handler and the IAM action the schemas give it."""

import re
from urllib.parse import unquote

from .common import ApiError, not_found, parse_json_body


class Route:
    """``action`` is the operation's ``x-iam-actions`` name (None: any authenticated identity may call it)."""

    def __init__(self, method, template, handler, action=None, public=False):
        self.method = method
        self.template = template
        self.handler = handler
        self.action = action
        self.public = public
        self.regex = re.compile('^' + re.sub(r'\\\{(\w+)\\\}', r'(?P<\1>[^/]+)', re.escape(template)) + '$')


class Call:
    """What a handler gets: the state, the request, the authenticated caller and the path parameters."""

    def __init__(self, state, request, caller, params):
        self.state = state
        self.request = request
        self.caller = caller
        self.params = params
        self.query = request.params
        self.headers = request.headers

    def json(self):
        return parse_json_body(self.request.body)


def resolve(routes, method, path):
    """(route, path parameters) for this request; 404 for an unknown path, 405 for a known path and another method."""
    methods = []
    for route in routes:
        match = route.regex.match(path)
        if not match:
            continue
        if route.method == method:
            return route, {name: unquote(value) for name, value in match.groupdict().items()}
        methods.append(route.method)
    if methods:
        error = ApiError(405, 'Client::MethodNotAllowed', 'Method %s is not allowed on this path (allowed: %s)' % (method, ', '.join(methods)))
        error.headers['Allow'] = ', '.join(methods)
        raise error
    raise not_found('Got an invalid (or empty) URL')
