# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # The connection options every ovhcloud.iam module shares.
    DOCUMENTATION = r'''
options:
  endpoint:
    description:
      - The OVHcloud API to talk to.
      - One of V(ovh-eu), V(ovh-ca), V(ovh-us), V(kimsufi-eu), V(kimsufi-ca), V(soyoustart-eu), V(soyoustart-ca),
        or a base URL ending in C(/1.0) (a private endpoint, the new C(ovhcloud.com) hosts, a local test API).
      - Paths under C(/v2) are sent to the same host without the C(/1.0) suffix.
      - A plain C(http://) URL is accepted only for this machine (C(localhost), C(127.0.0.0/8), C(::1)); for another host
        it is refused unless O(allow_unencrypted_http=true).
      - If not set, the E(OVH_ENDPOINT) environment variable is used, then C(endpoint) in the C([default]) section of C(ovh.conf).
    type: str
  application_key:
    description:
      - Application key, for classic signed requests (with O(application_secret) and O(consumer_key)).
      - If not set, E(OVH_APPLICATION_KEY) is used, then C(application_key) in the endpoint's C(ovh.conf) section.
    type: str
  application_secret:
    description:
      - Application secret, for classic signed requests.
      - If not set, E(OVH_APPLICATION_SECRET) is used, then C(application_secret) in C(ovh.conf).
    type: str
  consumer_key:
    description:
      - Consumer key, for classic signed requests.
      - If not set, E(OVH_CONSUMER_KEY) is used, then C(consumer_key) in C(ovh.conf).
    type: str
  auth_client_id:
    description:
      - Log in as a service account (OAuth2 client credentials) with its client ID and O(auth_client_secret).
      - Named C(auth_) to keep the account that logs in apart from the service account a module manages.
      - If not set, E(OVH_CLIENT_ID) is used, then C(client_id) in C(ovh.conf).
    type: str
  auth_client_secret:
    description:
      - The secret of the service account given in O(auth_client_id).
      - If not set, E(OVH_CLIENT_SECRET) is used, then C(client_secret) in C(ovh.conf).
    type: str
  access_token:
    description:
      - A ready OAuth2 bearer token (for example a short-lived one issued by a vault). It is not refreshed.
      - If not set, E(OVH_ACCESS_TOKEN) is used.
    type: str
  token_url:
    description:
      - The OAuth2 token URL used with O(auth_client_id).
      - By default the one of the O(endpoint) name; for a base URL, C(https://auth.<eu|ca>.ovhcloud.com/oauth2/token) when the
        host is C(api.<eu|ca>.ovhcloud.com), else C(<scheme>://<host>[:port]/auth/oauth2/token).
      - Like O(endpoint), a plain C(http://) URL to another host than this machine needs O(allow_unencrypted_http=true).
      - If not set, E(OVH_TOKEN_URL) is used.
    type: str
  config_file:
    description:
      - An extra C(ovh.conf) file, read after C(/etc/ovh.conf), C(~/.ovh.conf) and C(./ovh.conf) (later files win).
      - If not set, E(OVH_CONFIG_FILE) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer. Defaults to V(30).
      - If not set, E(OVH_TIMEOUT) is used.
    type: float
  max_retries:
    description:
      - How many times a failed call is tried again on HTTP 429 (honouring C(Retry-After)), 5xx and network errors,
        with jittered exponential backoff, within two minutes in all. Defaults to V(5). V(0) disables retries.
      - The same policy and the same two-minute budget cover every call, the server-time call of signed requests and
        the OAuth2 token call included; a C(Retry-After) that would end past the budget stops the retries at once.
        Giving up says C(gave up after N attempts).
      - Creations (POST) are retried only when the request surely did not reach the server; otherwise the module
        looks again before trying anything else.
      - A redirect (3xx) or any other unexpected status is an error, never a success; redirects are not followed.
      - If not set, E(OVH_MAX_RETRIES) is used.
    type: int
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Defaults to V(true). Only turn it off for a local test API.
      - If not set, E(OVH_VALIDATE_CERTS) is used.
    type: bool
  ca_path:
    description:
      - A CA bundle file (or directory) to verify the API's TLS certificate with.
      - If not set, E(OVH_CA_PATH) is used.
    type: path
  allow_unencrypted_http:
    description:
      - Accept a plain C(http://) O(endpoint) or O(token_url) on another host than this machine. The credentials,
        the signatures and the access tokens then cross the network unencrypted, readable by anyone on the path.
      - Only for a test API on a network you trust. Not needed for C(localhost).
      - If not set, E(OVH_ALLOW_UNENCRYPTED_HTTP) is used. Defaults to V(false).
    type: bool
notes:
  - Exactly one authentication method is used per task. Values come from the task options first, then the
    C(OVH_*) environment variables, then C(ovh.conf) (C(./ovh.conf), C(~/.ovh.conf), C(/etc/ovh.conf), as python-ovh reads them).
    The method is taken from the first of those levels that names any credential; naming two methods at one level is an error.
    An empty value counts as unset.
  - Credentials lose their surrounding whitespace wherever they come from, as C(ovh.conf) values do when python-ovh reads them,
    so a value vaulted with a trailing newline works; a control character inside a value is refused, naming the option and
    where the value came from, never the value. Secrets from the environment and C(ovh.conf) are masked in the task's output
    like the C(no_log) options.
  - Authentication and permission errors say what to check and where each credential came from (task option, environment
    variable or C(ovh.conf) file); a refused call (HTTP 403) names the identity that was refused.
  - Environment variables and C(ovh.conf) are read where the module runs. Run these modules on the controller
    (C(delegate_to) V(localhost) or a C(localhost) play), which is also where AWX/AAP credentials inject C(OVH_*) variables.
requirements:
  - requests
'''

    # For the action group, so module_defaults can set the connection once.
    ACTIONGROUP_OVH = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/ovhcloud.iam.ovh) in C(module_defaults) to set the connection options once for all modules of this collection.
    support: full
    membership:
      - ovhcloud.iam.ovh
'''
