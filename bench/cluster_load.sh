#!/usr/bin/env bash
# A bounded load test through the balancer (issue 14): deploy/local-cluster.sh with 1 and then
# 3 replicas of the release everything_server, each driven by bench/src/bin/cluster_load.rs
# (2026-07-28 `tools/call replica`, a fixed number of calls with a fixed number in flight), with
# the CPU time of the replicas and of nginx's worker per call, read from /proc. Loopback only.
# Not a test: a measurement, written up in BENCHMARKS.md ("Scaling out").
#
#   bash bench/cluster_load.sh                       # 50000 calls, 32 in flight, per cluster size
#   bash bench/cluster_load.sh --requests 5000 --concurrency 64 --replicas "1 2 3"
#
# Prints a Markdown table (and writes it to target/bench/cluster_load.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

requests=50000 concurrency=32 sizes="1 3"
while [ $# -gt 0 ]; do
  case $1 in
    --requests) requests=${2:?--requests needs a number}; shift 2 ;;
    --concurrency) concurrency=${2:?--concurrency needs a number}; shift 2 ;;
    --replicas) sizes=${2:?--replicas needs sizes, e.g. "1 3"}; shift 2 ;;
    *) echo "cluster_load: unknown argument \`$1\`" >&2; exit 2 ;;
  esac
done
[[ $requests =~ ^[1-9][0-9]*$ ]] || { echo "cluster_load: --requests must be a positive number" >&2; exit 2; }
[[ $concurrency =~ ^[1-9][0-9]*$ ]] || { echo "cluster_load: --concurrency must be a positive number" >&2; exit 2; }

echo "cluster_load: building the release everything_server and load generator" >&2
cargo build --quiet --release -p toolsmith-examples --example everything_server \
  -p toolsmith-bench --bin cluster_load
server="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/everything_server"
load="${CARGO_TARGET_DIR:-$ROOT/target}/release/cluster_load"

mkdir -p target/bench
out=target/bench/cluster_load.md
run_dir=""
down() {
  [ -n "$run_dir" ] && bash deploy/local-cluster.sh down --run-dir "$run_dir" >/dev/null 2>&1 || true
  run_dir=""
}
trap down EXIT

{
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
    "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))," \
    "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "$requests calls of \`replica\` (2026-07-28), $concurrency in flight, through nginx (1 worker)"
  echo
  echo "| replicas | calls | failed | seconds | calls/s | p50 µs | p99 µs | server CPU µs/call (by process) | load generator CPU µs/call | cores busy |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} | tee "$out"

for n in $sizes; do
  run_dir="$ROOT/target/bench/cluster-$n"
  # RUST_LOG=warn: no log line per request in the measurement.
  url=$(TOOLSMITH_CLUSTER_BIN="$server" RUST_LOG=warn \
    bash deploy/local-cluster.sh up --replicas "$n" --run-dir "$run_dir" 2>/dev/null | tail -n 1)
  cpu=""
  for i in $(seq "$n"); do
    cpu+="replicas=$(cat "$run_dir/replica-$i.pid"),"
  done
  for pid in $(ps -o pid= --ppid "$(cat "$run_dir/nginx-master.pid")"); do
    cpu+="nginx=$pid,"
  done
  "$load" --url "$url" --requests "$requests" --concurrency "$concurrency" \
    --cpu "${cpu%,}" --label "$n" | tee -a "$out"
  down
done
echo >>"$out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
