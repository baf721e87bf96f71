#!/usr/bin/env bash
# Compile time of a server with 50 tools: 50 toolsmith `#[tool]`s against 50 rmcp `#[tool]`s
# (each rmcp tool with its own `Parameters<T>` struct, as rmcp's macros want). Generates two
# crates under target/bench-compile/, builds their dependencies once, then times rebuilding the
# crate itself after a touch (`cargo build`, dev profile, incremental as by default; `cargo check`;
# and `cargo build` with CARGO_INCREMENTAL=0, as a first or CI build compiles the crate),
# interleaved, median of 5 (COMPILE_REPS), and the LLVM IR size with cargo-llvm-lines if installed.
#
# Then the clean build of a one-tool stdio server, dependencies included: toolsmith with its
# default features against rmcp with the features its stdio server needs, each crate generated into
# a temporary directory and built in a fresh target dir (`cargo build`, dev profile,
# CARGO_INCREMENTAL=0), interleaved, CLEAN_REPS times (default 3), plus the number of packages in
# each one's `cargo tree -e normal`. `--clean-only` runs just this part; `--no-clean` skips it.
# Results: target/bench/compile_time.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p target/bench

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- A one-tool stdio server, clean build with dependencies ----------------------------------
clean_builds() {
  local reps=${CLEAN_REPS:-3}
  clean_tmp=$(mktemp -d)
  trap 'rm -rf "$clean_tmp"' EXIT
  mkdir -p "$clean_tmp/toolsmith1/src" "$clean_tmp/rmcp1/src"

  cat > "$clean_tmp/toolsmith1/Cargo.toml" <<TOML
[package]
name = "toolsmith1"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
toolsmith = { path = "$ROOT/runtime" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
TOML
  cp Cargo.lock "$clean_tmp/toolsmith1/Cargo.lock"
  cat > "$clean_tmp/toolsmith1/src/main.rs" <<'RS'
use toolsmith::prelude::*;

/// Repeats a text.
#[tool]
async fn repeat(
    #[arg(description = "The text")] text: String,
    #[arg(description = "How many times")] times: Option<u32>,
) -> String {
    text.repeat(times.unwrap_or(1) as usize)
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    Server::new("one", "0.1.0").tool(repeat).serve_stdio().await
}
RS

  cat > "$clean_tmp/rmcp1/Cargo.toml" <<TOML
[package]
name = "rmcp1"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
rmcp = { version = "=3.11.0", features = ["server", "macros", "transport-io"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
serde = { version = "1", features = ["derive"] }
schemars = "1"
TOML
  cp bench/rmcp_server/Cargo.lock "$clean_tmp/rmcp1/Cargo.lock"
  cat > "$clean_tmp/rmcp1/src/main.rs" <<'RS'
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_handler, tool_router, ServerHandler, ServiceExt};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct RepeatArgs {
    /// The text
    text: String,
    /// How many times
    times: Option<u32>,
}

#[derive(Clone)]
struct One;

#[tool_router]
impl One {
    /// Repeats a text.
    #[tool]
    async fn repeat(&self, Parameters(RepeatArgs { text, times }): Parameters<RepeatArgs>) -> String {
        text.repeat(times.unwrap_or(1) as usize)
    }
}

#[tool_handler]
impl ServerHandler for One {}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    One.serve(rmcp::transport::stdio()).await?.waiting().await?;
    Ok(())
}
RS

  # Packages in the normal dependency tree, the server crate itself included, each counted once
  # (`--prefix none` lists one package a line; `(*)` marks a repeat of one already shown).
  count_crates() {
    cargo tree --quiet -e normal --prefix none --format '{p}' --manifest-path "$1/Cargo.toml" \
      | sed 's/ (\*)$//' | sort -u | wc -l
  }
  local c ts_crates rm_crates
  for c in toolsmith1 rmcp1; do
    cargo fetch --quiet --manifest-path "$clean_tmp/$c/Cargo.toml"
  done
  ts_crates=$(count_crates "$clean_tmp/toolsmith1")
  rm_crates=$(count_crates "$clean_tmp/rmcp1")

  one_clean() { # one_clean CRATE: a clean build, dependencies included; appends its wall-clock
    # seconds to CRATE.clean and its CPU seconds (user + system, all rustc processes) to CRATE.cpu
    local crate="$1" target="$clean_tmp/target-$1" times TIMEFORMAT='%R %U %S'
    rm -rf "$target"
    times=$( { time CARGO_INCREMENTAL=0 cargo build --quiet --offline \
      --manifest-path "$clean_tmp/$crate/Cargo.toml" --target-dir "$target" >/dev/null 2>&1; } 2>&1 )
    rm -rf "$target"
    set -- $times
    echo "$1" >> "$clean_tmp/$crate.clean"
    echo "$2 + $3" | bc >> "$clean_tmp/$crate.cpu"
    echo "compile: $crate clean build: $1 s wall, $(tail -1 "$clean_tmp/$crate.cpu") s CPU"
  }

  local load_before load_after i
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "compile: clean builds of a one-tool stdio server ($reps each, interleaved)"
  for i in $(seq "$reps"); do
    # Alternate which goes first, so neither always builds after the other's disk traffic.
    local order="toolsmith1 rmcp1"
    if [ $((i % 2)) = 0 ]; then order="rmcp1 toolsmith1"; fi
    for c in $order; do
      one_clean "$c"
    done
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  runs() { sort -n "$1" | xargs printf '%.1f ' | sed 's/ $//'; }
  local ts_med rm_med ts_cpu rm_cpu
  ts_med=$(median < "$clean_tmp/toolsmith1.clean"); rm_med=$(median < "$clean_tmp/rmcp1.clean")
  ts_cpu=$(median < "$clean_tmp/toolsmith1.cpu"); rm_cpu=$(median < "$clean_tmp/rmcp1.cpu")
  {
    echo
    echo "| one-tool stdio server | toolsmith (default features) | rmcp 3.11 (server, macros, transport-io) | toolsmith / rmcp |"
    echo "| --- | --- | --- | --- |"
    printf '| packages in `cargo tree -e normal` (the server crate included) | %s | %s | %.2f |\n' \
      "$ts_crates" "$rm_crates" "$(echo "$ts_crates / $rm_crates" | bc -l)"
    printf '| clean `cargo build` with dependencies, dev profile: wall clock (median of %s; all runs) | %.1f s (%s) | %.1f s (%s) | %.2f |\n' \
      "$reps" "$ts_med" "$(runs "$clean_tmp/toolsmith1.clean")" "$rm_med" "$(runs "$clean_tmp/rmcp1.clean")" \
      "$(echo "$ts_med / $rm_med" | bc -l)"
    printf '| the same builds: CPU time, user + system (median; all runs) | %.1f s (%s) | %.1f s (%s) | %.2f |\n' \
      "$ts_cpu" "$(runs "$clean_tmp/toolsmith1.cpu")" "$rm_cpu" "$(runs "$clean_tmp/rmcp1.cpu")" \
      "$(echo "$ts_cpu / $rm_cpu" | bc -l)"
    echo
    echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after; $(nproc) CPUs."
  } | tee target/bench/compile_time_clean.md
}

if [ "${1:-}" = --clean-only ]; then
  clean_builds
  exit 0
fi
OUT=target/bench-compile
N=50
mkdir -p "$OUT/toolsmith50/src" "$OUT/rmcp50/src"

# --- toolsmith
cat > "$OUT/toolsmith50/Cargo.toml" <<TOML
[package]
name = "toolsmith50"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
toolsmith = { path = "$ROOT/runtime" }
tokio = { version = "1", features = ["full"] }
TOML
cp Cargo.lock "$OUT/toolsmith50/Cargo.lock"
{
  echo "use toolsmith::prelude::*;"
  for i in $(seq 0 $((N - 1))); do
    cat <<RS

/// Tool number $i: repeats a text.
#[tool]
async fn tool_$i(
    #[arg(description = "The text")] text: String,
    #[arg(description = "How many times")] times: Option<u32>,
) -> String {
    text.repeat(times.unwrap_or(1) as usize + $i % 2)
}
RS
  done
  echo
  echo "#[tokio::main]"
  echo "async fn main() -> Result<(), toolsmith::Error> {"
  echo "    Server::new(\"fifty\", \"0.1.0\")"
  for i in $(seq 0 $((N - 1))); do echo "        .tool(tool_$i)"; done
  echo "        .serve_stdio()"
  echo "        .await"
  echo "}"
} > "$OUT/toolsmith50/src/main.rs"

# --- rmcp
cat > "$OUT/rmcp50/Cargo.toml" <<TOML
[package]
name = "rmcp50"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
rmcp = { version = "=3.11.0", features = ["server", "macros", "transport-io"] }
tokio = { version = "1", features = ["full"] }
serde = { version = "1", features = ["derive"] }
schemars = "1"
TOML
cp bench/rmcp_server/Cargo.lock "$OUT/rmcp50/Cargo.lock"
{
  echo "use rmcp::handler::server::wrapper::Parameters;"
  echo "use rmcp::{tool, tool_handler, tool_router, ServerHandler, ServiceExt};"
  for i in $(seq 0 $((N - 1))); do
    cat <<RS

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args$i {
    /// The text
    text: String,
    /// How many times
    times: Option<u32>,
}
RS
  done
  echo
  echo "#[derive(Clone)]"
  echo "struct Fifty;"
  echo
  echo "#[tool_router]"
  echo "impl Fifty {"
  for i in $(seq 0 $((N - 1))); do
    cat <<RS
    /// Tool number $i: repeats a text.
    #[tool]
    async fn tool_$i(&self, Parameters(Args$i { text, times }): Parameters<Args$i>) -> String {
        text.repeat(times.unwrap_or(1) as usize + $i % 2)
    }

RS
  done
  echo "}"
  echo
  echo "#[tool_handler]"
  echo "impl ServerHandler for Fifty {}"
  echo
  echo "#[tokio::main]"
  echo "async fn main() -> Result<(), Box<dyn std::error::Error>> {"
  echo "    Fifty.serve(rmcp::transport::stdio()).await?.waiting().await?;"
  echo "    Ok(())"
  echo "}"
} > "$OUT/rmcp50/src/main.rs"

once() { # once CRATE MODE -> seconds of one rebuild after a touch
  # MODE: build (dev, incremental as cargo does by default), check, or full (dev build of the
  # crate without the incremental cache, as in CI or a first build).
  local dir="$OUT/$1" t0 t1 sub="$2" env=()
  if [ "$2" = full ]; then sub=build env=(CARGO_INCREMENTAL=0); fi
  touch "$dir/src/main.rs"
  t0=$(date +%s.%N)
  env "${env[@]}" cargo "$sub" --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

echo "compile: building dependencies (once)"
for c in toolsmith50 rmcp50; do
  cargo build --quiet --manifest-path "$OUT/$c/Cargo.toml"
  cargo check --quiet --manifest-path "$OUT/$c/Cargo.toml"
done

# Interleaved (toolsmith, rmcp, toolsmith, ...) so that the machine's noise falls on both.
REPS=${COMPILE_REPS:-5}
tmp=$(mktemp -d)
for sub in build check full; do
  for _ in $(seq "$REPS"); do
    once toolsmith50 "$sub" >> "$tmp/toolsmith50.$sub"
    once rmcp50 "$sub" >> "$tmp/rmcp50.$sub"
  done
done
ts_build=$(median < "$tmp/toolsmith50.build"); rm_build=$(median < "$tmp/rmcp50.build")
ts_check=$(median < "$tmp/toolsmith50.check"); rm_check=$(median < "$tmp/rmcp50.check")
ts_full=$(median < "$tmp/toolsmith50.full"); rm_full=$(median < "$tmp/rmcp50.full")
rm -rf "$tmp"

# Expansion size: lines of LLVM IR generated for the crate (cargo-llvm-lines, if installed:
# `cargo install cargo-llvm-lines`).
llvm_lines() {
  (cd "$OUT/$1" && cargo llvm-lines --bin "$1" 2>/dev/null | awk '/\(TOTAL\)/ {print $1 " " $2; exit}')
}
ts_llvm="" rm_llvm=""
if cargo llvm-lines --version >/dev/null 2>&1; then
  ts_llvm=$(llvm_lines toolsmith50); rm_llvm=$(llvm_lines rmcp50)
fi
{
  echo "| 50 tools, rebuild after touching main.rs (median of $REPS, interleaved) | toolsmith | rmcp | rmcp / toolsmith |"
  echo "| --- | --- | --- | --- |"
  printf '| `cargo build` (dev profile) | %.2f s | %.2f s | %.2f× |\n' "$ts_build" "$rm_build" "$(echo "$rm_build / $ts_build" | bc -l)"
  printf '| `cargo check` | %.2f s | %.2f s | %.2f× |\n' "$ts_check" "$rm_check" "$(echo "$rm_check / $ts_check" | bc -l)"
  printf '| `cargo build` without the incremental cache (`CARGO_INCREMENTAL=0`) | %.2f s | %.2f s | %.2f× |\n' "$ts_full" "$rm_full" "$(echo "$rm_full / $ts_full" | bc -l)"
  if [ -n "$ts_llvm" ] && [ -n "$rm_llvm" ]; then
    set -- $ts_llvm; ts_lines=$1 ts_copies=$2
    set -- $rm_llvm; rm_lines=$1 rm_copies=$2
    printf '| LLVM IR lines (`cargo llvm-lines`, functions instantiated) | %s (%s) | %s (%s) | %.2f× |\n' \
      "$ts_lines" "$ts_copies" "$rm_lines" "$rm_copies" "$(echo "$rm_lines / $ts_lines" | bc -l)"
  fi
} | tee target/bench/compile_time.md

if [ "${1:-}" = --no-clean ]; then
  exit 0
fi
clean_builds
cat target/bench/compile_time_clean.md >> target/bench/compile_time.md
