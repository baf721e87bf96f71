#!/usr/bin/env bash
# The publish check: `cargo package` (with its verify build) for the three crates that go to
# crates.io, in dependency order: toolsmith-rules, toolsmith-macros, toolsmith. Fails on any
# warning cargo prints while packaging (missing metadata, a path dependency without a version,
# files left out) as well as on errors.
#
# The two dependents are verified against their unpublished workspace dependencies: when several
# workspace members are packaged in one command, cargo (>= 1.90) puts the freshly packaged
# .crate files in a temporary local registry (target/package/tmp-registry) and builds each
# package from its .crate file against it. So every crate is built from exactly what would be
# uploaded, with no `--no-verify` and no publishing order to fake.
#
# Run by `.ci/run`; on its own: `bash .ci/package.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo package --locked -p toolsmith-rules -p toolsmith-macros -p toolsmith 2>&1 | tee "$log" \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "package: cargo package failed" >&2
  exit "$status"
fi
if grep -E '^(warning|error)' "$log" >&2; then
  echo "package: cargo package printed the warnings above" >&2
  exit 1
fi
echo "package: toolsmith-rules, toolsmith-macros and toolsmith package and build cleanly"
