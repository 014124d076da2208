#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection laid out as ansible_collections/ovhcloud/iam.
# ansible-test resolves the physical working directory, so a symlinked tree is not enough; the copy
# holds the files git tracks plus new files git does not ignore, outside the checkout so that
# ansible-test does not take the enclosing git repository (which ignores .build) as its file list.
#
# VENV_BIN: bin/ of the virtual environment whose ansible-core (ansible-test) runs the tests (default .venv/bin).
# SANITY_ROOT: where the copy goes (default $TMPDIR/ovhcloud-iam-sanity); give each concurrent run its own.
#
# With --python in the arguments, one run on that Python. Without it, every Python the ansible-core release
# supports and the machine has (found on PATH or in pyenv by find_python.py, linked into $SANITY_ROOT/pythons
# for ansible-test, which looks them up on PATH):
#   1. all tests, the controller-only ones under the venv's own Python, compile and import under every
#      supported controller and module Python found (ansible-test reports the others as skipped, not found);
#   2. the controller-only tests again under each other controller Python found.
# Supported Pythons missing from the machine are printed as SKIPPED with the reason.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv_bin=${VENV_BIN:-$root/.venv/bin}
sanity_root=${SANITY_ROOT:-${TMPDIR:-/tmp}/ovhcloud-iam-sanity}
dest=$sanity_root/ansible_collections/ovhcloud/iam
rm -rf "$dest"
mkdir -p "$dest"
cd "$root"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$dest"

# The Python versions this ansible-test supports: controller (CONTROLLER_PYTHON_VERSIONS) and module-only
# (REMOTE_ONLY_PYTHON_VERSIONS), read from ansible-test itself so that a new release brings its own list.
read -r core controller_versions module_versions own_version < <("$venv_bin/python" - <<'EOF'
import os
import sys
import ansible_test
from ansible.release import __version__
path = os.path.join(os.path.dirname(ansible_test.__file__), '_util', 'target', 'common', 'constants.py')
constants = {}
exec(compile(open(path, encoding='utf-8').read(), path, 'exec'), constants)
print(__version__, ','.join(constants['CONTROLLER_PYTHON_VERSIONS']), ','.join(constants['REMOTE_ONLY_PYTHON_VERSIONS']),
      '%d.%d' % sys.version_info[:2])
EOF
)
pythons=$sanity_root/pythons
rm -rf "$pythons"
all_versions="${module_versions//,/ } ${controller_versions//,/ }"
# shellcheck disable=SC2086
found=" $("$venv_bin/python" "$root/tests/tools/find_python.py" link "$pythons" $all_versions) "
missing=()
for version in $all_versions; do
  case "$found" in *" $version "*) ;; *) missing+=("$version") ;; esac
done

cd "$dest"
export PATH="$pythons:$venv_bin:$PATH"
for arg in "$@"; do
  if [ "$arg" = --python ] || [ "${arg#--python=}" != "$arg" ]; then
    exec "$venv_bin/ansible-test" sanity --venv --color no "$@"
  fi
done
echo "ansible-test sanity, ansible-core $core: controller Pythons ${controller_versions//,/ }, module Pythons" \
     "${module_versions//,/ } ${controller_versions//,/ }; found on this machine:$found"
for version in ${missing[@]+"${missing[@]}"}; do
  echo "SKIPPED: ansible-core $core sanity on Python $version: no working python$version on PATH or in pyenv"
done
echo "== ansible-core $core: all tests, controller Python $own_version, compile and import on every Python found"
"$venv_bin/ansible-test" sanity --venv --color no "$@"
for version in ${controller_versions//,/ }; do
  if [ "$version" != "$own_version" ] && [ -e "$pythons/python$version" ]; then
    echo "== ansible-core $core: controller-only tests on controller Python $version"
    "$venv_bin/ansible-test" sanity --venv --python "$version" --skip-test compile --skip-test import --color no "$@"
  fi
done
