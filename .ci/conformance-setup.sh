# Shared by .ci/conformance.sh and .ci/conformance-client.sh (sourced, not run): installs Node 22
# (the suite needs >= 22) and both pinned suite versions from the npm registry into
# <repo>/.ci/cache, idempotently, and defines ROOT, CACHE, NODE, CONF016, CONF020, CARGO, say, die.
# Set DIE_PREFIX before sourcing to name the caller in error messages.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.ci/cache"
NODE_DIR="$CACHE/node22"
NODE="$NODE_DIR/node_modules/node/bin/node"
CONF016_VERSION="0.1.16"
CONF020_VERSION="0.2.0-alpha.12"
CONF016="$CACHE/conf016/node_modules/@modelcontextprotocol/conformance/dist/index.js"
CONF020="$CACHE/conf020/node_modules/@modelcontextprotocol/conformance/dist/index.js"

say() { printf '\n==> %s\n' "$*"; }
die() { printf '%s: %s\n' "${DIE_PREFIX:-conformance}" "$*" >&2; exit 2; }

command -v npm >/dev/null 2>&1 || die "npm not found on PATH (needed to install Node 22 and the suite)"
CARGO="${CARGO:-cargo}"
command -v "$CARGO" >/dev/null 2>&1 || die "cargo not found (set CARGO or put it on PATH)"

# --- Node 22 -------------------------------------------------------------------------------------
if [ -x "$NODE" ] && "$NODE" --version 2>/dev/null | grep -q '^v22\.'; then
  say "Node $("$NODE" --version) (cached)"
else
  say "installing Node 22 into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  # A package.json of its own keeps npm from installing into an enclosing project.
  [ -f "$NODE_DIR/package.json" ] || echo '{"private": true}' > "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --no-audit --no-fund node@22) || die "npm install node@22 failed"
  # The package's preinstall script may not run (npm's install-script policy); the binary ships
  # in its platform dependency, so link it where the package expects it.
  if [ ! -x "$NODE" ]; then
    real="$(find "$NODE_DIR/node_modules" -path '*/node-*/bin/node' -type f 2>/dev/null | head -n1)"
    [ -n "$real" ] || die "Node 22 binary not found after npm install"
    mkdir -p "$(dirname "$NODE")" && ln -sf "$real" "$NODE"
  fi
  "$NODE" --version | grep -q '^v22\.' || die "the installed node is not Node 22: $("$NODE" --version)"
fi

# --- the suites ----------------------------------------------------------------------------------
install_suite() { # dir version
  local dir="$1" version="$2" pkg="$1/node_modules/@modelcontextprotocol/conformance/package.json"
  if [ -f "$pkg" ] && [ "$("$NODE" -p "require('$pkg').version" 2>/dev/null)" = "$version" ]; then
    say "conformance $version (cached)"
    return
  fi
  say "installing @modelcontextprotocol/conformance@$version into $dir"
  mkdir -p "$dir"
  # A package.json of its own keeps npm from installing into an enclosing project.
  [ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
  (cd "$dir" && PATH="$(dirname "$NODE"):$PATH" npm install --no-audit --no-fund \
      "@modelcontextprotocol/conformance@$version") || die "npm install of conformance@$version failed"
}
install_suite "$CACHE/conf016" "$CONF016_VERSION"
install_suite "$CACHE/conf020" "$CONF020_VERSION"

