# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this file is internal to ovhcloud.iam and may change without notice.

"""The thin module class every ovhcloud.iam module uses: shared options, one client, one error path."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import (
    COLLECTION_VERSION,
    REQUESTS_IMPORT_ERROR,
    OvhClient,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhApiError, OvhError


def connection_argument_spec():
    """The connection options, documented once in the ovhcloud.iam.connection doc fragment.

    No defaults and no env_fallback here: values are resolved late (option, env, ovh.conf) so an
    empty string counts as unset and error messages can say where a value came from.
    """
    return dict(
        endpoint=dict(type='str'),
        application_key=dict(type='str', no_log=False),
        application_secret=dict(type='str', no_log=True),
        consumer_key=dict(type='str', no_log=True),
        auth_client_id=dict(type='str'),
        auth_client_secret=dict(type='str', no_log=True),
        access_token=dict(type='str', no_log=True),
        token_url=dict(type='str', no_log=False),
        config_file=dict(type='path'),
        timeout=dict(type='float'),
        max_retries=dict(type='int'),
        validate_certs=dict(type='bool'),
        ca_path=dict(type='path'),
        allow_unencrypted_http=dict(type='bool'),
    )


# Options that name one object in an API path: '.' and '..' would name another one (dot segments).
PATH_ID_OPTIONS = ('client_id', 'policy_id', 'group_id', 'urn')


def path_id_problems(params):
    return ['%s %r is not an id: "." and ".." would address another API path than the object; give the real id.'
            % (name, params[name]) for name in PATH_ID_OPTIONS
            if isinstance(params.get(name), str) and params[name].strip() in ('.', '..')]


class OvhModule:
    """Wraps AnsibleModule: merges the connection options, builds the client lazily, fails in one place."""

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        self.ansible = AnsibleModule(argument_spec=spec, **kwargs)
        if REQUESTS_IMPORT_ERROR:
            self.ansible.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.ansible.params
        self._api = None
        problems = path_id_problems(self.params)
        if problems:
            self.fail_input(problems)

    @property
    def check_mode(self):
        return self.ansible.check_mode

    @property
    def diff_mode(self):
        return self.ansible._diff

    @property
    def api(self):
        """The HTTP client of the OVHcloud API (OvhClient), built on first use."""
        if self._api is None:
            try:
                settings = resolve_connection(self.params)
            except OvhError as exc:
                self.fail_from(exc)
            # Values from the environment or ovh.conf are not module options: Ansible would not mask them.
            self.ansible.no_log_values.update(settings.secrets())
            self._api = OvhClient(
                settings,
                user_agent='ovhcloud.iam/%s (ansible-core %s)' % (COLLECTION_VERSION, ANSIBLE_VERSION))
        return self._api

    def outcome(self, changed, key, before, after, **extra):
        """The result of a managing module: the object after the task under key, and before/after in diff mode."""
        result = dict(extra, changed=changed)
        result[key] = after or {}
        if self.diff_mode:
            result['diff'] = {'before': before or {}, 'after': after or {}}
        return result

    def warn(self, text):
        self.ansible.warn(text)

    def fail(self, msg, **extra):
        """Stop with a message; ``extra`` goes into the task result."""
        self.ansible.fail_json(msg=msg, **extra)

    def fail_from(self, exc, context=None, **extra):
        """Stop on an OvhError: its text (after ``context: `` when given) and, for an API error, its details."""
        if isinstance(exc, OvhApiError):
            if self._api is not None:
                self._api.name_refused_identity(exc)
            extra['error'] = exc.as_dict()
        self.fail('%s: %s' % (context, exc) if context else str(exc), **extra)

    def fail_input(self, problems, what='the options', **extra):
        """Stop before any write, listing every problem found in the input at once."""
        self.fail(problems_message(problems, what), problems=list(problems), **extra)

    def exit(self, **result):
        if self._api is not None:
            result.setdefault('api_requests', self._api.request_count)
            self._api.close()
        self.ansible.exit_json(**result)

    def run_managing(self, input_problems, find_current, ensure_present, ensure_absent=None):
        """Run a managing module: refuse bad input (every problem ``input_problems(params)`` finds, before any
        request), read the object, then make it present or absent. Each step is a function of the module; the last
        two also take what ``find_current`` read and return the task result."""
        def converge(module):
            problems = input_problems(module.params)
            if problems:
                module.fail_input(problems)
            current = find_current(module)
            if module.params.get('state') == 'absent':
                return ensure_absent(module, current)
            return ensure_present(module, current)
        self.run(converge)

    def run(self, work):
        """Call work(self) -> result dict; turn any OvhError into a clean failure."""
        try:
            result = work(self)
        except OvhError as exc:
            self.fail_from(exc)
        self.exit(**result)


def problems_message(problems, what='the options'):
    """One failure message listing every problem, numbered, for a task that sent nothing."""
    return '%d problem%s in %s, so nothing was sent to OVHcloud: %s' % (
        len(problems), '' if len(problems) == 1 else 's', what,
        ' '.join('(%d) %s.' % (number, problem.rstrip('.')) for number, problem in enumerate(problems, 1)))
