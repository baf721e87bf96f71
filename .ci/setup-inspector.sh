#!/usr/bin/env bash
# Installs the official MCP Inspector (@modelcontextprotocol/inspector, pinned below) from the npm
# registry into <repo>/.ci/cache/inspector, for tests/tests/inspector_cli.rs, which runs its CLI
# mode (`--cli`) against the examples. The Inspector needs Node >= 22.19: the Node 22 that
# .ci/conformance-setup.sh installs into .ci/cache/node22 is used (sourcing it also installs the
# conformance suites, which .ci/run needs anyway; all cached, a second run does nothing).
# About 110 MB on disk (the Inspector ships its web UI and TUI with the CLI).
#
# Run by `.ci/run`; on its own: `bash .ci/setup-inspector.sh`. Needs npm on PATH.
set -euo pipefail

DIE_PREFIX=setup-inspector
# shellcheck source=conformance-setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/conformance-setup.sh"

INSPECTOR_VERSION="2.12.0"
DIR="$CACHE/inspector"
PKG="$DIR/node_modules/@modelcontextprotocol/inspector/package.json"

if [ -f "$PKG" ] && [ "$("$NODE" -p "require('$PKG').version" 2>/dev/null)" = "$INSPECTOR_VERSION" ]; then
  say "MCP Inspector $INSPECTOR_VERSION (cached)"
  exit 0
fi
say "installing @modelcontextprotocol/inspector@$INSPECTOR_VERSION into $DIR"
mkdir -p "$DIR"
# A package.json of its own keeps npm from installing into an enclosing project.
[ -f "$DIR/package.json" ] || echo '{"private": true}' > "$DIR/package.json"
(cd "$DIR" && PATH="$(dirname "$NODE"):$PATH" npm install --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/inspector@$INSPECTOR_VERSION") \
  || die "npm install of @modelcontextprotocol/inspector@$INSPECTOR_VERSION failed"
# Fail here, not in the tests, when the CLI does not start.
"$NODE" "$DIR/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" --version \
  || die "the installed MCP Inspector does not run"
say "MCP Inspector $INSPECTOR_VERSION installed ($(du -sh "$DIR" | cut -f1))"
