"""`make demo` (demo/run_demo.py) runs end to end, briefly, and shows what it promises.

The numbers it prints come from the fake's request log: the re-run and the check-mode step send no write request.
"""

import os
import re
import signal
import subprocess
import sys

from tests.conftest import REPO_ROOT

RUN_DEMO = os.path.join(REPO_ROOT, 'demo', 'run_demo.py')


def run_demo(*args):
    env = {key: value for key, value in os.environ.items() if not key.startswith(('OVH_', 'ANSIBLE_'))}
    return subprocess.run([sys.executable, RUN_DEMO] + list(args), env=env, capture_output=True, text=True,
                          timeout=900, check=False)


def test_demo_shows_idempotence_check_rotation_retirement_and_a_summary_in_few_lines():
    result = run_demo()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    assert len(out.splitlines()) <= 30, out
    assert re.search(r'^1\. Create .* 2 write requests', out, re.M), out
    assert '2. Re-run   0 changes, 0 write requests' in out
    check = out[out.index('3. Check'):out.index('4. Rotate')]
    assert '0 write requests; the diff:' in check and re.search(r'^ +\+ +"account:apiovh:me/get"$', check, re.M), out
    assert re.search(r'^4\. Rotate .*DELETE client', out, re.M) and 'The new secret logs in (token endpoint: 200)' in out
    assert re.search(r'^5\. Retire   \d+ changes, .*\n +Account, policy and files gone \(files left: none\)', out, re.M), out
    assert 'service accounts   none' in out and '(stopped)' in out
    workdir = re.search(r'working directory (\S+)', out).group(1)
    assert not os.path.exists(workdir)


def test_demo_keep_leaves_the_fake_running_and_the_files():
    result = run_demo('--keep')
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    pid = int(re.search(r'still running, pid (\d+)', out).group(1))
    workdir = re.search(r'working directory (\S+)', out).group(1)
    try:
        assert '5. Retire   in check mode only' in out and '0 write requests' in out
        for host in ('app1', 'app2'):
            assert os.stat(os.path.join(workdir, host, 'ovh.conf')).st_mode & 0o777 == 0o600
        assert os.stat(os.path.join(workdir, 'owner.env')).st_mode & 0o777 == 0o600
        os.kill(pid, 0)  # still running
    finally:
        os.kill(pid, signal.SIGTERM)
        subprocess.run(['rm', '-rf', workdir], check=False)
