//! The load driver of the side-by-side benchmarks (see BENCHMARKS.md).
//!
//! It speaks raw JSON-RPC, so it favours no SDK: newline-delimited frames over a child process's
//! stdio, and plain HTTP requests for streamable HTTP. It runs the 2025-11-25 handshake, answers
//! `sampling/createMessage` at once, and measures each target server in the same run, interleaved
//! (round 1: A B C D, round 2: A B C D, ...), reporting medians over the rounds and ratios against
//! a baseline target.
//!
//! Every target is a command that takes the same arguments as `examples/bench_server.rs`:
//! `--tools N` (N extra trivial tools) and `--http ADDR` (streamable HTTP at `/mcp`, else stdio).
//!
//! ```text
//! driver --target toolsmith=target/release/examples/bench_server \
//!        --target rmcp=target/bench-rmcp/release/rmcp-bench-server \
//!        --baseline rmcp --rounds 5 --json target/bench/results.json --markdown target/bench/results.md
//! ```
//!
//! Only loopback addresses are used; every scenario is bounded in time and in count.

#[path = "driver/http.rs"]
mod http;
#[path = "driver/http_sample.rs"]
mod http_sample;
#[path = "driver/metrics.rs"]
mod metrics;
#[path = "driver/raw_http.rs"]
mod raw_http;
#[path = "driver/report.rs"]
mod report;
#[path = "driver/scenarios.rs"]
mod scenarios;
#[path = "driver/stdio.rs"]
mod stdio;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::StreamExt;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The protocol revision of the handshake.
const PROTOCOL: &str = "2025-11-25";
/// The stateless protocol revision (no handshake; a `_meta` envelope on every request).
const STATELESS: &str = "2026-07-28";
/// The `_meta` envelope of every 2026-07-28 request, declaring the sampling capability.
const ENVELOPE: &str = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"sampling":{}},"io.modelcontextprotocol/clientInfo":{"name":"toolsmith-bench-driver","version":"0.1.0"}}"#;
/// Most rounds of one multi round-trip request before the driver calls it wrong.
const MAX_MRTR_ROUNDS: u32 = 4;
/// What the driver's "model" answers to every sampling request.
const ANSWER: &str = "forty-two";
/// How long the driver waits for any single message before it gives up on a scenario.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Parser, Debug, Clone)]
#[command(
    about = "Side-by-side MCP server benchmarks over raw JSON-RPC (stdio and streamable HTTP)"
)]
struct Args {
    /// A server to measure, as NAME=COMMAND (the command is split on whitespace). Repeatable; the
    /// order is the interleaving order within a round.
    #[arg(long = "target", required = true, value_parser = parse_target)]
    targets: Vec<Target>,
    /// The target the ratios are computed against.
    #[arg(long)]
    baseline: Option<String>,
    /// Rounds; each round runs every scenario on every target, in order.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Short run: 1 round, short scenarios, 200 idle sessions.
    #[arg(long)]
    quick: bool,
    /// Measured time of each load scenario, in milliseconds (after a warm-up of a fifth of it).
    #[arg(long)]
    duration_ms: Option<u64>,
    /// Scenarios to run (comma-separated): echo_seq, echo_32, sample_seq, sample_32, list_10,
    /// list_500, cold_start, http_echo_64, http_sample_32, http_idle, and for servers speaking 2026-07-28:
    /// stateless_echo_32, mrtr_sample_32.
    #[arg(long, value_delimiter = ',')]
    scenarios: Option<Vec<String>>,
    /// Most requests per load scenario (a bound besides the duration).
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,
    /// Sessions of the idle-memory scenario.
    #[arg(long)]
    idle_sessions: Option<usize>,
    /// Spawns per round of the cold-start scenario.
    #[arg(long)]
    cold_reps: Option<usize>,
    /// Write every measurement (per round) and the medians as JSON here (`-` for stdout).
    #[arg(long)]
    json: Option<String>,
    /// Write the results table as Markdown here.
    #[arg(long)]
    markdown: Option<String>,
    /// Let the servers' stderr through (default: discarded).
    #[arg(long)]
    server_stderr: bool,
}

#[derive(Debug, Clone)]
struct Target {
    name: String,
    command: Vec<String>,
}

fn parse_target(s: &str) -> Result<Target, String> {
    let (name, command) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected NAME=COMMAND"))?;
    let command: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    if name.is_empty() || command.is_empty() {
        return Err(format!("`{s}`: expected NAME=COMMAND"));
    }
    Ok(Target {
        name: name.to_owned(),
        command,
    })
}

const ALL_SCENARIOS: &[&str] = &[
    "echo_seq",
    "echo_32",
    "sample_seq",
    "sample_32",
    "list_10",
    "list_500",
    "cold_start",
    "http_echo_64",
    "http_sample_32",
    "http_idle",
    "stateless_echo_32",
    "mrtr_sample_32",
];

/// The scenarios of protocol 2026-07-28; "n/a" for a server that does not speak it.
const STATELESS_SCENARIOS: &[&str] = &["stateless_echo_32", "mrtr_sample_32"];

/// Settings derived from the arguments.
#[derive(Debug, Clone)]
struct Plan {
    measure: Duration,
    warmup: Duration,
    max_requests: u64,
    idle_sessions: usize,
    cold_reps: usize,
    scenarios: Vec<String>,
    server_stderr: bool,
}

use http::*;
use http_sample::*;
use metrics::*;
use raw_http::*;
use report::*;
use scenarios::*;
use stdio::*;

fn main() {
    let args = Args::parse();
    let quick = args.quick;
    let measure = Duration::from_millis(args.duration_ms.unwrap_or(if quick { 400 } else { 1500 }));
    let plan = Plan {
        measure,
        warmup: measure / 5,
        max_requests: args.max_requests,
        idle_sessions: args.idle_sessions.unwrap_or(if quick { 200 } else { 1000 }),
        cold_reps: args.cold_reps.unwrap_or(if quick { 2 } else { 3 }),
        scenarios: args
            .scenarios
            .clone()
            .unwrap_or_else(|| ALL_SCENARIOS.iter().map(|s| s.to_string()).collect()),
        server_stderr: args.server_stderr,
    };
    for s in &plan.scenarios {
        if !ALL_SCENARIOS.contains(&s.as_str()) {
            eprintln!(
                "unknown scenario `{s}` (known: {})",
                ALL_SCENARIOS.join(", ")
            );
            std::process::exit(2);
        }
    }
    let rounds = if quick { 1 } else { args.rounds.max(1) };
    // One thread: the driver keeps to one core, leaving the other to the server under test.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let t0 = Instant::now();
    let mut per_round: BTreeMap<String, Vec<Metrics>> = BTreeMap::new();
    rt.block_on(async {
        for round in 1..=rounds {
            eprintln!("round {round}/{rounds}");
            for target in &args.targets {
                let load_before = loadavg();
                let mut m = run_target(target, &plan).await;
                // Other work on the machine skews everything: keep the 1-minute load average.
                m.insert("machine.loadavg_before".into(), load_before);
                m.insert("machine.loadavg_after".into(), loadavg());
                per_round.entry(target.name.clone()).or_default().push(m);
            }
        }
    });
    let mut medians: BTreeMap<String, Metrics> = BTreeMap::new();
    for (name, rounds) in &per_round {
        let mut keys: Vec<&String> = rounds.iter().flat_map(|m| m.keys()).collect();
        keys.sort();
        keys.dedup();
        let m = keys
            .into_iter()
            .map(|k| {
                let values: Vec<f64> = rounds.iter().filter_map(|m| m.get(k).copied()).collect();
                let v = if k.ends_with(".ok") || k.starts_with("failed.") {
                    // Sanity flags: the worst round counts.
                    if k.ends_with(".ok") {
                        values.iter().copied().fold(1.0, f64::min)
                    } else {
                        values.iter().copied().fold(0.0, f64::max)
                    }
                } else {
                    median(&values)
                };
                (k.clone(), v)
            })
            .collect();
        medians.insert(name.clone(), m);
    }
    let baseline = args
        .baseline
        .as_deref()
        .filter(|b| args.targets.iter().any(|t| t.name == *b));
    let table = markdown(&args.targets, &medians, baseline);
    println!("{table}");
    let elapsed = t0.elapsed().as_secs_f64();
    eprintln!("done in {elapsed:.0} s");
    let report = json!({
        "rounds": rounds,
        "measure_ms": plan.measure.as_millis() as u64,
        "idle_sessions": plan.idle_sessions,
        "elapsed_s": elapsed,
        "targets": args.targets.iter().map(|t| json!({"name": t.name, "command": t.command.join(" ")})).collect::<Vec<_>>(),
        "medians": medians,
        "rounds_raw": per_round,
    });
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).expect("json");
        if path == "-" {
            println!("{text}");
        } else {
            std::fs::write(path, text).unwrap_or_else(|e| panic!("write {path}: {e}"));
        }
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, &table).unwrap_or_else(|e| panic!("write {path}: {e}"));
    }
    let failed = medians.values().any(|m| {
        m.iter().any(|(k, v)| {
            (k.ends_with(".ok") && *v < 1.0) || (k.starts_with("failed.") && *v > 0.0)
        })
    });
    if failed {
        eprintln!("some scenarios failed or answered wrongly (see above)");
        std::process::exit(1);
    }
}
