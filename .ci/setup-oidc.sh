#!/usr/bin/env bash
# Installs the authorization server the OAuth resource-server tests run against
# (tests/tests/auth_server*.rs): `oidc-provider`, pinned below, from the npm registry into
# .ci/cache/oidc, next to tests/oidc/provider.mjs which the tests start. Idempotent: a second run
# with the same pinned version does nothing. Run by the tests on first use; on its own:
# `bash .ci/setup-oidc.sh`. Prints the node binary to run the provider with on its last line.
#
# Node: the conformance suite's Node 22 in .ci/cache/node22 when it is there, else `node` on PATH
# (oidc-provider 9 needs Node >= 20.19). Needs npm and access to the npm registry on first use.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.ci/cache/oidc"
VERSION="9.13.3"
PKG="$DIR/node_modules/oidc-provider/package.json"

die() { echo "setup-oidc: $*" >&2; exit 2; }

NODE="$ROOT/.ci/cache/node22/node_modules/node/bin/node"
if ! [ -x "$NODE" ]; then
  NODE="$(command -v node || true)"
  [ -n "$NODE" ] || die "no node: neither .ci/cache/node22 nor node on PATH"
fi
"$NODE" -e '
  const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 19)) process.exit(1);' \
  || die "$("$NODE" --version) is too old for oidc-provider $VERSION (needs >= 20.19)"

if [ -f "$PKG" ] && [ "$("$NODE" -p "require('$PKG').version" 2>/dev/null)" = "$VERSION" ]; then
  echo "setup-oidc: oidc-provider $VERSION (cached)" >&2
else
  command -v npm >/dev/null 2>&1 || die "npm not found on PATH"
  echo "setup-oidc: installing oidc-provider@$VERSION into $DIR" >&2
  mkdir -p "$DIR"
  # A package.json of its own keeps npm from installing into an enclosing project.
  [ -f "$DIR/package.json" ] || echo '{"private": true, "type": "module"}' > "$DIR/package.json"
  (cd "$DIR" && PATH="$(dirname "$NODE"):$PATH" npm install --no-audit --no-fund --loglevel=error \
      "oidc-provider@$VERSION") >&2 || die "npm install of oidc-provider@$VERSION failed"
  [ -f "$PKG" ] || die "oidc-provider is missing after npm install"
fi
echo "$NODE"
