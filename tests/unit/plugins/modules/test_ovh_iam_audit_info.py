"""The decisions of ovh_iam_audit_info, without HTTP."""

from ansible_collections.ovhcloud.iam.plugins.module_utils._iam_audit import Audit
from ansible_collections.ovhcloud.iam.plugins.modules import ovh_iam_audit_info as module


def test_identities_that_could_not_be_listed_are_named_as_not_checked():
    assert module.not_checked(Audit([], [], [], 0, users=[], groups=[])) == []
    assert module.not_checked(Audit([], [], [], 0, users=None, groups=[])) == [
        'orphan_identity for users: the local users could not be listed']
    assert len(module.not_checked(Audit([], [], [], 0))) == 2
