#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection laid out as ansible_collections/ovhcloud/iam.
# ansible-test resolves the physical working directory, so a symlinked tree is not enough; the copy
# holds the files git tracks plus new files git does not ignore, outside the checkout so that
# ansible-test does not take the enclosing git repository (which ignores .build) as its file list.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv_bin=${VENV_BIN:-$root/.venv/bin}
dest=${SANITY_ROOT:-${TMPDIR:-/tmp}/ovhcloud-iam-sanity}/ansible_collections/ovhcloud/iam
rm -rf "$dest"
mkdir -p "$dest"
cd "$root"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$dest"
cd "$dest"
PATH="$venv_bin:$PATH" "$venv_bin/ansible-test" sanity --python 3.11 --venv --color no "$@"
