"""Make the checkout importable as ansible_collections.ovhcloud.iam for every test.

ansible-core only imports collection code from a path shaped ``ansible_collections/<ns>/<name>``,
so a link to the checkout is kept under ``.build/collections`` (git-ignored, not in the tarball).
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, '.build', 'collections')


def _link_collection():
    parent = os.path.join(COLLECTIONS_ROOT, 'ansible_collections', 'ovhcloud')
    link = os.path.join(parent, 'iam')
    os.makedirs(parent, exist_ok=True)
    if os.path.islink(link) and os.path.realpath(link) == REPO_ROOT:
        return
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(REPO_ROOT, link)


_link_collection()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)


# Fixtures shared by the unit and integration layers: one fake OVH API per test session.
import pytest  # noqa: E402  (after the collection link, which the imports above need)

from tests.fake_api import FakeApi  # noqa: E402


@pytest.fixture(scope='session')
def fake_server():
    server = FakeApi()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server):
    """The shared fake, reset to its freshly started state with an empty request log."""
    fake_server.clear_faults()
    fake_server.reset()
    fake_server.clear_requests()
    return fake_server


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / 'work'
    path.mkdir()
    return str(path)
