"""`make demo`: start the local fake OVH API, run the demo playbook against it, stop the fake.

The fake stands in for OVHcloud (no account or internet needed). Pass another playbook path to run
that one instead: `python demo/run_demo.py my-playbook.yml`.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
sys.path.insert(0, REPO_ROOT)

from tests.conftest import COLLECTIONS_ROOT  # noqa: E402  (links the checkout as a collection)
from tests.fake_api import FakeApi  # noqa: E402


def main():
    playbook = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'demo.yml')
    fake = FakeApi()
    print('Local fake OVH API listening at %s (account %s)' % (fake.endpoint, fake.nic))
    try:
        with tempfile.TemporaryDirectory(prefix='ovhcloud-iam-demo-') as workdir:
            env = dict(os.environ)
            env.update(fake.owner_env())
            env.update({
                'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_ROOT,
                'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
                'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
                'ANSIBLE_LOCALHOST_WARNING': 'false',
                'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
                'DEMO_WORKDIR': workdir,
                'DEMO_FAKE_URL': fake.url,
            })
            command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', os.path.join(HERE, 'inventory.yml'), playbook]
            returncode = subprocess.call(command, env=env, cwd=workdir)
    finally:
        fake.stop()
    print('Demo %s.' % ('finished' if returncode == 0 else 'FAILED (exit %d)' % returncode))
    return returncode


if __name__ == '__main__':
    sys.exit(main())
