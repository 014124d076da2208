# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Local users and user groups (``/me/identity``): reads, decisions, writes.

Shapes come from OVHcloud's me.json (auth.User, auth.UserRequest, auth.Group, auth.GroupRequest). Modules call
these functions; nothing here calls fail_json. The tags of IAM resources live in ``_iam_resources``.
"""

from __future__ import annotations

import re

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError

USERS_PATH = '/me/identity/user'
GROUPS_PATH = '/me/identity/group'
ROLES = ('ADMIN', 'REGULAR', 'UNPRIVILEGED', 'NONE')
DISABLED = 'DISABLED'
# What OVHcloud's Terraform provider sends when no group is given (ovh_me_identity_user: group defaults to DEFAULT).
DEFAULT_USER_GROUP = 'DEFAULT'
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')


def user_path(login):
    return '%s/%s' % (USERS_PATH, escape_path_segment(login))


def group_path(name):
    return '%s/%s' % (GROUPS_PATH, escape_path_segment(name))


# ---------------------------------------------------------------------------- shapes

def user_from_api(api_user):
    """The snake_case view of an ``auth.User`` (the password is never readable)."""
    status = api_user.get('status')
    return {
        'login': api_user.get('login'),
        'email': api_user.get('email'),
        'description': api_user.get('description'),
        'group': api_user.get('group'),
        'enabled': status != DISABLED,
        'status': status,
        'type': api_user.get('type'),
        'urn': api_user.get('urn'),
        'created_at': api_user.get('creation'),
        'last_update': api_user.get('lastUpdate'),
        'password_last_update': api_user.get('passwordLastUpdate'),
    }


def group_from_api(api_group):
    """The snake_case view of an ``auth.Group``."""
    return {
        'name': api_group.get('name'),
        'description': api_group.get('description'),
        'role': api_group.get('role'),
        'default_group': bool(api_group.get('defaultGroup')),
        'urn': api_group.get('urn'),
        'created_at': api_group.get('creation'),
        'last_update': api_group.get('lastUpdate'),
    }


def planned_user(login, email, description, group, enabled):
    """The user a create would make, for check mode (server-side fields are None)."""
    return {'login': login, 'email': email, 'description': description if description is not None else '',
            'group': group, 'enabled': enabled, 'status': 'OK' if enabled else DISABLED, 'type': 'USER', 'urn': None,
            'created_at': None, 'last_update': None, 'password_last_update': None}


def planned_group(name, description, role):
    return {'name': name, 'description': description, 'role': role, 'default_group': False, 'urn': None,
            'created_at': None, 'last_update': None}


# ---------------------------------------------------------------------------- input checks

def _name_problems(option, value, what):
    if value is None:
        return []
    if not value.strip() or value.strip() != value:
        return ['%s must be a non-empty %s without spaces around it, got %r.' % (option, what, value)]
    if '/' in value or _CONTROL.search(value):
        return ['%s %r must not contain "/" or control characters: it is the last part of the identity URN '
                '(urn:v1:<region>:identity:...:<nic>/<%s>).' % (option, value, what)]
    return []


def user_problems(params):
    """Everything wrong with ovh_iam_user's options, before any request."""
    problems = _name_problems('login', params['login'], 'login')
    problems += _name_problems('group', params.get('group'), 'group name')
    email = params.get('email')
    if email is not None and (email.count('@') != 1 or email.strip() != email or ' ' in email or email.startswith('@')
                              or email.endswith('@')):
        problems.append('email %r is not an email address such as alice@example.com.' % email)
    password = params.get('password')
    if password is not None and params['state'] == 'absent':
        problems.append('password is only used with state=present; remove it.')
    if password is not None and not password:
        problems.append('password must not be empty; leave it out to keep the current one.')
    return problems


def group_problems(params):
    return _name_problems('name', params['name'], 'group name')


# ---------------------------------------------------------------------------- decisions

def user_changes(current, params):
    """{field: new value} for description, email and group: options left unset keep the current value."""
    changes = {}
    for field in ('description', 'email', 'group'):
        wanted = params.get(field)
        if wanted is not None and wanted != current.get(field):
            changes[field] = wanted
    return changes


def user_update_body(current, changes):
    """The PUT body (auth.User writable fields): every writable field, as the Terraform provider sends it."""
    merged = dict(current, **changes)
    body = {'description': merged.get('description') or '', 'group': merged.get('group')}
    if merged.get('email') is not None:
        body['email'] = merged['email']
    return body


def user_create_body(params, password):
    body = {'login': params['login'], 'group': params.get('group') or DEFAULT_USER_GROUP}
    for field in ('email', 'description'):
        if params.get(field) is not None:
            body[field] = params[field]
    if password is not None:
        body['password'] = password
    return body


def group_changes(current, params):
    changes = {}
    for field in ('description', 'role'):
        wanted = params.get(field)
        if wanted is not None and wanted != current.get(field):
            changes[field] = wanted
    return changes


def group_update_body(current, changes):
    merged = dict(current, **changes)
    body = {'role': merged.get('role')}
    if merged.get('description') is not None:
        body['description'] = merged['description']
    return body


# ---------------------------------------------------------------------------- reads

def get_user(client, login):
    found = client.get_or_none(user_path(login))
    return user_from_api(found) if found is not None else None


def list_users(client):
    return sorted((user_from_api(item) for item in client.list_v1_expanded(USERS_PATH, item_path=user_path)),
                  key=lambda user: user['login'] or '')


def get_group(client, name):
    found = client.get_or_none(group_path(name))
    return group_from_api(found) if found is not None else None


def list_groups(client):
    return sorted((group_from_api(item) for item in client.list_v1_expanded(GROUPS_PATH, item_path=group_path)),
                  key=lambda group: group['name'] or '')


# ---------------------------------------------------------------------------- writes
#
# A POST whose answer was lost (connection dropped, timeout, 5xx) may have been carried out, and the client does
# not send it again. Each write below then reads the object back: when it already is as the write would leave it,
# the write took and the task goes on; otherwise the error stands.

def _reconciled(write, took):
    try:
        return write()
    except OvhApiError as exc:
        if getattr(exc, 'may_have_applied', False) and took():
            return None
        raise


def create_user(client, body):
    _reconciled(lambda: client.post(USERS_PATH, body), lambda: get_user(client, body['login']) is not None)


def update_user(client, login, body):
    client.put(user_path(login), body)


def set_user_enabled(client, login, enabled):
    def took():
        found = get_user(client, login)
        return found is not None and found['enabled'] == enabled
    _reconciled(lambda: client.post('%s/%s' % (user_path(login), 'enable' if enabled else 'disable')), took)


def delete_user(client, login):
    return client.delete_if_exists(user_path(login))


def create_group(client, body):
    """The auth.Group answered, or None when the answer was lost but the group exists (read it back)."""
    return _reconciled(lambda: client.post(GROUPS_PATH, body), lambda: get_group(client, body['name']) is not None)


def update_group(client, name, body):
    client.put(group_path(name), body)


def delete_group(client, name):
    return client.delete_if_exists(group_path(name))
