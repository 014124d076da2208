# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Typed errors raised by the API client; modules turn them into fail_json in one place."""

from __future__ import annotations


class OvhError(Exception):
    """Anything that stops a task before or outside an HTTP exchange (bad settings, bad input)."""

    def as_dict(self):
        return {}


class OvhConfigError(OvhError):
    """The connection settings are missing, contradictory or unreadable."""


class OvhInputError(OvhError):
    """A value given to a module cannot be used (found before the request that would carry it)."""


class OvhApiError(OvhError):
    """An HTTP exchange with the OVHcloud API ended in an error.

    ``may_have_applied`` is true when a write may have been carried out although no success
    answer came back (5xx or a lost response after the request was sent); callers reconcile.
    """

    def __init__(self, method, path, status=None, error_class=None, message=None, details=None,
                 query_id=None, error_code=None, may_have_applied=False):
        self.method = method
        self.path = path
        self.status = status
        self.error_class = error_class
        self.message = message or ''
        self.details = details or {}
        self.query_id = query_id
        self.error_code = error_code
        self.may_have_applied = may_have_applied
        self.hint = None
        self.credentials_refused = False
        super().__init__(self.describe())

    def add_hint(self, text):
        """What to check, appended to the message (where each credential came from, the refused identity)."""
        self.hint = '%s; %s' % (self.hint, text) if self.hint else text
        self.args = (self.describe(),)

    @property
    def is_not_found(self):
        return self.status == 404

    @property
    def is_forbidden(self):
        return self.status == 403

    @property
    def is_already_exists(self):
        """A name already taken (409, or a class such as ``Client::Conflict::POLICY_ALREADY_EXISTS``)."""
        return self.status == 409 or str(self.error_class or '').endswith('ALREADY_EXISTS')

    @property
    def missing_actions(self):
        """The IAM actions OVHcloud says the caller lacks, when it says so."""
        actions = self.details.get('unauthorizedActionsByIAM') if isinstance(self.details, dict) else None
        if not actions:
            return []
        if isinstance(actions, str):
            return [a.strip() for a in actions.split(',') if a.strip()]
        return list(actions)

    def describe(self):
        what = '%s %s' % (self.method, self.path)
        kind = ' '.join(str(part) for part in (self.status, self.error_class or self.error_code) if part)
        text = '%s failed' % what
        if kind:
            text += ' (%s)' % kind
        if self.message:
            text += ': %s' % self.message
        if self.missing_actions:
            text += '. Missing IAM action(s): %s; add them to a policy that lists this identity' % ', '.join(self.missing_actions)
        if self.hint:
            text += '. %s' % self.hint
        if self.query_id:
            text += ' [OVH query id: %s]' % self.query_id
        return text

    def as_dict(self):
        return {
            'method': self.method,
            'path': self.path,
            'status': self.status,
            'class': self.error_class,
            'error_code': self.error_code,
            'message': self.message,
            'details': self.details,
            'query_id': self.query_id,
            'may_have_applied': self.may_have_applied,
            'hint': self.hint,
        }


class OvhTransportError(OvhApiError):
    """No HTTP answer at all: connection refused, reset, timed out, TLS failure."""


# errorCode (or message) of a signed-request refusal: (the credentials to check, why)
_SIGNED_REFUSALS = (
    (('INVALID_KEY',), ('application key is invalid',), ('application_key',),
     'OVHcloud does not know this application key on endpoint %(endpoint)s (application keys belong to one region)'),
    (('NOT_CREDENTIAL', 'INVALID_CREDENTIAL'), ('credential does not exist', 'credential is not valid', 'requires a consumer key'),
     ('consumer_key', 'application_key'),
     'the consumer key is unknown, expired or revoked, or was issued for another application key'),
    (('INVALID_SIGNATURE',), ('invalid signature',), ('application_secret', 'application_key'),
     'the application secret is not the one of this application key'),
    (('NOT_GRANTED_CALL',), ('has not been granted',), ('consumer_key',),
     "the consumer key's access rules do not cover this method and path; create a consumer key whose rules do"),
)
# Refusals of the credentials themselves: no identity was recognised, so none is named.
_CREDENTIAL_CODES = ('INVALID_KEY', 'NOT_CREDENTIAL', 'INVALID_CREDENTIAL', 'INVALID_SIGNATURE')

_TOKEN_REFUSALS = {
    'invalid_client': (('auth_client_id', 'auth_client_secret'),
                       'OVHcloud knows no service account with this ID and secret on endpoint %(endpoint)s (deleted, '
                       'of another region, or a secret replaced by a rotation)'),
    'unauthorized_client': (('auth_client_id',), 'this client may not use the client-credentials flow: log in with a '
                                                 'service account whose flow is CLIENT_CREDENTIALS'),
}


def _checked(settings, names):
    return ', '.join('%s (from %s)' % (name, settings.origin(name)) for name in names)


def add_auth_hint(error, settings):
    """Name what to check, and where each credential came from, on an authentication refusal.

    The 403 of an identity that lacks rights is named by the module (OvhClient.name_refused_identity), as
    it may need one more request, on the failure path only.
    """
    code = (error.error_code or '').strip()
    text = (error.message or '').lower()
    values = {'endpoint': settings.endpoint}
    if settings.auth_method == 'oauth2' and code in _TOKEN_REFUSALS:
        names, why = _TOKEN_REFUSALS[code]
        error.add_hint('Check %s: %s' % (_checked(settings, names), why % values))
        error.credentials_refused = True
    elif settings.auth_method == 'oauth2' and code and code == code.lower() and error.status in (400, 401):
        error.add_hint('Check %s' % _checked(settings, ('auth_client_id', 'auth_client_secret', 'token_url')))
    elif settings.auth_method == 'signed' and error.status in (400, 401, 403):
        for codes, phrases, names, why in _SIGNED_REFUSALS:
            if code in codes or any(phrase in text for phrase in phrases):
                error.add_hint('Check %s: %s' % (_checked(settings, names), why % values))
                error.credentials_refused = codes[0] in _CREDENTIAL_CODES
                return
    elif error.status == 401 and settings.auth_method == 'access_token':
        error.add_hint('Check %s: it is expired, revoked, or not a token of endpoint %s'
                       % (_checked(settings, ('access_token',)), settings.endpoint))
    elif error.status == 401 and settings.auth_method == 'oauth2':
        error.add_hint('The token of %s was refused even fresh; check %s'
                       % (_checked(settings, ('auth_client_id',)), _checked(settings, ('endpoint', 'token_url'))))
