# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""Service accounts (OAuth2 clients, ``/me/api/oauth2/client``): read, create, update, delete, rotate.

Reusable by every module and role of the collection. ``api`` is always the HTTP client (OvhClient); a
"client" is an OAuth2 client, handed around in snake_case (``client_from_api``). The policies that list
a client's identity are handled by ``_iam_policy`` (rotation calls it). Nothing here calls ``fail_json``:
problems are raised as ``OvhError`` subclasses.

Stable helpers (other modules call them; keep their signatures):
``find_clients``, ``get_client``, ``create_client``, ``update_client``, ``delete_client``,
``client_from_api``, ``rotate_client``.
"""

from __future__ import annotations

import datetime
import time

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import escape_path_segment
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError
from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import add_identity, detach_identity, rewrite_policy

CLIENTS_PATH = '/me/api/oauth2/client'
FLOWS = ('CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE')

# Extra POST attempts after a lost create response (the first attempt is not counted).
CREATE_EXTRA_ATTEMPTS = 2
# Delays between GETs of a just-created client that is not readable yet (eventual consistency).
READ_BACK_DELAYS = (0.2, 0.4, 0.8, 1.6, 2.0)


class ClientLookupError(OvhError):
    """A client could not be chosen: several carry the name, or the given client_id does not exist."""


class LostCreateError(OvhError):
    """A create whose answer was lost could not be brought to exactly one client with a known secret."""


def _client_path(client_id):
    return '%s/%s' % (CLIENTS_PATH, escape_path_segment(client_id))


def client_from_api(answered):
    """The snake_case view of an ``oauth2.client`` (modules return this shape as ``client``)."""
    return {
        'client_id': answered.get('clientId'),
        'name': answered.get('name'),
        'description': answered.get('description'),
        'flow': answered.get('flow'),
        'callback_urls': list(answered.get('callbackUrls') or []),
        'identity': answered.get('identity'),
        'created_at': answered.get('createdAt'),
    }


def planned_client(name, description, flow, callback_urls):
    """The snake_case client a create would make, for check mode (server-side fields are None)."""
    return {
        'client_id': None,
        'name': name,
        'description': description,
        'flow': flow,
        'callback_urls': list(callback_urls or []),
        'identity': None,
        'created_at': None,
    }


# ---------------------------------------------------------------------------- reading clients

def get_client(api, client_id):
    """One client in snake_case, or None when it does not exist."""
    try:
        return client_from_api(api.get(_client_path(client_id)))
    except OvhApiError as exc:
        if exc.is_not_found:
            return None
        raise


def list_clients(api):
    """Every client of the account in snake_case (the ids list expanded concurrently)."""
    return [client_from_api(item) for item in api.list_v1_expanded(CLIENTS_PATH, item_path=_client_path)]


def find_clients(api, name=None, client_id=None, flow=None):
    """The clients matching every filter given, in snake_case, sorted by name then client_id.

    With ``client_id`` only that client is read (one GET; [] when it does not exist); otherwise
    every client is listed. ``name`` matches exactly (names are not unique on OVHcloud: callers
    decide what several matches mean). ``flow`` is CLIENT_CREDENTIALS or AUTHORIZATION_CODE.
    """
    if client_id is not None:
        found = get_client(api, client_id)
        candidates = [found] if found else []
    else:
        candidates = list_clients(api)
    matching = [c for c in candidates
                if (name is None or c['name'] == name) and (flow is None or c['flow'] == flow)]
    return sorted(matching, key=lambda c: (c['name'] or '', c['client_id'] or ''))


def find_one_client(api, name=None, client_id=None):
    """The client addressed by client_id (when given) or else by exact name; None when missing.

    Raises ClientLookupError when several clients carry the name: never guess.
    """
    matches = find_clients(api, name=None if client_id is not None else name, client_id=client_id)
    if len(matches) > 1:
        raise ClientLookupError(
            'Several OAuth2 clients are named %r: %s. Names are not unique on OVHcloud; give client_id to choose one '
            '(and delete the others with state=absent and their client_id).'
            % (name, ', '.join(c['client_id'] for c in matches)))
    return matches[0] if matches else None


def read_back(api, client_id, delays=READ_BACK_DELAYS, sleep=time.sleep):
    """GET a client just created, waiting briefly while it is not readable yet; None if it never shows."""
    for delay in tuple(delays) + (None,):
        found = get_client(api, client_id)
        if found is not None or delay is None:
            return found
        sleep(delay)
    return None


# ---------------------------------------------------------------------------- writing clients

def create_body(name, description, flow, callback_urls):
    """The POST body (``oauth2.clientRequest``); CLIENT_CREDENTIALS always sends []."""
    urls = list(callback_urls or []) if flow == 'AUTHORIZATION_CODE' else []
    return {'name': name, 'description': description, 'flow': flow, 'callbackUrls': urls}


def create_client(api, name, description, flow, callback_urls=None, known_ids=(), warn=None):
    """POST a new client and return ``(client_id, client_secret)``.

    When the answer is lost although the create may have been applied (``may_have_applied``), the
    clients named ``name`` that are not in ``known_ids`` (the ids that existed before) were made by
    this call and their secret was never received: they are deleted and the POST is sent again, at
    most CREATE_EXTRA_ATTEMPTS more times. So the call ends with exactly one new client whose
    secret is in hand, or raises with nothing left behind (LostCreateError says otherwise if a
    leftover could not be deleted). ``warn(text)``, when given, reports a leftover that only showed
    up after a retry succeeded, instead of raising and losing the secret in hand.
    """
    known = set(known_ids)
    lost, removed = [], []

    def landed(error):
        # Cleaned up, so sending again cannot leave two clients: never adopt one (its secret is gone).
        removed.extend(_remove_unanswered_creates(api, name, known, error))
        lost.append(error)
        return None
    try:
        answer = api.post_reconciled(CLIENTS_PATH, create_body(name, description, flow, callback_urls), landed,
                                     resends=CREATE_EXTRA_ATTEMPTS, resend_unanswered=True)
    except OvhApiError as exc:
        if lost and lost[-1] is exc:
            raise LostCreateError(
                'Creating OAuth2 client %r failed %d times without a usable answer (last: %s). Clients created '
                'meanwhile without a received secret were deleted (%s); nothing was left behind. Try again later.'
                % (name, len(lost), exc, ', '.join(removed) or 'none'))
        raise
    client_id, secret = _secret_answer(answer, name)
    if lost:
        _sweep_late_orphans(api, name, known | {client_id}, warn)
    return client_id, secret


def _sweep_late_orphans(api, name, keep, warn):
    """A lost create may become visible only after the retry succeeded: keep only the client whose secret we hold."""
    try:
        _remove_unanswered_creates(api, name, keep, 'an earlier attempt')
    except LostCreateError as exc:
        if warn is None:
            raise
        warn(str(exc))


def _secret_answer(answer, name):
    if not isinstance(answer, dict) or not answer.get('clientId') or not answer.get('clientSecret'):
        raise OvhError('POST %s answered without clientId and clientSecret while creating %r' % (CLIENTS_PATH, name))
    return answer['clientId'], answer['clientSecret']


def _remove_unanswered_creates(api, name, known, cause):
    """Delete clients named ``name`` that appeared since the POST; return their ids."""
    try:
        orphans = [c['client_id'] for c in find_clients(api, name=name) if c['client_id'] not in known]
    except OvhError as exc:
        raise LostCreateError(
            'The answer to creating OAuth2 client %r was lost (%s) and listing the clients to check failed (%s). '
            'A client named %r may exist without a known secret: find it with ovhcloud.iam.ovh_oauth2_client_info '
            'and delete it.' % (name, cause, exc, name))
    for orphan in orphans:
        try:
            delete_client(api, orphan)
        except OvhError as exc:
            raise LostCreateError(
                'The answer to creating OAuth2 client %r was lost (%s); client %s was created without a received '
                'secret and deleting it failed (%s). Delete it with ovhcloud.iam.ovh_oauth2_client (client_id=%s, '
                'state=absent).' % (name, cause, orphan, exc, orphan))
    return orphans


class ConcurrentCreateError(OvhError):
    """Another run created a client of the same name at the same time; this run deleted the one it created."""


def _created_order(found):
    """A comparable creation time (createdAt is an ISO date); None when it cannot be read."""
    text = (found or {}).get('created_at')
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None


def give_way_to_concurrent_create(api, name, client_id, known_ids=()):
    """After creating ``client_id``, leave at most one client named ``name``: the earliest one.

    Names are not unique on OVHcloud, so two runs that both found no client both create one. Each
    then looks again. A run that sees another new client of that name created before its own, or in
    the same second (createdAt has whole seconds, so the order is unknown), deletes its own client
    and raises ConcurrentCreateError. The earliest client survives: its creator sees no earlier one,
    and every later creator sees it, since it existed before their create. When both creates fall in
    the same second both runs give way: both fail clearly, nothing is left, and a re-run creates one.
    """
    earlier = earlier_twins(find_clients(api, name=name), client_id, known_ids)
    if not earlier:
        return
    delete_client(api, client_id)
    raise concurrent_create_error(name, earlier, client_id)


def earlier_twins(same_name, client_id, known_ids=()):
    """The clients of ``same_name`` (all carrying one name) that another run created before or with ``client_id``."""
    twins = [c for c in same_name if c['client_id'] not in set(known_ids) | {client_id}]
    if not twins:
        return []
    mine = _created_order(next((c for c in same_name if c['client_id'] == client_id), None))
    return [twin for twin in twins if mine is None or _created_order(twin) is None or _created_order(twin) <= mine]


def concurrent_create_error(name, earlier, client_id):
    return ConcurrentCreateError(
        'Another run created OAuth2 client %r at the same time (%s). Names are not unique on OVHcloud, so this run '
        'deleted the client it had just created (%s) to leave a single one. Run again to use the remaining client: '
        'its secret is with the run that created it.' % (name, ', '.join(sorted(t['client_id'] for t in earlier)), client_id))


def update_body(current, name=None, description=None, callback_urls=None):
    """The PUT body (``name``, ``description``, ``callbackUrls``: what PUT accepts); None keeps the current value."""
    return {
        'name': current['name'] if name is None else name,
        'description': current['description'] if description is None else description,
        'callbackUrls': list(current['callback_urls'] if callback_urls is None else callback_urls),
    }


def update_client(api, client_id, body):
    """PUT ``body`` (from update_body) on the client."""
    api.put(_client_path(client_id), body)


def delete_client(api, client_id):
    """DELETE a client; True when deleted, False when it was already gone."""
    return api.delete_if_exists(_client_path(client_id))


# ---------------------------------------------------------------------------- rotation

class RotationError(OvhError):
    """A rotation stopped before the new credentials were handed over; everything it changed was undone."""


def _undo_rotation(api, restored_policies, created_id):
    """Put the policies back as they were and delete the new client; the problems met, as text."""
    problems = []
    for policy in restored_policies:
        try:
            rewrite_policy(api, policy)
        except OvhError as exc:
            problems.append('policy %s (%s) still lists the new client: %s' % (policy['name'], policy['id'], exc))
    try:
        delete_client(api, created_id)
    except OvhError as exc:
        problems.append('the new client %s could not be deleted (delete it with state=absent and its client_id): %s'
                        % (created_id, exc))
    return problems


def _rotation_stopped(api, current, joined, created_id, reason):
    problems = _undo_rotation(api, joined, created_id)
    if problems:
        return RotationError('Rotating OAuth2 client %s stopped (%s) and undoing it was incomplete: %s. The old client '
                             'and its secret still work.' % (current['client_id'], reason, '; '.join(problems)))
    return RotationError('Rotating OAuth2 client %s stopped (%s); the new client was deleted and the policies are as '
                         'they were: nothing changed, the old secret still works.' % (current['client_id'], reason))


def rotate_client(api, current, wanted, policies, keep_secret, warn, delays=READ_BACK_DELAYS, sleep=time.sleep):
    """Give the service account ``current`` a new secret: a new client with the same rights, then the old one goes.

    ``wanted`` is ``(name, description, flow, callback_urls)`` of the new client; ``policies`` are the editable
    policies (API shape) that list the old identity. ``keep_secret(created, secret)`` stores or returns the new
    secret and returns False when it could not be kept at all. Steps, each safe to retry on a lost answer:

    1. create the new client (a lost answer never leaves an extra client: ``create_client``), read it back for its
       identity, and give way to a concurrent run that created one of the same name first;
    2. add the new identity to every policy of the old one (both identities work meanwhile);
    3. hand the secret over with ``keep_secret``;
    4. take the old identity out of those policies and delete the old client.

    Until step 3 succeeds every failure is undone (policies put back, new client deleted) and RotationError is
    raised: the old client is untouched and one client remains. After it, the new secret is out and must not be
    lost, so failures become warnings (``warn``) that say what to finish by hand.
    Returns ``(created, moved)``: the new client in snake_case and the ``{'id', 'name'}`` of the policies moved.
    """
    known = (current['client_id'],)
    client_id, secret = create_client(api, *wanted, known_ids=known, warn=warn)
    created = read_back(api, client_id, delays=delays, sleep=sleep)
    if created is None or not created.get('identity'):
        raise _rotation_stopped(api, current, [], client_id, 'the new client %s could not be read back' % client_id)
    give_way_to_concurrent_create(api, wanted[0], client_id, known)
    joined, updated = [], []
    for policy in policies:
        try:
            updated.append(add_identity(api, policy, created['identity']))
        except OvhError as exc:
            raise _rotation_stopped(api, current, joined, client_id,
                                    'adding the new identity to policy %s failed: %s' % (policy['name'], exc))
        joined.append(policy)
    if not keep_secret(created, secret):
        raise _rotation_stopped(api, current, joined, client_id, 'the new secret could not be kept')
    moved = []
    for policy in updated:
        try:
            detach_identity(api, policy, current['identity'])
        except OvhError as exc:
            warn('Policy %s (%s) lists both the new and the old identity; removing the old one (%s) failed: %s'
                 % (policy['name'], policy['id'], current['identity'], exc))
        moved.append({'id': policy['id'], 'name': policy['name']})
    try:
        delete_client(api, current['client_id'])
    except OvhError as exc:
        warn('The new client %s holds the rights, but the old OAuth2 client %s could not be deleted (%s): its secret '
             'still works and two clients carry the name %r. Delete it with ovhcloud.iam.ovh_oauth2_client '
             '(client_id: %s, state: absent).' % (client_id, current['client_id'], exc, current['name'], current['client_id']))
    return created, moved
