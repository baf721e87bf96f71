#!/usr/bin/env bash
# Runs the side-by-side comparison: our bench_server, rmcp, the official Python SDK and FastMCP,
# interleaved over rounds, on loopback only. Results: target/bench/results.{md,json}.
#
#   bash bench/run.sh            # full: 5 rounds, ~10 minutes on 2 cores
#   bash bench/run.sh --quick    # 1 short round, ~1 minute
#   bash bench/run.sh --compile  # also the compile-time comparison (50 #[tool]s; ~10 minutes more)
#   bash bench/run.sh --no-setup # skip bench/setup.sh
#   bash bench/run.sh --floor    # also the stdio floor: toolsmith and rmcp beside
#                                # floor_server (bench/src/bin/floor_server.rs), the least a process
#                                # can do to pass the driver's checks (target/bench/floor.md; ~2 min)
#   bash bench/run.sh --mrtr     # also protocol 2026-07-28 side by side: stateless echo and 2-round
#                                # multi round-trip sampling, toolsmith vs rmcp's hand-written MRTR
#                                # `ask` (over stdio_pipes) and the Python SDK's Resolve(Sample)
#                                # (target/bench/mrtr.md; ~2 min)
#
# Any other argument goes to the driver (e.g. `--scenarios echo_32,http_echo_64 --rounds 3`;
# `target/release/driver --help` lists them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

setup=1 compile=0 floor=0 mrtr=0 args=()
for a in "$@"; do
  case "$a" in
    --no-setup) setup=0 ;;
    --compile) compile=1 ;;
    --floor) floor=1 ;;
    --mrtr) mrtr=1 ;;
    *) args+=("$a") ;;
  esac
done

[ "$setup" = 1 ] && bash bench/setup.sh

mkdir -p target/bench
{
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "python: $(bench/.venv/mcp/bin/python --version 2>&1)"
  echo "mcp: $(bench/.venv/mcp/bin/python -c 'import importlib.metadata as m; print(m.version("mcp"))')"
  echo "fastmcp: $(bench/.venv/fastmcp/bin/python -c 'import importlib.metadata as m; print(m.version("fastmcp"), "(mcp", m.version("mcp") + ")")')"
  echo "rmcp: $(grep -A1 '^name = "rmcp"$' bench/rmcp_server/Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p')"
} | tee target/bench/environment.txt

target/release/driver \
  --target toolsmith=target/release/examples/bench_server \
  --target rmcp=target/bench-rmcp/release/rmcp-bench-server \
  --target rmcp-pipes="target/bench-rmcp/release/rmcp-bench-server --pipes" \
  --target python-sdk="bench/.venv/mcp/bin/python bench/python/mcp_server.py" \
  --target fastmcp="bench/.venv/fastmcp/bin/python bench/python/fastmcp_server.py" \
  --baseline rmcp \
  --json target/bench/results.json \
  --markdown target/bench/results.md \
  "${args[@]}"

if [ "$floor" = 1 ]; then
  target/release/driver \
    --target floor=target/release/floor_server \
    --target toolsmith=target/release/examples/bench_server \
    --target rmcp=target/bench-rmcp/release/rmcp-bench-server \
    --baseline rmcp \
    --scenarios echo_seq,sample_seq,echo_32,sample_32 \
    --rounds 5 \
    --json target/bench/floor.json \
    --markdown target/bench/floor.md
fi

if [ "$mrtr" = 1 ]; then
  target/release/driver \
    --target toolsmith=target/release/examples/bench_server \
    --target rmcp-mrtr="target/bench-rmcp/release/rmcp-bench-server --pipes --ask mrtr" \
    --target python-sdk="bench/.venv/mcp/bin/python bench/python/mcp_server.py --ask resolve" \
    --baseline rmcp-mrtr \
    --scenarios stateless_echo_32,mrtr_sample_32 \
    --rounds 5 \
    --json target/bench/mrtr.json \
    --markdown target/bench/mrtr.md
fi

if [ "$compile" = 1 ]; then
  bash bench/compile_time.sh
fi
