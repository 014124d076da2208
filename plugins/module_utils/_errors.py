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
        super().__init__(self.describe())

    @property
    def is_not_found(self):
        return self.status == 404

    @property
    def is_forbidden(self):
        return self.status == 403

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
        }


class OvhTransportError(OvhApiError):
    """No HTTP answer at all: connection refused, reset, timed out, TLS failure."""
