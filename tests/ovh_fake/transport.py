"""HTTP side of the fake: a threading HTTP/1.1 server with keep-alive, faults, latency and the request log."""

import argparse
import itertools
import json
import secrets
import signal
import socket
import ssl
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import api, authn, control
from .common import Reply, Request, dumps, status_class
from .store import Owner, State

CONTROL_PREFIX = '/_fake'
LOGGED_PAGINATION_HEADERS = ('X-Pagination-Mode', 'X-Pagination-Size', 'X-Pagination-Number', 'X-Pagination-Cursor')


class BadRequestBody(Exception):
    pass


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state, scheme='http', verbose=False):
        ThreadingHTTPServer.__init__(self, address, Handler)
        self.state = state
        self.scheme = scheme
        self.verbose = verbose
        self._query_numbers = itertools.count(1)

    def query_id(self):
        """An ``X-Ovh-QueryID`` shaped like OVHcloud's, e.g. ``EU.ext-3.65a2b4c1.17.9c0d...``."""
        number = next(self._query_numbers)
        return '%s.ext-%d.%08x.%d.%s' % (self.state.owner.region.upper(), 1 + number % 6, int(time.time()),
                                         number, secrets.token_hex(8))

    def handle_error(self, request, client_address):
        if self.verbose:
            ThreadingHTTPServer.handle_error(self, request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'ovh-fake/1.0'
    timeout = 300
    _counted_in = None  # the state generation in which this connection was last counted

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        # Headers and body are two writes: without NODELAY, Nagle plus delayed ACKs add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format, *args):
        if self.server.verbose:
            BaseHTTPRequestHandler.log_message(self, format, *args)

    # -- request reading

    def _read_body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            return self._read_chunked()
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            raise BadRequestBody('invalid Content-Length') from None
        return self.rfile.read(length) if length > 0 else b''

    def _read_chunked(self):
        chunks = []
        while True:
            try:
                size = int(self.rfile.readline().split(b';')[0].strip(), 16)
            except ValueError:
                raise BadRequestBody('invalid chunked body') from None
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return b''.join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    # -- dispatch

    def _dispatch(self):
        try:
            body = self._read_body()
        except BadRequestBody as error:
            self.close_connection = True
            self._write(Reply(400, {'class': 'Client::BadRequest', 'message': str(error)}))
            return
        path = self.path.partition('?')[0]
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + '/'):
            self._write(control.handle(self.server.state, self.command, path, body))
        else:
            request = Request(self.command, self.path, self.headers, body, self.server.scheme)
            request.remote_ip = self.client_address[0]
            self._serve_api(request)

    def _serve_api(self, request):
        state = self.server.state
        self._count_connection(state)
        fault = state.take_fault(request.method, request.path)
        delay_ms = state.latency_ms + (fault['delay_ms'] if fault else 0)
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        if fault and not fault['apply']:
            outcome = api.Outcome(None, authn.scheme_of(request.headers))
        else:
            outcome = self._run(state, request)
        reply = _fault_reply(fault, outcome.reply)
        reply.headers['X-Ovh-QueryID'] = self.server.query_id()
        state.log_request(_log_entry(request, reply, outcome, fault))
        if fault and fault['status'] == 0:
            self.close_connection = True
            return
        self._write(reply)

    def _run(self, state, request):
        try:
            with state.lock:
                return api.handle(state, request)
        except Exception as error:
            # A bug of the fake must still be a well-formed answer, not a dropped connection.
            if self.server.verbose:
                traceback.print_exc()
            reply = Reply(500, {'class': 'Server::InternalServerError', 'message': 'Internal error of the fake: %r' % error})
            return api.Outcome(reply, authn.scheme_of(request.headers))

    def _count_connection(self, state):
        """Count this connection once per state generation, on its first API request."""
        if self._counted_in != state.generation:
            self._counted_in = state.count_connection()

    def _write(self, reply):
        payload = dumps(reply.body).encode('utf-8')
        self.send_response(reply.status)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def _fault_reply(fault, reply):
    """The answer a fault imposes; an applied fault with a 2xx status keeps the real answer (a pure delay)."""
    if fault is None or (fault['apply'] and 200 <= fault['status'] < 300):
        return reply
    status = fault['status']
    body = None
    if status >= 400:
        body = {'class': status_class(status), 'message': 'Injected fault: HTTP %d' % status}
    headers = {}
    if fault['retry_after'] is not None:
        headers['Retry-After'] = str(fault['retry_after'])
    return Reply(status, body, headers)


def _log_entry(request, reply, outcome, fault):
    pagination = {name: request.headers[name] for name in LOGGED_PAGINATION_HEADERS if name in request.headers}
    return {
        'method': request.method, 'path': request.path, 'query': request.query,
        'status': 0 if fault and fault['status'] == 0 else reply.status, 'auth': outcome.auth, 'identity': outcome.identity,
        'fault': bool(fault), 'action': outcome.action, 'query_id': reply.headers['X-Ovh-QueryID'],
        'user_agent': request.headers.get('User-Agent'), 'pagination': pagination, 'time': time.time(),
    }


# -- command line


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Local, stateful fake of the OVHcloud API (v1 /me, OAuth2, v2 IAM).')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--region', choices=('eu', 'ca', 'us'), default='eu')
    parser.add_argument('--nic', default='xx1111-ovh', help='nichandle of the fake account')
    parser.add_argument('--latency-ms', type=int, default=0, help='sleep this long before answering each API request')
    parser.add_argument('--no-expansion', action='store_true', help='ignore X-Pagination-Mode: CachedObjectList-Pages')
    parser.add_argument('--tls-cert', help='serve https with this PEM certificate (chain)')
    parser.add_argument('--tls-key', help='PEM private key of --tls-cert (when not in the same file)')
    parser.add_argument('--verbose', action='store_true', help='log requests and errors to stderr')
    # Behaviours no public source settles (docs/api-fidelity.md): the fake can take either side.
    parser.add_argument('--put-absent', choices=('clear', 'keep'), default='clear',
                        help='what a policy PUT does to an optional field it omits or sends as null')
    parser.add_argument('--v2-default-page-size', default='100',
                        help="v2 list page size without X-Pagination-Size: a number, or 'all' for every item at once")
    parser.add_argument('--expiry-echo', choices=('normalised', 'as-sent'), default='normalised',
                        help='whether expiredAt is answered in UTC or exactly as the client sent it')
    args = parser.parse_args(argv)
    if args.latency_ms < 0:
        parser.error('--latency-ms must be >= 0')
    if args.tls_key and not args.tls_cert:
        parser.error('--tls-key needs --tls-cert')
    if args.v2_default_page_size != 'all' and not (args.v2_default_page_size.isdigit() and int(args.v2_default_page_size) > 0):
        parser.error("--v2-default-page-size must be a positive number or 'all'")
    return args


def startup_line(server, state):
    """The one JSON line printed on stdout once the server listens."""
    host, port = server.server_address[:2]
    if host in ('0.0.0.0', ''):
        host = '127.0.0.1'
    url = '%s://%s:%d' % (server.scheme, host, port)
    owner = state.owner
    return {
        'url': url, 'endpoint': url + '/1.0', 'token_url': url + authn.TOKEN_PATH, 'nic': owner.nic,
        'region': owner.region, 'application_key': owner.application_key,
        'application_secret': owner.application_secret, 'consumer_key': owner.consumer_key,
    }


class _Stop(Exception):
    pass


def _stop(_signum, _frame):
    raise _Stop()


def main(argv=None):
    args = parse_args(argv)
    knobs = {'put_absent': args.put_absent, 'expiry_echo': args.expiry_echo,
             'v2_default_page_size': None if args.v2_default_page_size == 'all' else int(args.v2_default_page_size)}
    state = State(Owner(args.region, args.nic), latency_ms=args.latency_ms, expansion=not args.no_expansion, knobs=knobs)
    server = FakeServer((args.host, args.port), state, 'https' if args.tls_cert else 'http', args.verbose)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in each connection's thread (Handler.setup), never in the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        sys.stdout.write(json.dumps(startup_line(server, state)) + '\n')
        sys.stdout.flush()
        server.serve_forever()
    except _Stop:
        pass
    finally:
        server.server_close()
    return 0
