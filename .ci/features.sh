#!/usr/bin/env bash
# The feature matrix of the `toolsmith` crate: each top-level feature on its own
# (`--no-default-features --features X`), none at all, and all together, so that an item that only
# compiles with another feature turned on is caught. Per combination: clippy of the library
# (warnings are errors: an item left unused by a combination shows up here) and its unit tests
# (`--lib`). The workspace's own build and tests (`.ci/run`) cover the rest with every feature on.
#
# Run by `.ci/run`; on its own: `bash .ci/features.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

features=(server macros stdio http-server auth client http-client openai tls redis testing skills)

lint() { # lint LABEL CARGO-ARGS...
  local label="$1" t0
  shift
  t0=$(date +%s)
  echo "== features: $label"
  cargo clippy -p toolsmith --lib --quiet "$@" -- -D warnings
  cargo test -p toolsmith --lib --quiet "$@"
  echo "== features: $label: $(($(date +%s) - t0)) s"
}

start=$(date +%s)
echo "== features: none"
cargo clippy -p toolsmith --lib --quiet --no-default-features -- -D warnings
for f in "${features[@]}"; do
  lint "$f" --no-default-features --features "$f"
done
# The pairs that turn on each side of OAuth: the resource server and the client's login.
lint auth+http-server --no-default-features --features auth,http-server
lint auth+http-client --no-default-features --features auth,http-client
lint all --all-features
echo "== features: matrix took $(($(date +%s) - start)) s"
