# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""service_account_many_accounts: the role's application list as the accounts of ovh_service_accounts.

Its documentation is in the sidecar file of the same name; the logic lives in module_utils/_service_accounts.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ovhcloud.iam.plugins.module_utils._service_accounts import accounts_for_applications


def service_account_many_accounts(applications, staging_dir=''):
    try:
        return accounts_for_applications(applications, staging_dir)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule:
    def filters(self):
        return {'service_account_many_accounts': service_account_many_accounts}
