# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks of the policy entries the service_account role is given, before any request.

service_account_policies_check (entry point main) and service_account_applications_check (entry point many); their
documentation is in the sidecar files of the same names. A policy entry is checked here rather than by the role's
argument spec, whose error names neither the entry nor a likely fix and dumps the whole spec: every problem of
every entry is named at once (its index and name, the key, the supported keys, the key meant when one is misspelt).
The values are checked by the rules of ovh_iam_policy and ovh_service_accounts (module_utils), imported as they are.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.common.validation import check_type_dict, check_type_list

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_policy import (
    creation_problems,
    endpoint_region,
    option_problems,
    reserved_name_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import problems_message
from ansible_collections.ovhcloud.iam.plugins.module_utils._service_accounts import (
    APPLICATION_KEYS,
    POLICY_OPTIONS,
    policy_params,
)

# The keys of a policy entry, as docs/role-service-account.md and meta/argument_specs.yml list them.
POLICY_KEYS = ('name', 'description') + POLICY_OPTIONS + ('conditions', 'expired_at')
TEXT_KEYS = ('name', 'description', 'expired_at')
# What the list keys (POLICY_OPTIONS) hold: actions, but for these two.
LIST_ITEMS = {'resources': 'resource URNs', 'permissions_groups': 'permissions group URNs'}


def _kind(value):
    if isinstance(value, Mapping):
        return 'a mapping'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    return 'a %s' % type(value).__name__


def _text(value):
    """A scalar as the text Ansible's type str makes of it (YAML reads 2030-01-01 as a date); None when not a scalar."""
    if isinstance(value, str):
        return value.encode('utf-8', 'surrogatepass').decode('utf-8', 'surrogatepass')  # a plain str, not a tagged one
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bool, int, float)):
        return to_text(value)
    return None


def where(option, index, entry):
    """How a message names an entry: service_account_policies[1] (name: reader)."""
    text = '%s[%d]' % (option, index)
    if isinstance(entry, Mapping) and isinstance(entry.get('name'), str) and entry['name'].strip():
        text += ' (name: %s)' % entry['name']
    return text


def unknown_key_problems(entry, supported):
    """One sentence per key ``entry`` has that ``supported`` lacks, with the key meant when one is close."""
    problems = []
    for key in sorted(to_text(key) for key in entry if to_text(key) not in supported):
        close = difflib.get_close_matches(key, supported, n=1, cutoff=0.6)
        problems.append('unknown key %s%s; supported keys: %s' % (
            key, ' (did you mean %s?)' % close[0] if close else '', ', '.join(supported)))
    return problems


def _list_value(key, value):
    """(list of str, problems) of a list key; a string is split on commas, as Ansible's type list does."""
    what = LIST_ITEMS.get(key, 'actions')
    if isinstance(value, (Mapping, bool)):
        return [], ['%s must be a list of %s, not %s' % (key, what, _kind(value))]
    try:
        items = check_type_list(value)
    except TypeError:
        return [], ['%s must be a list of %s, not %s' % (key, what, _kind(value))]
    values, problems = [], []
    for position, item in enumerate(items):
        text = _text(item)
        if text is None or isinstance(item, bool):
            problems.append('%s[%d] must be a string (one of the %s), not %s' % (key, position, what, _kind(item)))
        else:
            values.append(text)
    return values, problems


def _mapping_value(key, value):
    """(dict, problems) of a mapping key; a string is read as JSON or k=v pairs, as Ansible's type dict does."""
    if isinstance(value, (Mapping, str)):
        try:
            return dict(check_type_dict(value)), []
        except TypeError:
            pass
    return {}, ['%s must be a mapping (operator, values, conditions), not %s' % (key, _kind(value))]


def policy_entry(entry):
    """(the entry with every key of POLICY_KEYS in its type, problems of its keys and types), without HTTP."""
    if not isinstance(entry, Mapping):
        return None, ['a policy is a mapping with the keys %s, not %s' % (', '.join(POLICY_KEYS), _kind(entry))]
    problems = unknown_key_problems(entry, POLICY_KEYS)
    normalized = {}
    for key in TEXT_KEYS:
        value = entry.get(key)
        if value is None:
            continue
        text = _text(value)
        if text is None:
            problems.append('%s must be a string, not %s' % (key, _kind(value)))
        else:
            normalized[key] = text
    for key in POLICY_OPTIONS:
        if entry.get(key) is not None:
            normalized[key], found = _list_value(key, entry[key])
            problems.extend(found)
    if entry.get('conditions') is not None:
        normalized['conditions'], found = _mapping_value('conditions', entry['conditions'])
        problems.extend(found)
    if not (normalized.get('name') or '').strip():
        problems.append('name is required: the policy is found by its name')
    return normalized, problems


def policy_problems(policies, state='present', join_policies=(), region=None, option='service_account_policies'):
    """Every problem of every policy entry, as sentences naming the entry, before any request.

    With state present the values are checked as ovh_iam_policy checks them (URNs, actions, conditions, expiry,
    region of the endpoint) and each policy needs resources and permissions; with absent only the names matter.
    """
    if policies is None:
        return []
    if not isinstance(policies, (list, tuple)):
        return ['%s must be a list of policies (mappings), not %s' % (option, _kind(policies))]
    problems = []
    seen = {}
    joined = set(join_policies or ())
    for index, entry in enumerate(policies):
        spot = where(option, index, entry)
        normalized, found = policy_entry(entry)
        problems.extend('%s: %s' % (spot, problem) for problem in found)
        if normalized is None or not (normalized.get('name') or '').strip():
            continue
        name = normalized['name']
        if name in seen:
            problems.append('%s: the name %s is also the name of %s; names find policies, so give each once'
                            % (spot, name, seen[name]))
        seen.setdefault(name, '%s[%d]' % (option, index))
        if name in joined:
            problems.append('%s: %s is also in service_account_join_policies; a policy is either created for the '
                            'account or joined, not both' % (spot, name))
        if state == 'absent':
            problems.extend('%s: %s' % (spot, problem) for problem in reserved_name_problems('name', name))
            continue
        params = policy_params(normalized, None)
        problems.extend('%s: %s' % (spot, problem) for problem in option_problems(params, region))
        if not found:  # with a misspelt or wrongly typed key, "resources is required" would only repeat it
            problems.extend('%s: %s' % (spot, problem) for problem in creation_problems(params, params))
    return problems


def application_problems(applications, region=None):
    """Every problem of the applications of the many entry point and of their policy entries, before any request."""
    option = 'service_account_applications'
    if not isinstance(applications, (list, tuple)):
        return ['%s must be a list of applications (mappings), not %s' % (option, _kind(applications))]
    problems = []
    for index, application in enumerate(applications):
        spot = where(option, index, application)
        if not isinstance(application, Mapping):
            problems.append('%s: an application is a mapping with the keys %s, not %s'
                            % (spot, ', '.join(APPLICATION_KEYS), _kind(application)))
            continue
        problems.extend('%s: %s' % (spot, problem) for problem in unknown_key_problems(application, APPLICATION_KEYS))
        if not isinstance(application.get('name'), str) or not application['name'].strip():
            problems.append('%s: name is required: the service account is found by its name' % spot)
        state = application.get('state') or 'present'
        problems.extend(policy_problems(application.get('policies'), state, region=region, option=spot + ' policies'))
    return problems


def _region(api):
    """The URN region of the endpoint the API tasks use (None for a custom URL or a configuration error)."""
    if not isinstance(api, Mapping):
        return None
    return endpoint_region(dict((to_text(k), v) for k, v in api.items() if v not in (None, '')))


def service_account_policies_check(policies, state='present', join_policies=None, api=None):
    """'' when every policy entry is right, else one message listing every problem."""
    problems = policy_problems(policies, state, join_policies or (), _region(api) if state == 'present' else None)
    return problems_message(problems, 'service_account_policies') if problems else ''


def service_account_applications_check(applications, api=None):
    """'' when every application and policy entry is right, else one message listing every problem."""
    problems = application_problems(applications, _region(api))
    return problems_message(problems, 'service_account_applications') if problems else ''


class FilterModule:
    def filters(self):
        return {
            'service_account_policies_check': service_account_policies_check,
            'service_account_applications_check': service_account_applications_check,
        }
