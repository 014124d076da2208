"""IAM authorization checks for the caller (IAM.json ``Authorization``): which of some actions the calling identity
may do on one resource, or on several. Answered by ``iam.is_allowed``, the evaluator that enforces IAM on every
other route, so what a check says is what a call would get.

``POST /v2/iam/resource/{resourceURN}/authorization/check {actions}`` -> ``iam.AuthorizeResponse``;
``POST /v2/iam/authorization/check {actions, resourceURNs}`` -> ``[iam.AuthorizeBatchResponse]`` (marked
"Internal use only" in IAM.json). Neither operation names an IAM action (no ``x-iam-actions``): any authenticated
caller may ask about itself.
"""

from . import fields, iam
from .common import bad_request, not_found
from .routing import Route


def _verdicts(call, resource_urn, actions):
    if not iam.resource_urn_valid(resource_urn) or ':resourceGroup:' in resource_urn or '*' in resource_urn:
        raise bad_request('Invalid resource URN %r: expected urn:v1:<region>:resource:<type>:<name>' % resource_urn, 'INVALID_FORMAT')
    if resource_urn not in call.state.resources:
        raise not_found('Resource %s does not exist' % resource_urn)
    allowed, refused = [], []
    for action in actions:
        # as api._authorize: the owner's classic credentials are never checked against policies
        verdict = call.caller.scheme == 'signed' or iam.is_allowed(call.state, call.caller.identity, action, resource_urn,
                                                                   call.request.remote_ip)
        (allowed if verdict else refused).append(action)
    return {'authorizedActions': allowed, 'unauthorizedActions': refused}


def _actions(body):
    actions = fields.string_array(body, 'actions')
    for index, action in enumerate(actions):
        if not action:
            raise fields.field_error('actions.%d' % index, 'Invalid action: empty string')
    return actions


def check_resource(call):
    return _verdicts(call, call.params['resourceURN'], _actions(call.json()))


def check_batch(call):
    body = call.json()
    actions = _actions(body)
    urns = fields.string_array(body, 'resourceURNs')
    return [dict(_verdicts(call, urn, actions), resourceURN=urn) for urn in urns]


ROUTES = (
    Route('POST', '/iam/resource/{resourceURN}/authorization/check', check_resource),
    Route('POST', '/iam/authorization/check', check_batch),
)
