"""Fixtures of the module_utils unit tests: the real client against the real fake."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils._client import OvhClient
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection


def no_sleep(_seconds):
    pass


@pytest.fixture
def api(fake):
    """The real client, signed with the fake's owner credentials; retry waits are not spent."""
    client = OvhClient(resolve_connection({}, environ=fake.owner_env()), sleep=no_sleep)
    yield client
    client.close()
