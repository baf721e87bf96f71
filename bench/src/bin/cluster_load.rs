//! A bounded load through a balancer (`bench/cluster_load.sh` runs it against
//! `deploy/local-cluster.sh` with 1 and 3 replicas): `--requests` 2026-07-28 `tools/call`s of
//! `--tool` with `--concurrency` in flight, then one Markdown table row: throughput, latency,
//! and the CPU time the processes named by `--cpu NAME=PID,...` (replicas, nginx's workers)
//! spent per request, read from `/proc` before and after (Linux only). Every call must answer
//! `200` with a complete result; a failed call is counted and reported, never retried.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "A bounded 2026-07-28 load through a balancer, with CPU per request")]
struct Args {
    /// The MCP endpoint (the balancer's).
    #[arg(long)]
    url: String,
    /// How many calls in all.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// How many calls in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// The tool to call (no arguments).
    #[arg(long, default_value = "replica")]
    tool: String,
    /// Processes whose CPU time counts, as `name=pid` pairs separated by commas; processes of
    /// one name are summed (e.g. `replica=1,replica=2,nginx=3`).
    #[arg(long, default_value = "")]
    cpu: String,
    /// The label of the row.
    #[arg(long, default_value = "run")]
    label: String,
    /// Give up after this many seconds (the run is bounded either way).
    #[arg(long, default_value_t = 120)]
    limit_secs: u64,
}

/// The CPU time (user + system) process `pid` has used, from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_else(|e| panic!("reading /proc/{pid}/stat: {e}"));
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(") ").expect("a stat line").1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on every Linux architecture the kernel exposes to user space this way.
    Duration::from_millis(ticks * 10)
}

fn parse_cpu(spec: &str) -> Vec<(String, u32)> {
    spec.split(',')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (name, pid) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("--cpu wants name=pid pairs, not `{pair}`"));
            let pid = pid
                .parse()
                .unwrap_or_else(|_| panic!("--cpu: `{pid}` is not a pid"));
            (name.to_owned(), pid)
        })
        .collect()
}

fn body(tool: &str, id: usize) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": tool, "arguments": {}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "cluster-load", "version": "0"}}}})
    .to_string()
}

/// One call: its latency, or why it failed.
async fn call(http: &reqwest::Client, args: &Args, id: usize) -> Result<Duration, String> {
    let started = Instant::now();
    let response = http
        .post(&args.url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", &args.tool)
        .body(body(&args.tool, id))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    if status != 200 || value["result"]["resultType"] != "complete" {
        return Err(format!("{status}: {text}"));
    }
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    let watched = parse_cpu(&args.cpu);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .unwrap();
    // Warm up: connections open, code paged in; not counted.
    for id in 0..args.concurrency.min(args.requests) {
        call(&http, &args, id).await.expect("a warm-up call failed");
    }
    let cpu_before: Vec<Duration> = watched.iter().map(|(_, pid)| cpu_time(*pid)).collect();
    let own_before = cpu_time(std::process::id());
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(args.requests)));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(args.limit_secs);
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (http, args, next) = (http.clone(), Arc::clone(&args), Arc::clone(&next));
            let (latencies, failures) = (Arc::clone(&latencies), Arc::clone(&failures));
            tokio::spawn(async move {
                loop {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    if id >= args.requests || Instant::now() > deadline {
                        break;
                    }
                    match call(&http, &args, id + 1_000_000).await {
                        Ok(latency) => latencies.lock().unwrap().push(latency),
                        Err(e) => failures.lock().unwrap().push(e),
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed();
    let own = cpu_time(std::process::id()) - own_before;
    let mut cpu: BTreeMap<&str, Duration> = BTreeMap::new();
    for ((name, pid), before) in watched.iter().zip(cpu_before) {
        *cpu.entry(name.as_str()).or_default() += cpu_time(*pid) - before;
    }
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort();
    let failures = failures.lock().unwrap();
    let done = latencies.len();
    let pct = |p: f64| {
        latencies
            .get(((done as f64 * p) as usize).min(done.saturating_sub(1)))
            .map_or(0, |d| d.as_micros())
    };
    let per_request = |d: Duration| d.as_secs_f64() * 1e6 / done.max(1) as f64;
    let cpu_cells: Vec<String> = cpu
        .iter()
        .map(|(name, d)| format!("{name} {:.0}", per_request(*d)))
        .collect();
    let servers: Duration = cpu.values().sum();
    println!(
        "| {} | {done} | {} | {:.1} | {:.0} | {} | {} | {:.0} ({}) | {:.0} | {:.2} |",
        args.label,
        failures.len(),
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        per_request(servers),
        cpu_cells.join(", "),
        per_request(own),
        (servers + own).as_secs_f64() / elapsed.as_secs_f64(),
    );
    if let Some(first) = failures.first() {
        eprintln!(
            "cluster_load: {} calls failed; the first: {first}",
            failures.len()
        );
        std::process::exit(1);
    }
}
