#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance) against
# examples/everything_server.rs over streamable HTTP:
#
#   1. 0.1.16, the active suite
#   2. 0.1.16, --scenario json-schema-2020-12
#   3. 0.1.16, --scenario server-sse-polling
#   4. 0.2.0-alpha.12, --requirements 2025-11-25
#   5. 0.2.0-alpha.12, --requirements 2026-07-28
#   6. 0.2.0-alpha.12, the skills extension (SEP-2640, not in any requirements set): the
#      sep-2640-skills-enumeration, -manifest and -directory scenarios, one --scenario run each,
#      in 2026-07-28 and (--spec-version 2025-11-25 --force) in 2025-11-25
#
# Node 22 (the suite needs >= 22) and both suite versions are installed from the npm registry
# into <repo>/.ci/cache (git-ignored); a second run reuses them. Needs npm on PATH, and cargo
# ($CARGO, else on PATH).
#
# With `--url URL` (e.g. the MCP URL `deploy/local-cluster.sh up` prints: nginx in front of
# replicas), nothing is built or started: runs 4 and 5 (the 0.2.0 suite for both protocol eras)
# go to URL, the server someone else runs (tests/tests/cluster_conformance.rs), with results in
# $CONFORMANCE_RESULTS if set.
#
# Exits non-zero when any run has a FAILURE check. The one exception is a scenario the suite
# itself labels "(extension)" and does not score, for an optional protocol extension the server
# does not implement; those are reported but do not fail the run. The tasks extension
# (io.modelcontextprotocol/tasks, the tasks-* scenarios) and the skills extension
# (io.modelcontextprotocol/skills, the sep-2640-skills-* scenarios) are implemented: their
# failures count.
# WARNING/INFO checks never fail a run (as in the suite).
set -uo pipefail

DIE_PREFIX=conformance
URL=""
case "${1:-}" in
  "") ;;
  --url)
    URL="${2:-}"
    [[ $URL =~ ^https?://[^[:space:]]+$ ]] || { echo "conformance: --url needs an http(s) URL, not \`$URL\`" >&2; exit 2; }
    ;;
  *) echo "conformance: unknown argument \`$1\` (usage: conformance.sh [--url URL])" >&2; exit 2 ;;
esac
# shellcheck source=conformance-setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/conformance-setup.sh"
OUT="$CACHE/results"
# (--url: results of their own, so a run against one process is not overwritten; or in
# $CONFORMANCE_RESULTS, a directory.)
[ -z "$URL" ] || OUT="${CONFORMANCE_RESULTS:-$CACHE/results-url}"

# --- the server ----------------------------------------------------------------------------------
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  SERVER_PID=""
}
trap stop_server EXIT

mkdir -p "$OUT"
if [ -z "$URL" ]; then
say "building the everything_server example"
(cd "$ROOT" && "$CARGO" build --workspace --examples) || die "cargo build failed"
SERVER="$ROOT/target/debug/examples/everything_server"

free_port() {
  "$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

for attempt in 1 2 3; do
  PORT="$(free_port)"
  "$SERVER" --http "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break 2; fi
    sleep 0.1
  done
  stop_server
  echo "server did not come up on port $PORT (attempt $attempt):" >&2
  cat "$OUT/server.log" >&2
done
[ -n "$SERVER_PID" ] || die "could not start the everything_server example"
URL="http://127.0.0.1:$PORT/mcp"
say "everything_server listening at $URL (pid $SERVER_PID)"
fi

# --- the runs ------------------------------------------------------------------------------------
# Counts the checks of one run's results directory and decides whether it failed: prints
# "passed/failed/warnings" and, for failures, the scenario and check.
tally() { # results-dir log-file
  "$NODE" - "$1" "$2" <<'EOF'
const fs = require("fs"), path = require("path");
const [dir, log] = process.argv.slice(2);
// Extensions the server implements: their scenarios' failures count like any other.
const implemented = /^(tasks-|sep-2640-skills-)/;
// Scenarios the suite labels "(extension)" in its not-scored list.
const extensions = new Set(
  [...fs.readFileSync(log, "utf8").matchAll(/^\s*[✓✗]\s+(\S+)\s+\(extension\)/gmu)].map((m) => m[1]));
let passed = 0, failed = 0, warnings = 0, info = 0, excused = 0;
const failures = [];
for (const d of fs.readdirSync(dir).sort()) {
  const file = path.join(dir, d, "checks.json");
  if (!fs.existsSync(file)) continue;
  const scenario = d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
  for (const c of JSON.parse(fs.readFileSync(file, "utf8"))) {
    if (c.status === "SUCCESS") passed++;
    else if (c.status === "WARNING") warnings++;
    else if (c.status === "INFO") info++;
    else if (c.status === "FAILURE") {
      failed++;
      if (extensions.has(scenario) && !implemented.test(scenario)) excused++;
      else failures.push(`${scenario}: ${c.id}: ${c.errorMessage ?? ""}`);
    }
  }
}
console.log(`checks: ${passed} passed, ${failed} failed, ${warnings} warnings, ${info} info`);
if (excused) console.log(`  (${excused} of the failures are in not-scored extension scenarios the server does not implement)`);
for (const f of failures) console.log(`  FAILURE ${f}`);
process.exit(failures.length ? 1 : 0);
EOF
}

# A hung run must not hang CI: no run takes more than a few minutes.
LIMIT=()
if command -v timeout >/dev/null 2>&1; then LIMIT=(timeout 900); fi

FAILED_RUNS=()
run() { # label suite-js suite-version args...
  local label="$1" suite="$2" version="$3"; shift 3
  local dir="$OUT/$label" log="$OUT/$label.log"
  rm -rf "$dir" && mkdir -p "$dir"
  say "$label: conformance@$version server --url $URL $*"
  (cd "$OUT" && "${LIMIT[@]}" "$NODE" "$suite" server --url "$URL" -o "$dir" "$@") >"$log" 2>&1
  local rc=$?
  # The suite's own summary: the SUMMARY block of a suite run, the results of a single scenario.
  if grep -q '=== SUMMARY ===' "$log"; then
    sed -n '/=== SUMMARY ===/,$p' "$log"
  else
    sed -n '/^Test Results:/,$p' "$log"
  fi
  local verdict
  verdict="$(tally "$dir" "$log")"
  local tally_rc=$?
  echo "$verdict"
  if [ "$rc" -ne 0 ] || [ "$tally_rc" -ne 0 ]; then
    echo "$label: FAILED (suite exit code $rc; full log: $log)"
    FAILED_RUNS+=("$label")
  fi
}

if [ -z "$SERVER_PID" ]; then
  # --url: only the two protocol eras of the 0.2.0 suite, against the given server.
  say "server at $URL (not started here)"
else
run 1-conf016-active "$CONF016" "$CONF016_VERSION"
run 2-conf016-json-schema-2020-12 "$CONF016" "$CONF016_VERSION" --scenario json-schema-2020-12
run 3-conf016-server-sse-polling "$CONF016" "$CONF016_VERSION" --scenario server-sse-polling
fi
run 4-conf020-requirements-2025-11-25 "$CONF020" "$CONF020_VERSION" --requirements 2025-11-25
run 5-conf020-requirements-2026-07-28 "$CONF020" "$CONF020_VERSION" --requirements 2026-07-28
if [ -n "$SERVER_PID" ]; then
  # The skills extension: in no requirements set, so one scenario per run (a second each).
  for scenario in sep-2640-skills-enumeration sep-2640-skills-manifest sep-2640-skills-directory; do
    run "6-conf020-$scenario" "$CONF020" "$CONF020_VERSION" --scenario "$scenario"
    run "6-conf020-$scenario-2025-11-25" "$CONF020" "$CONF020_VERSION" --scenario "$scenario" \
      --spec-version 2025-11-25 --force
  done
fi

stop_server
if [ "${#FAILED_RUNS[@]}" -ne 0 ]; then
  say "conformance FAILED: ${FAILED_RUNS[*]}"
  exit 1
fi
say "conformance passed: all runs without failures"
