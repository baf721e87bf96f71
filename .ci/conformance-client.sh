#!/usr/bin/env bash
# Runs the client mode of the official MCP conformance suite (@modelcontextprotocol/conformance)
# against examples/conformance_client.rs, which drives the toolkit's own client
# (toolsmith::client::Client) over streamable HTTP:
#
#   1. 0.1.16, every client scenario, auth/* (OAuth 2.1 login) included
#   2. 0.2.0-alpha.12 at --spec-version 2025-11-25 (handshake wire)
#   3. 0.2.0-alpha.12 at --spec-version 2026-07-28 (stateless wire, SEP-2575)
#   4. the extension scenarios the client implements (OAuth client credentials)
#
# The suite starts a mock server per scenario and runs `conformance_client <url>` with the scenario
# in MCP_CONFORMANCE_SCENARIO (and, alpha, the wire version in MCP_CONFORMANCE_PROTOCOL_VERSION;
# credentials, where a scenario has them, in MCP_CONFORMANCE_CONTEXT). Extension scenarios the
# client does not implement are listed, with the reason, in the output.
#
# CONFORMANCE_CLIENT_ONLY=REGEX runs only the scenarios whose name matches (grep -E), for example
# CONFORMANCE_CLIENT_ONLY='^auth/' while working on the OAuth login.
#
# Node 22 and both suite versions are installed into <repo>/.ci/cache exactly as
# .ci/conformance.sh does (and shared with it). Needs npm on PATH, and cargo ($CARGO, else on PATH).
#
# Exits non-zero when any scenario run has a FAILURE check, or the suite fails it otherwise
# (client error exit, timeout, WARNING — the suite's own verdict in client mode).
set -uo pipefail

DIE_PREFIX=conformance-client
# shellcheck source=conformance-setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/conformance-setup.sh"
OUT="$CACHE/client-results"

# --- the client ----------------------------------------------------------------------------------
say "building the conformance_client example"
(cd "$ROOT" && "$CARGO" build --workspace --examples) || die "cargo build failed"
CLIENT="$ROOT/target/debug/examples/conformance_client"
[ -x "$CLIENT" ] || die "$CLIENT was not built"
case "$CLIENT" in *" "*) die "the client path must not contain spaces (the suite splits --command on spaces): $CLIENT" ;; esac

# --- scenarios -----------------------------------------------------------------------------------
# The OAuth scenarios of both suite versions (2025-11-25 and earlier).
AUTH_2025=(auth/metadata-default auth/metadata-var1 auth/metadata-var2 auth/metadata-var3
  auth/basic-cimd auth/scope-from-www-authenticate auth/scope-from-scopes-supported
  auth/scope-omitted-when-undefined auth/scope-step-up auth/scope-retry-limit
  auth/token-endpoint-auth-basic auth/token-endpoint-auth-post auth/token-endpoint-auth-none
  auth/pre-registration)
# 0.1.16's draft OAuth scenarios, and alpha.12's 2026-07-28 ones.
AUTH_016_DRAFT=(auth/2025-03-26-oauth-metadata-backcompat auth/2025-03-26-oauth-endpoint-fallback
  auth/resource-mismatch auth/offline-access-scope auth/offline-access-not-supported)
AUTH_2026=(auth/resource-mismatch auth/offline-access-scope auth/offline-access-not-supported
  auth/authorization-server-migration auth/iss-supported auth/iss-not-advertised
  auth/iss-supported-missing auth/iss-wrong-issuer auth/iss-unexpected auth/iss-normalized
  auth/metadata-issuer-mismatch)
# Extension scenarios the client implements (run on 2025-11-25, the suite's default).
EXTENSIONS_016=(auth/client-credentials-basic auth/client-credentials-jwt)
EXTENSIONS_020=(auth/client-credentials-basic auth/client-credentials-jwt)

# 0.1.16: every client scenario.
SCENARIOS_016=(initialize tools_call elicitation-sep1034-client-defaults sse-retry
  "${AUTH_2025[@]}" "${AUTH_016_DRAFT[@]}")
# alpha.12 on the handshake wire (2025-11-25).
SCENARIOS_020_2025=(initialize tools_call elicitation-sep1034-client-defaults sse-retry
  json-schema-2020-12-preservation "${AUTH_2025[@]}")
# alpha.12 on the stateless wire (2026-07-28).
SCENARIOS_020_2026=(tools_call sep-2322-client-request-state http-standard-headers
  http-custom-headers http-invalid-tool-headers
  json-schema-ref-no-deref json-schema-2020-12-preservation request-metadata
  "${AUTH_2025[@]}" "${AUTH_2026[@]}")
# Nothing is excluded; list a scenario here, with the reason, if a client bug ever needs it.
EXCLUDED=()

# A hung scenario must not hang CI (the suite's own client timeout is 30 s).
LIMIT=()
if command -v timeout >/dev/null 2>&1; then LIMIT=(timeout 300); fi

# Counts the checks of a results directory: prints "passed/failed/warnings" and each FAILURE.
tally() { # results-dir
  "$NODE" - "$1" <<'EOF'
const fs = require("fs"), path = require("path");
const dir = process.argv[2];
let passed = 0, failed = 0, warnings = 0, other = 0;
const failures = [];
// The suite writes <dir>/<scenario>-<time>/checks.json; auth/* scenario names add a level.
const files = [];
const walk = (d) => {
  for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name === "checks.json") files.push(p);
  }
};
walk(dir);
for (const file of files.sort()) {
  for (const c of JSON.parse(fs.readFileSync(file, "utf8"))) {
    if (c.status === "SUCCESS") passed++;
    else if (c.status === "WARNING") warnings++;
    else if (c.status === "FAILURE") { failed++; failures.push(`${c.id}: ${c.errorMessage ?? ""}`); }
    else other++;
  }
}
console.log(`checks: ${passed} passed, ${failed} failed, ${warnings} warnings, ${other} info/skipped`);
for (const f of failures) console.log(`  FAILURE ${f}`);
process.exit(failures.length ? 1 : 0);
EOF
}

RUN=0
PASSED=()
FAILED=()
run_scenario() { # label suite-js version scenario [args...]
  local label="$1" suite="$2" version="$3" scenario="$4"; shift 4
  if [ -n "${CONFORMANCE_CLIENT_ONLY:-}" ] && ! grep -qE -- "$CONFORMANCE_CLIENT_ONLY" <<<"$scenario"; then
    return
  fi
  local name="$label-${scenario//\//_}"
  local dir="$OUT/$name" log="$OUT/$name.log"
  rm -rf "$dir" && mkdir -p "$dir"
  say "$label: conformance@$version client --scenario $scenario $*"
  (cd "$OUT" && "${LIMIT[@]}" "$NODE" "$suite" client --command "$CLIENT" \
      --scenario "$scenario" -o "$dir" "$@") >"$log" 2>&1
  local rc=$?
  if grep -q '^SKIPPED' "$log"; then
    grep '^SKIPPED' "$log"
    return
  fi
  RUN=$((RUN + 1))
  # The suite's own summary of the scenario.
  grep -E 'Passed: [0-9]+/[0-9]+|OVERALL' "$log" | sed 's/^/  /'
  local verdict tally_rc
  verdict="$(tally "$dir")"
  tally_rc=$?
  echo "  $verdict"
  if [ "$rc" -ne 0 ] || [ "$tally_rc" -ne 0 ]; then
    echo "  $label $scenario: FAILED (suite exit code $rc; full log: $log)"
    FAILED+=("$label/$scenario")
  else
    PASSED+=("$label/$scenario")
  fi
}

mkdir -p "$OUT"
for s in "${SCENARIOS_016[@]}"; do
  run_scenario conf016 "$CONF016" "$CONF016_VERSION" "$s"
done
for s in "${SCENARIOS_020_2025[@]}"; do
  run_scenario conf020-2025-11-25 "$CONF020" "$CONF020_VERSION" "$s" --spec-version 2025-11-25
done
for s in "${SCENARIOS_020_2026[@]}"; do
  run_scenario conf020-2026-07-28 "$CONF020" "$CONF020_VERSION" "$s" --spec-version 2026-07-28
done
for s in "${EXTENSIONS_016[@]}"; do
  run_scenario conf016-extension "$CONF016" "$CONF016_VERSION" "$s"
done
for s in "${EXTENSIONS_020[@]}"; do
  run_scenario conf020-extension "$CONF020" "$CONF020_VERSION" "$s"
done

say "skipped client scenarios"
skip_reason() { # scenario
  case "$1" in
    auth/enterprise-managed-authorization|auth/cross-app-access-complete-flow) echo "enterprise-managed authorization (SEP-990: token exchange + JWT bearer grant): not implemented" ;;
    auth/dpop|auth/dpop-nonce) echo "DPoP (RFC 9449) proof-of-possession tokens: not implemented (the client uses bearer tokens)" ;;
    auth/wif-jwt-bearer) echo "workload identity federation (SEP-1933, JWT bearer grant): not implemented" ;;
    *) echo "extension scenario, not implemented by the client" ;;
  esac
}
{ "$NODE" "$CONF016" list --client; "$NODE" "$CONF020" list --client; } 2>/dev/null \
  | sed -n 's/^  - \(auth\/[^ ]*\) \[extension\].*/\1/p' | sort -u \
  | while read -r s; do
      case " ${EXTENSIONS_016[*]} ${EXTENSIONS_020[*]} " in *" $s "*) continue ;; esac
      echo "  SKIPPED $s: $(skip_reason "$s")"
    done
"$NODE" "$CONF020" list --client 2>/dev/null \
  | sed -n 's/^  - \(sep-2640-[^ ]*\).*/\1/p' \
  | sed 's/$/: skills extension (SEP-2640, io.modelcontextprotocol\/skills); not implemented by the client/' \
  | sed 's/^/  SKIPPED /'
for e in "${EXCLUDED[@]}"; do echo "  EXCLUDED (2026-07-28) $e"; done

say "summary: ${RUN} scenario runs, ${#PASSED[@]} passed, ${#FAILED[@]} failed, ${#EXCLUDED[@]} excluded for client bugs"
if [ "${#FAILED[@]}" -ne 0 ]; then
  say "client conformance FAILED: ${FAILED[*]}"
  exit 1
fi
say "client conformance passed"
