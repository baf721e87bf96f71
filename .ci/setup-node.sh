#!/usr/bin/env bash
# Installs the TypeScript SDKs used by the interop tests (tests/tests/interop_ts_sdks.rs) into
# tests/interop/ts/node_modules with `npm ci`, exactly as pinned by tests/interop/ts/package-lock.json:
# @modelcontextprotocol/sdk 1.32.x and @modelcontextprotocol/client 2.4.x. Both run on Node >= 20,
# so the machine's Node 20 is used (no Node 22 needed; .ci/cache/node22 is left to the
# conformance suite). Idempotent: a second run with an unchanged lock file and Node does nothing.
#
# Needs node >= 20 and npm on PATH (or $NODE / $NPM), and access to the npm registry.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tests/interop/ts"
NODE="${NODE:-node}"
NPM="${NPM:-npm}"
STAMP="$DIR/node_modules/.toolsmith-lock.sha256"

command -v "$NODE" >/dev/null 2>&1 || { echo "setup-node: $NODE not found (Node.js >= 20 is needed)" >&2; exit 1; }
command -v "$NPM" >/dev/null 2>&1 || { echo "setup-node: $NPM not found" >&2; exit 1; }
major="$("$NODE" -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "setup-node: $("$NODE" --version) is older than 20 (@modelcontextprotocol/client needs >= 20)" >&2
  exit 1
fi

want="$( { sha256sum "$DIR/package-lock.json" | cut -d' ' -f1; "$NODE" --version; } | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
   && [ -f "$DIR/node_modules/@modelcontextprotocol/sdk/package.json" ] \
   && [ -f "$DIR/node_modules/@modelcontextprotocol/client/package.json" ]; then
  echo "setup-node: $DIR/node_modules is up to date"
  exit 0
fi

rm -f "$STAMP"
(cd "$DIR" && "$NPM" ci --no-audit --no-fund --loglevel=error)
# Fail here, not in the tests, when the install does not load.
(cd "$DIR" && "$NODE" -e '
  import("@modelcontextprotocol/sdk/client/index.js")
    .then(() => import("@modelcontextprotocol/client"))
    .catch(e => { console.error(e); process.exit(1); })')
echo "$want" > "$STAMP"
echo "setup-node: installed $(cd "$DIR" && "$NODE" -p '["sdk","client"].map(p => "@modelcontextprotocol/" + p + "@" + require("./node_modules/@modelcontextprotocol/" + p + "/package.json").version).join(", ")') with $("$NODE" --version)"
