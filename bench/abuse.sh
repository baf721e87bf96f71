#!/usr/bin/env bash
# Runs the abuse driver (bench/src/bin/abuse.rs; RELIABILITY.md, "Abuse") against our
# everything_server example and against the rmcp 3.11 server (bench/rmcp_server), one after the
# other, each started afresh for every attack, on loopback only. About 5 minutes for both with
# the default parameters (the two slow-client attacks hold their connections 45 s each, and the
# innocent caller waits up to 30 s).
#
#   bash bench/abuse.sh                 # build (release) and run both
#   bash bench/abuse.sh --no-build      # reuse the release binaries
#   bash bench/abuse.sh --only toolsmith   # or --only rmcp
#   bash bench/abuse.sh --no-spread     # without the second, spread pass (below)
#
# The attackers connect from 127.0.0.1, the innocent caller from 127.0.0.2 (a different user to a
# server that counts per address). After the five attacks, starvation and big_bodies run again
# with the attackers spread over 8 addresses (127.0.1.1-8: 2 sessions, 128 calls each), under
# any per-address cap, so they measure the server-wide capacity and memory bounds.
#
# Any other argument goes to the driver's first pass (e.g. `--attacks starvation,flood
# --flood-sessions 2000`; `target/release/abuse --help` lists them). Results: target/bench/abuse.jsonl (one JSON line per
# attack and server), target/bench/abuse.txt (the human summary and the machine it ran on).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

build=1 only="" spread=1 args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --no-spread) spread=0 ;;
    --only) only="$2"; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [ "$build" = 1 ]; then
  echo "abuse: building the driver and our server (release)"
  cargo build --release --quiet -p toolsmith-bench --bin abuse
  cargo build --release --quiet -p toolsmith-examples --example everything_server
  echo "abuse: building the rmcp server (release, target/bench-rmcp)"
  cargo build --release --quiet --manifest-path bench/rmcp_server/Cargo.toml --target-dir target/bench-rmcp
fi

mkdir -p target/bench
out=target/bench/abuse.jsonl txt=target/bench/abuse.txt
: > "$out"
{
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "rustc: $(rustc --version)"
  echo "rmcp: $(grep -A1 '^name = "rmcp"$' bench/rmcp_server/Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p')"
  echo "load before: $(uptime)"
} | tee "$txt"

spread_from=127.0.1.1,127.0.1.2,127.0.1.3,127.0.1.4,127.0.1.5,127.0.1.6,127.0.1.7,127.0.1.8
run() { # run NAME COMMAND DRIVER-ARGS...
  local name="$1" cmd="$2"
  shift 2
  if [ -n "$only" ] && [ "$only" != "$name" ]; then return; fi
  target/release/abuse --name "$name" --server "$cmd" "$@" ${args[@]+"${args[@]}"} \
    >> "$out" 2> >(tee -a "$txt" >&2)
  if [ "$spread" = 1 ]; then
    target/release/abuse --name "$name" --server "$cmd" "$@" \
      --attacks starvation,big_bodies --attack-from "$spread_from" \
      >> "$out" 2> >(tee -a "$txt" >&2)
  fi
}

run toolsmith target/release/examples/everything_server
run rmcp target/bench-rmcp/release/rmcp-bench-server \
  --sample-tool ask --sample-arg question --trivial-tool echo --trivial-args '{"text":"hi"}'

echo "load after: $(uptime)" | tee -a "$txt"

# A side-by-side table (attack x server) of the summaries, for RELIABILITY.md.
md=target/bench/abuse.md
python3 - "$out" > "$md" <<'PY'
import json, sys
rows, targets = {}, []
def show(v):
    return ",".join(map(str, v)) if isinstance(v, list) else v
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["target"] not in targets:
        targets.append(r["target"])
    attack, spread = r["attack"], len(r["params"].get("attack_from", [])) > 1
    key = f"{attack} (spread)" if spread else attack
    rows.setdefault(key, {})[r["target"]] = r
print("| attack | parameters | " + " | ".join(targets) + " |")
print("| --- | --- | " + " | ".join("---" for _ in targets) + " |")
for attack, by in rows.items():
    params = next(iter(by.values()))["params"]
    shown = ", ".join(f"{k} {show(v)}" for k, v in params.items() if not k.endswith("_tool"))
    cells = [by[t]["summary"].replace("|", "/") if t in by else "-" for t in targets]
    print(f"| {attack} | {shown} | " + " | ".join(cells) + " |")
PY
echo "abuse: results in $out, $txt and $md"
