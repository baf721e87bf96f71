#!/usr/bin/env bash
# The publish check: `cargo package` (with its verify build) for the three crates that go to
# crates.io, in dependency order: toolsmith-rules, toolsmith-macros, toolsmith. Fails on any
# warning cargo prints while packaging (missing metadata, a path dependency without a version,
# files left out) as well as on errors.
#
# The two dependents are verified against their unpublished workspace dependencies: when several
# workspace members are packaged in one command, cargo (>= 1.90) puts the freshly packaged
# .crate files in a temporary local registry (target/package-verify/package/tmp-registry) and builds each
# package from its .crate file against it. So every crate is built from exactly what would be
# uploaded, with no `--no-verify` and no publishing order to fake.
#
# Stale copies: cargo treats a registry crate's version as immutable. It extracts each .crate of
# the temporary registry once, into $CARGO_HOME/registry/src/-<hash of the registry's path>/, and
# never again while that directory exists; and it fingerprints a registry crate's build by its
# version only. Our crates stay at 0.1.0 from commit to commit, so on a machine that ran this
# script before from the same path, the verify build would compile an older commit's sources
# (a CI run failed that way: the runtime could not find a function toolsmith-rules had gained).
# So the verify build gets its own target directory, and before packaging this script removes our
# three crates' extracted copies and build fingerprints left by earlier runs (nothing else).
#
# Run by `.ci/run`; on its own: `bash .ci/package.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="$PWD/target/package-verify"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# Local registries' source directories start with "-"; crates.io's do not (and has no toolsmith).
rm -rf "$cargo_home"/registry/src/-*/toolsmith-[0-9]* \
  "$cargo_home"/registry/src/-*/toolsmith-rules-[0-9]* \
  "$cargo_home"/registry/src/-*/toolsmith-macros-[0-9]* \
  "$CARGO_TARGET_DIR"/debug/.fingerprint/toolsmith-*

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
