#!/usr/bin/env bash
# Compile time of a server with 50 tools: 50 toolsmith `#[tool]`s against 50 rmcp `#[tool]`s
# (each rmcp tool with its own `Parameters<T>` struct, as rmcp's macros want). Generates two
# crates under target/bench-compile/, builds their dependencies once, then times rebuilding the
# crate itself after a touch (`cargo build`, dev profile, and `cargo check`), median of 3.
# Results: target/bench/compile_time.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=target/bench-compile
N=50
mkdir -p "$OUT/toolsmith50/src" "$OUT/rmcp50/src" target/bench

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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_of() { # time_of CRATE CARGO-SUBCOMMAND -> median seconds of 3 rebuilds after a touch
  local dir="$OUT/$1" sub="$2"
  cargo "$sub" --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1 || cargo "$sub" --manifest-path "$dir/Cargo.toml"
  for _ in 1 2 3; do
    touch "$dir/src/main.rs"
    local t0 t1
    t0=$(date +%s.%N)
    cargo "$sub" --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
  done | median
}

echo "compile: building dependencies (once)"
for c in toolsmith50 rmcp50; do
  cargo build --quiet --manifest-path "$OUT/$c/Cargo.toml"
  cargo check --quiet --manifest-path "$OUT/$c/Cargo.toml"
done

ts_build=$(time_of toolsmith50 build); rm_build=$(time_of rmcp50 build)
ts_check=$(time_of toolsmith50 check); rm_check=$(time_of rmcp50 check)
{
  echo "| 50 tools, rebuild after touching main.rs (median of 3) | toolsmith | rmcp | rmcp / toolsmith |"
  echo "| --- | --- | --- | --- |"
  printf '| `cargo build` (dev profile) | %.2f s | %.2f s | %.2f× |\n' "$ts_build" "$rm_build" "$(echo "$rm_build / $ts_build" | bc -l)"
  printf '| `cargo check` | %.2f s | %.2f s | %.2f× |\n' "$ts_check" "$rm_check" "$(echo "$rm_check / $ts_check" | bc -l)"
} | tee target/bench/compile_time.md
