"""Find working Python interpreters of given versions without hard-coding where they live.

For each version X.Y asked for, in order: ``pythonX.Y`` on PATH (run to check that it starts and is
X.Y: a pyenv shim for a version pyenv has not activated is on PATH but fails), then the newest
``versions/X.Y.*`` of pyenv (``$PYENV_ROOT``, ``pyenv root``, ``~/.pyenv``). A found interpreter is
reported by its real path, so a virtual environment made from it does not depend on a shim.

  find_python.py newest 3.12 3.13 3.14   path of the newest of these that is there; exit 3 when none is
  find_python.py link DIR 3.10 3.11 ...  DIR/pythonX.Y links for those there (for ansible-test, which
                                          looks interpreters up on PATH); prints the versions linked
Standard library only; run it with any Python 3 (`python3 tests/tools/find_python.py ...`).
"""

import glob
import os
import shutil
import subprocess
import sys

PROBE = 'import os, sys; print("%d.%d" % sys.version_info[:2]); print(os.path.realpath(sys.executable))'
NONE_FOUND = 3


def _probe(candidate, version):
    try:
        proc = subprocess.run([candidate, '-c', PROBE], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.split()
    if proc.returncode != 0 or len(lines) != 2 or lines[0] != version:
        return None
    return lines[1]


def _pyenv_roots():
    roots = [os.environ.get('PYENV_ROOT')]
    pyenv = shutil.which('pyenv')
    if pyenv:
        try:
            roots.append(subprocess.run([pyenv, 'root'], capture_output=True, text=True, timeout=60,
                                        check=False).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    roots.append(os.path.expanduser('~/.pyenv'))
    seen = []
    for root in roots:
        if root and os.path.isdir(root) and os.path.realpath(root) not in seen:
            seen.append(os.path.realpath(root))
    return seen


def _patch_level(path, version):
    release = os.path.basename(os.path.dirname(os.path.dirname(path)))[len(version) + 1:]
    return int(release) if release.isdigit() else -1  # 3.13.0 before 3.13.1; 3.13-dev, 3.13t last


def candidates(version):
    for directory in os.environ.get('PATH', '').split(os.pathsep):
        path = os.path.join(directory or '.', 'python' + version)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            yield path
    for root in _pyenv_roots():
        found = glob.glob(os.path.join(root, 'versions', version + '.*', 'bin', 'python' + version))
        yield from sorted(found, key=lambda path: _patch_level(path, version), reverse=True)


def find(version):
    """Real path of a working Python ``version`` (``'3.13'``), or None."""
    for candidate in candidates(version):
        found = _probe(candidate, version)
        if found:
            return found
    return None


def main(argv):
    if len(argv) >= 2 and argv[0] == 'newest':
        versions = sorted(argv[1:], key=lambda v: tuple(int(part) for part in v.split('.')), reverse=True)
        for version in versions:
            found = find(version)
            if found:
                print(found)
                return 0
        sys.stderr.write('no Python %s found (looked for pythonX.Y on PATH and in pyenv versions)\n'
                         % ', '.join(sorted(argv[1:])))
        return NONE_FOUND
    if len(argv) >= 3 and argv[0] == 'link':
        directory = argv[1]
        os.makedirs(directory, exist_ok=True)
        linked = []
        for version in argv[2:]:
            link = os.path.join(directory, 'python' + version)
            if os.path.lexists(link):
                os.remove(link)
            found = find(version)
            if found:
                os.symlink(found, link)
                linked.append(version)
        print(' '.join(linked))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
