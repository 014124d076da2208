"""Local users and user groups (/me/identity, me.json) and resource tags (iam.json).

Stored objects live in ``state.identity_users`` (login -> auth.User + ``_password``) and ``state.identity_groups``
(name -> auth.Group); both are made by ``seed`` on every reset, with OVHcloud's default groups.
"""

import collections
import re

from . import fields
from .common import ApiError, bad_request, forbidden, iso_v1, not_found
from .routing import Route
from .store import public

USER_ACTION = 'account:apiovh:me/identity/user/'
GROUP_ACTION = 'account:apiovh:me/identity/group/'
TAG_ACTION = 'account:apiovh:iam/resource/tag/'
ROLES = ('ADMIN', 'NONE', 'REGULAR', 'UNPRIVILEGED')
DEFAULT_USER_GROUP = 'DEFAULT'  # TF ovh_me_identity_user: group defaults to "DEFAULT"
# The default groups every account has (auth.Group.defaultGroup: "can't be edited or deleted"); names from the ovh/docs
# iam-policies-api guide's GET /me/identity/group example, roles assumed (tests/ovh_fake/README.md).
DEFAULT_GROUPS = (('ADMIN', 'ADMIN'), ('DEFAULT', 'REGULAR'), ('UNPRIVILEGED', 'UNPRIVILEGED'))
# iam.resource.AddTag: key '^[a-zA-Z0-9_.:/=+@-]{1,128}\z', value '^[a-zA-Z0-9_.:/=+@-]{0,256}\z'.
TAG_KEY = re.compile(r'^[a-zA-Z0-9_.:/=+@-]{1,128}\Z')
TAG_VALUE = re.compile(r'^[a-zA-Z0-9_.:/=+@-]{0,256}\Z')
# iam.resource.Resource.tags: "Tags that were internally computed are prefixed with ovh:"; TF refuses to set them.
MANAGED_TAG_PREFIX = 'ovh:'


def seed(state):
    """Called on every reset: no user, OVHcloud's default groups."""
    state.tag_post_existing = 'overwrite'
    state.identity_users = collections.OrderedDict()
    state.identity_groups = collections.OrderedDict()
    for name, role in DEFAULT_GROUPS:
        _store_group(state, name, 'Default group %s' % name, role, default=True)


def _stamp(state):
    return iso_v1(state.now())


def _store_group(state, name, description, role, default=False):
    stamp = _stamp(state)
    group = {'name': name, 'description': description, 'role': role, 'defaultGroup': default, 'creation': stamp,
             'lastUpdate': stamp, 'urn': 'urn:v1:%s:identity:group:%s/%s' % (state.owner.region, state.owner.nic, name)}
    state.identity_groups[name] = group
    return group


def identities_of(state, identity):
    """The URNs a caller acts as: itself, and for a local user the group it belongs to."""
    prefix = 'urn:v1:%s:identity:user:%s/' % (state.owner.region, state.owner.nic)
    found = [identity]
    if isinstance(identity, str) and identity.startswith(prefix):
        user = getattr(state, 'identity_users', {}).get(identity[len(prefix):])
        group = user and getattr(state, 'identity_groups', {}).get(user['group'])
        if group:
            found.append(group['urn'])
    return found


# -- users


def _login(body):
    login = fields.string(body, 'login')
    if not login or '/' in login or login.strip() != login:
        raise fields.field_error('login', 'Invalid login %r: expected a non-empty name without "/" or spaces around it' % login)
    return login


def _existing_group(state, body, path='group'):
    name = fields.string(body, 'group', required=False)
    if name is fields.MISSING:
        return fields.MISSING
    if name not in state.identity_groups:
        raise fields.field_error(path, 'Group %r does not exist' % name)
    return name


def list_users(call):
    return list(call.state.identity_users)


def create_user(call):
    state, body = call.state, call.json()
    login = _login(body)
    if login in state.identity_users:
        raise ApiError(409, 'Client::Conflict::UserAlreadyExists', 'User %s already exists' % login)
    group = _existing_group(state, body)
    email = fields.string(body, 'email', required=False)
    description = fields.string(body, 'description', required=False)
    password = fields.string(body, 'password', required=False)
    fields.enum(body, 'type', ('ROOT', 'SERVICE', 'USER'), required=False)
    stamp = _stamp(state)
    state.identity_users[login] = {
        'login': login, 'email': None if email is fields.MISSING else email,
        'description': '' if description is fields.MISSING else description,
        'group': DEFAULT_USER_GROUP if group is fields.MISSING else group, 'creation': stamp, 'lastUpdate': stamp,
        'passwordLastUpdate': stamp if password is not fields.MISSING else None, 'status': 'OK', 'type': 'USER',
        'urn': 'urn:v1:%s:identity:user:%s/%s' % (state.owner.region, state.owner.nic, login),
        '_password': None if password is fields.MISSING else password,
    }
    if password is not fields.MISSING:
        state.known_secrets.append(password)
    return None


def _user(call):
    user = call.state.identity_users.get(call.params['user'])
    if user is None:
        raise not_found('The requested object (user = %s) does not exist' % call.params['user'])
    return user


def get_user(call):
    return public(_user(call))


def edit_user(call):
    """auth.User: description, email and group change; the read-only fields are ignored (no password here)."""
    user, body = _user(call), call.json()
    changes = {}
    for name in ('description', 'email'):
        found = fields.string(body, name, required=False)
        if found is not fields.MISSING:
            changes[name] = found
    group = _existing_group(call.state, body)
    if group is not fields.MISSING:
        changes['group'] = group
    user.update(changes, lastUpdate=_stamp(call.state))
    return None


def _drop_user_tokens(state, urn):
    for token in [token for token, grant in state.tokens.items() if grant['identity'] == urn]:
        del state.tokens[token]


def delete_user(call):
    user = _user(call)
    del call.state.identity_users[user['login']]
    _drop_user_tokens(call.state, user['urn'])
    return None


def enable_user(call):
    _user(call).update(status='OK', lastUpdate=_stamp(call.state))
    return None


def disable_user(call):
    user = _user(call)
    user.update(status='DISABLED', lastUpdate=_stamp(call.state))
    _drop_user_tokens(call.state, user['urn'])
    return None


# -- groups


def list_groups(call):
    return list(call.state.identity_groups)


def create_group(call):
    state, body = call.state, call.json()
    name = fields.string(body, 'name')
    if not name or '/' in name or name.strip() != name:
        raise fields.field_error('name', 'Invalid group name %r: expected a non-empty name without "/"' % name)
    if name in state.identity_groups:
        raise ApiError(409, 'Client::Conflict::GroupAlreadyExists', 'Group %s already exists' % name)
    description = fields.string(body, 'description', required=False)
    role = fields.enum(body, 'role', ROLES, required=False)
    return _store_group(state, name, None if description is fields.MISSING else description,
                        'NONE' if role is fields.MISSING else role)


def _group(call):
    group = call.state.identity_groups.get(call.params['group'])
    if group is None:
        raise not_found('The requested object (group = %s) does not exist' % call.params['group'])
    return group


def _writable_group(call):
    group = _group(call)
    if group['defaultGroup']:
        raise forbidden('Group %s is a default group: it cannot be edited or deleted' % group['name'])
    return group


def get_group(call):
    return dict(_group(call))


def edit_group(call):
    group, body = _writable_group(call), call.json()
    changes = {}
    description = fields.string(body, 'description', required=False)
    if description is not fields.MISSING:
        changes['description'] = description
    role = fields.enum(body, 'role', ROLES, required=False)
    if role is not fields.MISSING:
        changes['role'] = role
    group.update(changes, lastUpdate=_stamp(call.state))
    return None


def delete_group(call):
    group = _writable_group(call)
    members = sorted(login for login, user in call.state.identity_users.items() if user['group'] == group['name'])
    if members:  # assumption: a group with members is not deleted (README)
        raise bad_request('Group %s still has users (%s): move them to another group first' % (group['name'], ', '.join(members)))
    del call.state.identity_groups[group['name']]
    return None


# -- resource tags (API v2; the caller's authorization checks are in authz.py)


def _resource(call):
    item = call.state.resources.get(call.params['resourceURN'])
    if item is None:
        raise not_found('Resource %s does not exist' % call.params['resourceURN'])
    return item


def add_tag(call):
    item, body = _resource(call), call.json()
    key = fields.string(body, 'key')
    value = fields.string(body, 'value')
    if not TAG_KEY.match(key):
        raise fields.field_error('key', "Invalid tag key %r: it must comply with '^[a-zA-Z0-9_.:/=+@-]{1,128}'" % key, 'INVALID_FORMAT')
    if not TAG_VALUE.match(value):
        raise fields.field_error('value', "Invalid tag value %r: it must comply with '^[a-zA-Z0-9_.:/=+@-]{0,256}'" % value, 'INVALID_FORMAT')
    if key.startswith(MANAGED_TAG_PREFIX):
        raise fields.field_error('key', 'Tag keys prefixed with ovh: are managed by OVHcloud and cannot be set', 'INVALID_FORMAT')
    if key in (item.get('tags') or {}) and call.state.tag_post_existing == 'conflict':
        raise ApiError(409, 'Client::Conflict', 'Tag %s already exists on resource %s' % (key, item['urn']))
    item['tags'] = dict(item.get('tags') or {}, **{key: value})
    return None


def remove_tag(call):
    item, key = _resource(call), call.params['key']
    tags = dict(item.get('tags') or {})
    if key.startswith(MANAGED_TAG_PREFIX):
        raise bad_request('Tag %s is managed by OVHcloud and cannot be removed' % key)
    if key not in tags:
        raise not_found('Tag %s does not exist on resource %s' % (key, item['urn']))
    del tags[key]
    item['tags'] = tags
    return None


# -- fake-only: a local user logs in


def issue_user_token(state, payload):
    """POST /_fake/user-token {"login"}: a bearer token acting as that local user (see README: fake-only device)."""
    user = state.identity_users.get(payload.get('login'))
    if user is None:
        raise ValueError('no local user has the login %r' % payload.get('login'))
    if user['status'] == 'DISABLED':
        raise ValueError('local user %s is disabled: it cannot log in' % user['login'])
    token = state.issue_token({'clientId': None, 'identity': user['urn']})
    return {'access_token': token, 'identity': user['urn']}


def set_resource_tags(state, payload):
    """POST /_fake/resource-tags {"urn", "tags"}: set a resource's tags as given, ovh: ones included (fake-only)."""
    item = state.resources.get(payload.get('urn'))
    tags = payload.get('tags')
    if item is None or not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ValueError('give the urn of a resource of the account and tags, an object of strings')
    item['tags'] = dict(tags)
    return public(item)


def set_tag_post_existing(state, payload):
    """POST /_fake/tag-post-existing {"mode": "overwrite"|"conflict"}: a side of an unknown of the API, until reset.

    Whether ``POST .../tag`` with a key the resource already has replaces its value or answers 409 is not settled by
    any public source (terraform writes tags with ``PUT /v2/iam/resource/{urn}``).
    """
    if payload.get('mode') not in ('overwrite', 'conflict'):
        raise ValueError('mode must be overwrite or conflict')
    state.tag_post_existing = payload['mode']
    return {'mode': state.tag_post_existing}


V1_ROUTES = (
    Route('GET', '/me/identity/user', list_users, USER_ACTION + 'get'),
    Route('POST', '/me/identity/user', create_user, USER_ACTION + 'create'),
    Route('GET', '/me/identity/user/{user}', get_user, USER_ACTION + 'get'),
    Route('PUT', '/me/identity/user/{user}', edit_user, USER_ACTION + 'edit'),
    Route('DELETE', '/me/identity/user/{user}', delete_user, USER_ACTION + 'delete'),
    Route('POST', '/me/identity/user/{user}/enable', enable_user, USER_ACTION + 'enable'),
    Route('POST', '/me/identity/user/{user}/disable', disable_user, USER_ACTION + 'disable'),
    Route('GET', '/me/identity/group', list_groups, GROUP_ACTION + 'get'),
    Route('POST', '/me/identity/group', create_group, GROUP_ACTION + 'create'),
    Route('GET', '/me/identity/group/{group}', get_group, GROUP_ACTION + 'get'),
    Route('PUT', '/me/identity/group/{group}', edit_group, GROUP_ACTION + 'edit'),
    Route('DELETE', '/me/identity/group/{group}', delete_group, GROUP_ACTION + 'delete'),
)

V2_ROUTES = (
    Route('POST', '/iam/resource/{resourceURN}/tag', add_tag, TAG_ACTION + 'add'),
    Route('DELETE', '/iam/resource/{resourceURN}/tag/{key}', remove_tag, TAG_ACTION + 'remove'),
)
