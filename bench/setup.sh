#!/usr/bin/env bash
# Installs and builds everything the side-by-side benchmarks need, into git-ignored folders:
#
#   bench/.venv/mcp       the official Python SDK (bench/python/requirements-mcp.txt)
#   bench/.venv/fastmcp   FastMCP 3.4.x (bench/python/requirements-fastmcp.txt; it needs mcp<2)
#   target/release/       our bench_server example and the load driver
#   target/bench-rmcp/    the rmcp comparison server (bench/rmcp_server, a standalone crate)
#
# Idempotent: a venv whose requirements file is unchanged is kept; cargo rebuilds what changed.
# Needs CPython >= 3.10 (python3, or $PYTHON) and access to PyPI and crates.io.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"

venv() { # venv NAME REQUIREMENTS MODULE
  local dir="bench/.venv/$1" req="$2" module="$3"
  local want stamp="bench/.venv/$1/.requirements.sha256"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
     && "$dir/bin/python" -c "import $module" >/dev/null 2>&1; then
    echo "setup: $dir is up to date"
    return
  fi
  rm -rf "$dir"
  mkdir -p bench/.venv
  "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
  "$dir/bin/python" -c "import $module"
  echo "$want" > "$stamp"
  echo "setup: installed $req into $dir"
}

venv mcp bench/python/requirements-mcp.txt mcp.server.mcpserver
venv fastmcp bench/python/requirements-fastmcp.txt fastmcp

echo "setup: building our server and the driver (release)"
cargo build --release --quiet -p toolsmith-examples --example bench_server
cargo build --release --quiet -p toolsmith-bench --bin driver --bin floor_server

echo "setup: building the rmcp server (release, target/bench-rmcp)"
cargo build --release --quiet --manifest-path bench/rmcp_server/Cargo.toml --target-dir target/bench-rmcp

echo "setup: done"
