# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Local users and user groups (``/me/identity``) and the caller (``/auth/details``): reads, decisions, writes.

Shapes come from OVHcloud's me.json (auth.User, auth.UserRequest, auth.Group, auth.GroupRequest). Modules call
these functions; nothing here calls fail_json. The tags of IAM resources live in ``_iam_resources``.
"""

from __future__ import annotations

import re

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import detach_identity, policies_with_identity

USERS_PATH = '/me/identity/user'
GROUPS_PATH = '/me/identity/group'
CALLER_PATH = '/auth/details'
# What the caller may do: one resource per request, or (a route OVHcloud marks "Internal use only") all at once.
CALLER_CHECK_PATH = '/v2/iam/resource/%s/authorization/check'
CALLER_BATCH_CHECK_PATH = '/v2/iam/authorization/check'
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

def _changes(current, params, fields):
    """{field: new value} for ``fields``: options left unset keep the current value."""
    return dict((field, params[field]) for field in fields
                if params.get(field) is not None and params[field] != current.get(field))


def user_changes(current, params):
    return _changes(current, params, ('description', 'email', 'group'))


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
    return _changes(current, params, ('description', 'role'))


def group_update_body(current, changes):
    merged = dict(current, **changes)
    body = {'role': merged.get('role')}
    if merged.get('description') is not None:
        body['description'] = merged['description']
    return body


# ---------------------------------------------------------------------------- reads

def _get(api, path, view):
    found = api.get_or_none(path)
    return view(found) if found is not None else None


def _list(api, path, item_path, view, key):
    return sorted((view(item) for item in api.list_v1_expanded(path, item_path=item_path)), key=lambda item: item[key] or '')


def get_user(api, login):
    return _get(api, user_path(login), user_from_api)


def list_users(api):
    return _list(api, USERS_PATH, user_path, user_from_api, 'login')


def get_group(api, name):
    return _get(api, group_path(name), group_from_api)


def list_groups(api):
    return _list(api, GROUPS_PATH, group_path, group_from_api, 'name')


def list_user_logins(api):
    """The login of every local user: one request (list_users reads each user)."""
    return [login for login in api.get(USERS_PATH) or () if isinstance(login, str)]


def list_group_names(api):
    """The name of every user group: one request (list_groups reads each group)."""
    return [name for name in api.get(GROUPS_PATH) or () if isinstance(name, str)]


# ---------------------------------------------------------------------------- the caller

def caller_details(api):
    """GET /auth/details, in snake_case: who the credentials of this task are."""
    details = api.get(CALLER_PATH) or {}
    return {'account': details.get('account'), 'identities': details.get('identities') or [],
            'method': details.get('method'), 'user': details.get('user'), 'description': details.get('description'),
            'roles': details.get('roles') or []}


def check_caller(api, resource_urns, actions, batch=False):
    """The API's own verdicts for the caller: per resource, the authorized and unauthorized actions."""
    if batch:
        answers = api.post(CALLER_BATCH_CHECK_PATH, {'actions': list(actions), 'resourceURNs': list(resource_urns)}) or []
        by_urn = {answer.get('resourceURN'): answer for answer in answers}
        answered = [(urn, by_urn.get(urn) or {}) for urn in resource_urns]
    else:
        answered = [(urn, api.post(CALLER_CHECK_PATH % escape_path_segment(urn), {'actions': list(actions)}) or {})
                    for urn in resource_urns]
    return [{'resource': urn, 'authorized_actions': sorted(answer.get('authorizedActions') or []),
             'unauthorized_actions': sorted(answer.get('unauthorizedActions') or [])} for urn, answer in answered]


# ---------------------------------------------------------------------------- writes
#
# A POST whose answer was lost (connection dropped, timeout, 5xx) may have been carried out, and the HTTP client does
# not send it again. Each write below then reads the object back: when it already is as the write would leave it,
# the write took and the task goes on; otherwise the error stands (api.post_reconciled).


def create_user(api, body):
    """The auth.User answered, or read back when the answer was lost but the user exists."""
    return api.post_reconciled(USERS_PATH, body, lambda _error: api.get_or_none(user_path(body['login'])))


def update_user(api, login, body):
    api.put(user_path(login), body)


def set_user_enabled(api, login, enabled):
    def landed(_error):
        found = get_user(api, login)
        return found if found is not None and found['enabled'] == enabled else None
    api.post_reconciled('%s/%s' % (user_path(login), 'enable' if enabled else 'disable'), None, landed)


def delete_user(api, login):
    return api.delete_if_exists(user_path(login))


def create_group(api, body):
    """The group created, in snake_case: as answered, or read back when the answer was lost or holds no group."""
    answered = api.post_reconciled(GROUPS_PATH, body, lambda _error: api.get_or_none(group_path(body['name'])))
    if isinstance(answered, dict) and answered.get('name'):
        return group_from_api(answered)
    return get_group(api, body['name'])


def update_group(api, name, body):
    api.put(group_path(name), body)


def delete_group(api, name):
    return api.delete_if_exists(group_path(name))


# ---------------------------------------------------------------------------- what users and groups share

def create_or_find_taken(create, read):
    """(what ``create()`` answered, None), or (None, what another writer created under the same name between this
    task's read and its create) when the create answered 409 Conflict and ``read()`` finds it. Other errors stand."""
    try:
        return create(), None
    except OvhApiError as exc:
        found = read() if exc.status == 409 else None
        if found is None:
            raise
        return None, found


def detach_from_policies(api, urn, delete_if_empty, check_mode, warn):
    """Take the identity ``urn`` out of every policy that lists it: one full PUT per policy (a DELETE when none
    would remain and ``delete_if_empty``). Read-only policies are not touched and are named in a warning.
    Returns ``[{id, name, deleted}]``; in check mode nothing is sent."""
    policies = policies_with_identity(api, urn)
    for policy in policies:
        if policy.get('readOnly'):
            warn('Policy %s (%s) is read-only (managed by OVHcloud) and still lists %s; it was not changed.'
                 % (policy['name'], policy['id'], urn))
    return [detach_identity(api, policy, urn, delete_if_empty=delete_if_empty, check_mode=check_mode)
            for policy in policies if not policy.get('readOnly')]


def retire(api, identity, delete, params, check_mode, warn):
    """Delete a user or group (``delete()``, not in check mode), first taking its identity URN out of the policies
    when ``params['detach_policies']``. A refused delete says which policies were already changed.
    Returns the detached policies."""
    detached = []
    if params['detach_policies'] and identity['urn']:
        detached = detach_from_policies(api, identity['urn'], params['delete_empty_policies'], check_mode, warn)
    if not check_mode:
        try:
            delete()
        except OvhApiError as exc:
            if detached:
                exc.add_hint('%s was already taken out of the policies %s'
                             % (identity['urn'], ', '.join(policy['name'] for policy in detached)))
            raise
    return detached
