#!/usr/bin/python
# Copyright: ovhcloud.iam contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovh_iam_resource_tags
short_description: Manage the tags of one OVHcloud IAM resource
version_added: 1.0.0
description:
  - Set and remove the tags of one resource of the account, addressed by its URN (C(/v2/iam/resource/{urn})).
    Tags are what IAM policy conditions such as C(resource.Tag(env).EQ) test, and what
    M(ovhcloud.iam.ovh_iam_resource_info) filters on.
  - A tag to add or change is sent with C(POST .../tag) (one per tag), a tag to remove with C(DELETE .../tag/{key}),
    only when something differs.
  - B(Tags OVHcloud manages itself) have keys prefixed with C(ovh:) (OVHcloud's iam.json, C(iam.resource.Resource.tags),
    says that tags that were internally computed are prefixed with C(ovh:)). They are never removed by O(purge_tags), and a task
    whose O(tags) would set or change one fails before any write, naming it. Listing one with its current value is
    accepted and changes nothing.
author: ovhcloud.iam contributors (@ovhcloud-iam)
options:
  urn:
    description:
      - The URN of the resource, for example C(urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net)
        (RV(ovhcloud.iam.ovh_iam_resource_info#module:resources[].urn)).
      - One resource, so no wildcard and no resource group.
    type: str
    required: true
  tags:
    description:
      - The tags the resource must carry, key to value. Keys are 1 to 128 and values 0 to 256 characters among
        letters, digits and C(_.:/=+@-) (OVHcloud's C(iam.resource.AddTag)). Quote values YAML would read as numbers or
        booleans.
      - When not given, the tags are left as they are (O(purge_tags) has no effect), as in the amazon.aws tagging modules.
    type: dict
  purge_tags:
    description:
      - With V(true), tags of the resource that are not in O(tags) are removed, except the C(ovh:) tags OVHcloud manages.
      - With V(false), O(tags) are added or changed and other tags are kept.
      - Has no effect when O(tags) is not given. O(tags={}) with O(purge_tags=true) removes every tag you may remove.
    type: bool
    default: true
notes:
  - Whether OVHcloud's C(POST .../tag) replaces the value of a key the resource already has is not documented. When it
    answers 409 Conflict for a tag whose value changes, the module deletes that tag and sends the POST again.
seealso:
  - module: ovhcloud.iam.ovh_iam_resource_info
  - module: ovhcloud.iam.ovh_iam_policy
extends_documentation_fragment:
  - ovhcloud.iam.connection
  - ovhcloud.iam.connection.actiongroup_ovh
  - ovhcloud.iam.attributes
'''

EXAMPLES = r'''
- name: Tag a VPS as production (other tags are removed, except the ovh-prefixed tags OVHcloud manages)
  ovhcloud.iam.ovh_iam_resource_tags:
    urn: urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net
    tags:
      env: production
      team: web

- name: Add one tag and keep the others
  ovhcloud.iam.ovh_iam_resource_tags:
    urn: urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net
    tags:
      backup: daily
    purge_tags: false

- name: Remove every tag that can be removed
  ovhcloud.iam.ovh_iam_resource_tags:
    urn: urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net
    tags: {}
'''

RETURN = r'''
urn:
  description: The URN of the resource.
  returned: always
  type: str
  sample: urn:v1:eu:resource:vps:vps-5a6b7c8d.vps.ovh.net
tags:
  description: The tags of the resource after the task (in check mode, as they would be), C(ovh:) tags included.
  returned: always
  type: dict
  sample: {env: production, team: web}
added_tags:
  description: The tags this task set or changed (or would, in check mode), key to new value.
  returned: always
  type: dict
  sample: {env: production}
removed_tags:
  description: The keys of the tags this task removed (or would, in check mode).
  returned: always
  type: list
  elements: str
  sample: [owner]
diff:
  description: The tags before and after the task.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The tags before, key to value.
      type: dict
      sample: {env: staging, owner: bob}
    after:
      description: The tags after, key to value.
      type: dict
      sample: {env: production, team: web}
api_requests:
  description: How many HTTP requests the task sent to the OVHcloud API (retries and token requests included).
  returned: always
  type: int
  sample: 3
'''

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_resources import (
    add_tag,
    get_resource,
    managed_tag_problems,
    remove_tag,
    resource_urn_problems,
    tag_plan,
    tag_problems,
)
from ansible_collections.ovhcloud.iam.plugins.module_utils._module import OvhModule


def argument_spec():
    return dict(
        urn=dict(type='str', required=True),
        tags=dict(type='dict'),
        purge_tags=dict(type='bool', default=True),
    )


# ---------------------------------------------------------------- decisions (no API call)


def input_problems(params):
    return resource_urn_problems(params['urn']) + tag_problems(params['tags'])


def tag_changes(current, params):
    """(tags to set, keys to delete, tags after): no ``tags`` leaves the resource's tags as they are."""
    if params['tags'] is None:
        return {}, [], dict(current)
    return tag_plan(current, params['tags'], params['purge_tags'])


# ---------------------------------------------------------------- read, change, report


def find_current(module):
    """The tags of the resource; the task fails when the account has no resource with this URN."""
    resource = get_resource(module.api, module.params['urn'])
    if resource is None:
        module.fail('no resource of the account has the URN %s, so nothing was changed; ovhcloud.iam.ovh_iam_resource_info '
                    'lists the URNs of your resources' % module.params['urn'])
    return dict(resource.get('tags') or {})


def report(module, changed, before, after, **extra):
    return module.outcome(changed, 'tags', before, after, urn=module.params['urn'], **extra)


def ensure_present(module, current):
    problems = managed_tag_problems(current, module.params['tags'])
    if problems:
        module.fail_input(problems, what='tags')
    to_set, to_delete, after = tag_changes(current, module.params)
    if not module.check_mode:
        urn = module.params['urn']
        for key in to_delete:
            remove_tag(module.api, urn, key)
        for key, value in to_set.items():
            add_tag(module.api, urn, key, value, replacing=key in current)
    return report(module, bool(to_set or to_delete), current, after, added_tags=to_set, removed_tags=to_delete)


def main():
    module = OvhModule(argument_spec(), supports_check_mode=True)
    module.run_managing(input_problems, find_current, ensure_present)


if __name__ == '__main__':
    main()
