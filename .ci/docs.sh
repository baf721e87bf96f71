#!/usr/bin/env bash
# The API documentation of the three published crates, built as docs.rs builds it (every feature)
# with rustdoc's warnings denied: a broken intra-doc link, an unclosed HTML tag or a bad code
# block attribute fails CI. The doctests themselves run in `cargo test --workspace`.
#
# Run by `.ci/run`; on its own: `bash .ci/docs.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -D warnings" \
  cargo doc --no-deps --all-features -p toolsmith-rules -p toolsmith-macros -p toolsmith
echo "docs: toolsmith-rules, toolsmith-macros and toolsmith document without warnings"
