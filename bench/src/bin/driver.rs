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
    /// list_500, cold_start, http_echo_64, http_idle, and for servers speaking 2026-07-28:
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

// ---------------------------------------------------------------------------------------------
// Measurements

/// One scenario's numbers on one target in one round: metric name -> value.
type Metrics = BTreeMap<String, f64>;

/// The outcome of a load run.
#[derive(Debug, Default, Clone, Serialize)]
struct LoadResult {
    /// Requests sent in the measured window.
    sent: u64,
    /// Responses received for them, each id exactly once.
    answered: u64,
    /// Responses whose id had already been answered.
    duplicates: u64,
    /// Responses with an id never sent.
    unknown: u64,
    /// Error responses, or results that were not what the request asked for.
    bad: u64,
    /// Server-to-client requests answered (sampling).
    server_requests: u64,
    /// Latencies in nanoseconds.
    #[serde(skip)]
    latencies: Vec<u64>,
    elapsed: Duration,
    /// The server's (CPU ns, context switches) before and after the window.
    #[serde(skip)]
    usage: (Option<Usage>, Option<Usage>),
}

impl LoadResult {
    fn percentile_us(&self, p: f64) -> f64 {
        percentile(&self.latencies, p) / 1000.0
    }

    fn throughput(&self) -> f64 {
        self.answered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn sane(&self) -> bool {
        self.sent > 0
            && self.answered == self.sent
            && self.duplicates == 0
            && self.unknown == 0
            && self.bad == 0
    }

    fn metrics(&self, prefix: &str) -> Metrics {
        let mut m = Metrics::new();
        m.insert(format!("{prefix}.rps"), self.throughput());
        m.insert(format!("{prefix}.p50_us"), self.percentile_us(50.0));
        m.insert(format!("{prefix}.p90_us"), self.percentile_us(90.0));
        m.insert(format!("{prefix}.p99_us"), self.percentile_us(99.0));
        m.insert(format!("{prefix}.requests"), self.answered as f64);
        m.insert(format!("{prefix}.sent"), self.sent as f64);
        m.insert(format!("{prefix}.duplicates"), self.duplicates as f64);
        m.insert(format!("{prefix}.unknown"), self.unknown as f64);
        m.insert(format!("{prefix}.bad"), self.bad as f64);
        m.insert(
            format!("{prefix}.server_requests"),
            self.server_requests as f64,
        );
        m.extend(per_request(
            prefix,
            self.usage.0,
            self.usage.1,
            self.answered,
        ));
        m.insert(format!("{prefix}.ok"), if self.sane() { 1.0 } else { 0.0 });
        m
    }
}

/// The `p`th percentile (nearest rank) of unsorted samples.
fn percentile(samples: &[u64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1] as f64
}

fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// A process's CPU time (ns) and context switches so far.
type Usage = (u64, u64);

/// CPU time (ns) and context switches so far, summed over a process's threads.
fn cpu_and_switches(pid: u32) -> Option<Usage> {
    let mut cpu = 0;
    let mut switches = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let path = task.path();
        if let Ok(s) = std::fs::read_to_string(path.join("schedstat")) {
            cpu += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(s) = std::fs::read_to_string(path.join("status")) {
            switches += s
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some((cpu, switches))
}

/// Server CPU time and context switches per answered request, over a measured window.
fn per_request(
    prefix: &str,
    before: Option<Usage>,
    after: Option<Usage>,
    answered: u64,
) -> Metrics {
    let mut m = Metrics::new();
    if let (Some((c0, s0)), Some((c1, s1))) = (before, after) {
        let n = answered.max(1) as f64;
        m.insert(
            format!("{prefix}.server_cpu_us_per_req"),
            (c1 - c0) as f64 / 1000.0 / n,
        );
        m.insert(
            format!("{prefix}.server_ctx_switches_per_req"),
            (s1 - s0) as f64 / n,
        );
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Stdio

/// What a request of a load run asks for, and so how its result is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    /// `tools/call echo` with a text naming the request id.
    Echo,
    /// `tools/call ask`: one sampling round trip.
    Ask,
    /// `tools/list`, expecting this many tools.
    List(usize),
    /// `tools/call echo` in the 2026-07-28 envelope, expecting `resultType: "complete"`.
    StatelessEcho,
}

impl Call {
    fn frame(self, id: u64) -> String {
        match self {
            Call::Echo => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hello {id}"}}}}}}"#
            ),
            Call::Ask => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"ask","arguments":{{"question":"what is six times seven? ({id})"}}}}}}"#
            ),
            Call::List(_) => format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#),
            Call::StatelessEcho => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hello {id}"}},"_meta":{ENVELOPE}}}}}"#
            ),
        }
    }

    /// Whether `result` is what request `id` should get.
    fn check(self, id: u64, result: &serde_json::value::RawValue) -> bool {
        #[derive(Deserialize)]
        struct Text {
            text: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct CallResult {
            content: Vec<Text>,
            #[serde(default)]
            is_error: Option<bool>,
            #[serde(default)]
            result_type: Option<String>,
        }
        #[derive(Deserialize)]
        struct ListResult {
            tools: Vec<IgnoredAny>,
        }
        match self {
            Call::Echo | Call::Ask | Call::StatelessEcho => {
                let Ok(r) = serde_json::from_str::<CallResult>(result.get()) else {
                    return false;
                };
                let want = match self {
                    Call::Echo | Call::StatelessEcho => format!("hello {id}"),
                    _ => ANSWER.to_owned(),
                };
                (self != Call::StatelessEcho || r.result_type.as_deref() == Some("complete"))
                    && r.is_error != Some(true)
                    && r.content.first().and_then(|c| c.text.as_deref()) == Some(want.as_str())
            }
            Call::List(n) => {
                serde_json::from_str::<ListResult>(result.get()).is_ok_and(|r| r.tools.len() == n)
            }
        }
    }
}

/// Any incoming frame, fields kept raw.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(borrow, default)]
    id: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    method: Option<String>,
    #[serde(borrow, default)]
    result: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a serde_json::value::RawValue>,
}

/// A server child process spoken to over its stdio.
struct StdioServer {
    child: Child,
    pid: u32,
    stdin: BufWriter<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

fn command(target: &Target, extra: &[String], stderr: bool) -> Command {
    let mut cmd = Command::new(&target.command[0]);
    cmd.args(&target.command[1..])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .env("PYTHONUNBUFFERED", "1")
        .kill_on_drop(true);
    cmd
}

impl StdioServer {
    fn spawn(target: &Target, extra_tools: usize, plan: &Plan) -> Result<Self, String> {
        let mut child = command(
            target,
            &["--tools".into(), extra_tools.to_string()],
            plan.server_stderr,
        )
        .spawn()
        .map_err(|e| format!("{}: cannot start `{}`: {e}", target.name, target.command[0]))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let stdin = BufWriter::new(child.stdin.take().expect("piped"));
        let lines = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped")).lines();
        Ok(StdioServer {
            child,
            pid,
            stdin,
            lines,
            next_id: 1,
        })
    }

    async fn send(&mut self, frame: &str) -> Result<(), String> {
        self.stdin
            .write_all(frame.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        self.stdin
            .write_all(b"\n")
            .await
            .map_err(|e| format!("write: {e}"))
    }

    async fn flush(&mut self) -> Result<(), String> {
        self.stdin.flush().await.map_err(|e| format!("flush: {e}"))
    }

    async fn next_line(&mut self) -> Result<String, String> {
        match tokio::time::timeout(READ_TIMEOUT, self.lines.next_line()).await {
            Err(_) => Err("timed out waiting for the server".into()),
            Ok(Err(e)) => Err(format!("read: {e}")),
            Ok(Ok(None)) => Err("the server closed its stdout".into()),
            Ok(Ok(Some(line))) => Ok(line),
        }
    }

    /// Answer a request the server sent us; true when it was one.
    async fn answer_server_request(&mut self, frame: &Incoming<'_>) -> Result<bool, String> {
        let (Some(id), Some(method)) = (frame.id, frame.method.as_deref()) else {
            return Ok(false);
        };
        let reply = match method {
            "sampling/createMessage" => format!(
                r#"{{"jsonrpc":"2.0","id":{},"result":{{"role":"assistant","content":{{"type":"text","text":"{ANSWER}"}},"model":"bench-model","stopReason":"endTurn"}}}}"#,
                id.get()
            ),
            "ping" => format!(r#"{{"jsonrpc":"2.0","id":{},"result":{{}}}}"#, id.get()),
            other => format!(
                r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":-32601,"message":"method not found: {other}"}}}}"#,
                id.get()
            ),
        };
        self.send(&reply).await?;
        self.flush().await?;
        Ok(true)
    }

    /// Send one request and wait for its response (answering what the server asks meanwhile).
    async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let frame = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send(&frame.to_string()).await?;
        self.flush().await?;
        loop {
            let line = self.next_line().await?;
            let frame: Incoming = serde_json::from_str(&line)
                .map_err(|e| format!("the server wrote a non-JSON-RPC line ({e}): {line:.200}"))?;
            if self.answer_server_request(&frame).await? || frame.method.is_some() {
                continue;
            }
            if frame.id.map(|i| i.get()) == Some(id.to_string().as_str()) {
                if let Some(e) = frame.error {
                    return Err(format!("`{method}` failed: {}", e.get()));
                }
                let result = frame.result.ok_or("a response without a result")?;
                return serde_json::from_str(result.get()).map_err(|e| e.to_string());
            }
        }
    }

    /// The 2025-11-25 handshake, declaring the sampling capability.
    async fn handshake(&mut self) -> Result<String, String> {
        let result = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL,
                    "capabilities": {"sampling": {}},
                    "clientInfo": {"name": "toolsmith-bench-driver", "version": "0.1.0"}
                }),
            )
            .await?;
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await?;
        self.flush().await?;
        Ok(result["protocolVersion"].as_str().unwrap_or("?").to_owned())
    }

    /// Keep `in_flight` requests of `call` outstanding for `duration` (or `max` requests), then
    /// wait for the rest. Each response is matched to its request by id.
    async fn load(
        &mut self,
        call: Call,
        in_flight: usize,
        duration: Duration,
        max: u64,
    ) -> Result<LoadResult, String> {
        let mut r = LoadResult::default();
        let first_id = self.next_id;
        // sent[i]: when request first_id + i was sent; None once answered.
        let mut pending: Vec<Option<Instant>> = Vec::new();
        let start = Instant::now();
        let deadline = start + duration;
        let mut outstanding = 0usize;
        let mut stopped = false;
        for _ in 0..in_flight.max(1) {
            if r.sent >= max {
                break;
            }
            let id = self.next_id;
            self.next_id += 1;
            self.send(&call.frame(id)).await?;
            pending.push(Some(Instant::now()));
            r.sent += 1;
            outstanding += 1;
        }
        self.flush().await?;
        while outstanding > 0 {
            let line = self.next_line().await?;
            let frame: Incoming = serde_json::from_str(&line)
                .map_err(|e| format!("the server wrote a non-JSON-RPC line ({e}): {line:.200}"))?;
            if self.answer_server_request(&frame).await? {
                r.server_requests += 1;
                continue;
            }
            if frame.method.is_some() {
                continue; // a notification
            }
            let now = Instant::now();
            let id = frame.id.and_then(|i| i.get().parse::<u64>().ok());
            let slot = id
                .filter(|id| *id >= first_id)
                .and_then(|id| pending.get_mut((id - first_id) as usize));
            match slot {
                None => r.unknown += 1,
                Some(slot) => match slot.take() {
                    None => r.duplicates += 1,
                    Some(sent_at) => {
                        outstanding -= 1;
                        r.answered += 1;
                        r.latencies.push((now - sent_at).as_nanos() as u64);
                        let ok = frame.error.is_none()
                            && frame
                                .result
                                .is_some_and(|res| call.check(id.expect("matched"), res));
                        if !ok {
                            r.bad += 1;
                        }
                    }
                },
            }
            if !stopped && (now >= deadline || r.sent >= max) {
                stopped = true;
            }
            if !stopped {
                let id = self.next_id;
                self.next_id += 1;
                self.send(&call.frame(id)).await?;
                self.flush().await?;
                pending.push(Some(Instant::now()));
                r.sent += 1;
                outstanding += 1;
            }
        }
        r.elapsed = start.elapsed();
        Ok(r)
    }

    /// Whether the server answers a 2026-07-28 request without a handshake (the first request of
    /// this process): one enveloped `tools/call echo`, within 15 s.
    async fn speaks_stateless(&mut self) -> Result<(), String> {
        let probe = self.load(Call::StatelessEcho, 1, Duration::ZERO, 1);
        match tokio::time::timeout(Duration::from_secs(15), probe).await {
            Err(_) => Err("no answer within 15 s".into()),
            Ok(Err(e)) => Err(e),
            Ok(Ok(r)) if r.sane() => Ok(()),
            Ok(Ok(r)) => Err(format!("wrong answer: {r:?}")),
        }
    }

    /// Whether the server's `ask` answers a 2026-07-28 call with anything but a JSON-RPC error
    /// (a server may speak the revision yet sample only over a back channel it no longer has).
    async fn asks_by_mrtr(&mut self) -> Result<(), String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&Self::mrtr_frame(id, u64::MAX, None)).await?;
        self.flush().await?;
        let probe = async {
            loop {
                let line = self.next_line().await?;
                let frame: Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
                if frame["id"] == json!(id) && frame.get("method").is_none() {
                    return match frame.get("error") {
                        Some(e) => Err(format!("`ask` failed: {e}")),
                        None => Ok(()),
                    };
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(15), probe)
            .await
            .map_err(|_| "no answer within 15 s".to_owned())?
    }

    /// The first round of multi round-trip call `call`: `tools/call ask` in the 2026-07-28
    /// envelope; later rounds add `inputResponses` and `requestState`.
    fn mrtr_frame(id: u64, call: u64, retry: Option<(&Value, &Value)>) -> String {
        let mut params = json!({
            "name": "ask",
            "arguments": {"question": format!("what is six times seven? ({call})")},
            "_meta": serde_json::from_str::<Value>(ENVELOPE).expect("the envelope is JSON"),
        });
        if let Some((responses, state)) = retry {
            params["inputResponses"] = responses.clone();
            if !state.is_null() {
                params["requestState"] = state.clone();
            }
        }
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}).to_string()
    }

    /// Keep `in_flight` multi round-trip `ask` calls outstanding for `duration` (or `max` calls),
    /// then wait for the rest. A call is one request per round, each with its own id: round 1
    /// answers `input_required` with `inputRequests`, the driver retries with `inputResponses`
    /// and the `requestState`, and the last round answers `complete` with the model's answer.
    /// `sent`/`answered` count calls; a call's latency runs from its first request to its final
    /// result; `server_requests` counts the input requests answered. Every id (of every round)
    /// must be answered exactly once.
    async fn load_mrtr(
        &mut self,
        in_flight: usize,
        duration: Duration,
        max: u64,
    ) -> Result<LoadResult, String> {
        /// An outstanding request: its call, when the call started, which round it is.
        type Slot = Option<(u64, Instant, u32)>;
        let mut r = LoadResult::default();
        let first_id = self.next_id;
        let mut pending: Vec<Slot> = Vec::new();
        let start = Instant::now();
        let deadline = start + duration;
        let mut outstanding = 0usize;
        let mut stopped = false;
        let mut next_call = 0u64;
        for _ in 0..in_flight.max(1) {
            if r.sent >= max {
                break;
            }
            let id = self.next_id;
            self.next_id += 1;
            self.send(&Self::mrtr_frame(id, next_call, None)).await?;
            pending.push(Some((next_call, Instant::now(), 1)));
            next_call += 1;
            r.sent += 1;
            outstanding += 1;
        }
        self.flush().await?;
        while outstanding > 0 {
            let line = self.next_line().await?;
            let frame: Incoming = serde_json::from_str(&line)
                .map_err(|e| format!("the server wrote a non-JSON-RPC line ({e}): {line:.200}"))?;
            if self.answer_server_request(&frame).await? {
                // No server-to-client requests in this era: the asks ride the results.
                r.unknown += 1;
                continue;
            }
            if frame.method.is_some() {
                continue; // a notification
            }
            let now = Instant::now();
            let id = frame.id.and_then(|i| i.get().parse::<u64>().ok());
            let slot = id
                .filter(|id| *id >= first_id)
                .and_then(|id| pending.get_mut((id - first_id) as usize));
            let Some(slot) = slot else {
                r.unknown += 1;
                continue;
            };
            let Some((call, started, round)) = slot.take() else {
                r.duplicates += 1;
                continue;
            };
            let result: Option<Value> = frame
                .result
                .filter(|_| frame.error.is_none())
                .and_then(|res| serde_json::from_str(res.get()).ok());
            let result_type = result
                .as_ref()
                .and_then(|v| v["resultType"].as_str())
                .unwrap_or("");
            // Another round: answer every input request and retry with a new id.
            let retry = match (&result, result_type) {
                (Some(v), "input_required") if round < MAX_MRTR_ROUNDS => {
                    v["inputRequests"].as_object().and_then(|asks| {
                        let mut responses = serde_json::Map::new();
                        for (key, ask) in asks {
                            if ask["method"] != "sampling/createMessage" {
                                return None;
                            }
                            responses.insert(
                                key.clone(),
                                json!({"role": "assistant", "content": {"type": "text", "text": ANSWER}, "model": "bench-model", "stopReason": "endTurn"}),
                            );
                        }
                        (!responses.is_empty()).then(|| (Value::Object(responses), v["requestState"].clone()))
                    })
                }
                _ => None,
            };
            if let Some((responses, state)) = retry {
                r.server_requests += responses.as_object().map_or(0, |m| m.len() as u64);
                let id = self.next_id;
                self.next_id += 1;
                self.send(&Self::mrtr_frame(id, call, Some((&responses, &state))))
                    .await?;
                self.flush().await?;
                pending.push(Some((call, started, round + 1)));
                continue;
            }
            // The call is over, right or wrong.
            outstanding -= 1;
            r.answered += 1;
            r.latencies.push((now - started).as_nanos() as u64);
            let ok = result_type == "complete"
                && round >= 2
                && result.as_ref().is_some_and(|v| {
                    let raw = serde_json::value::to_raw_value(v).expect("json");
                    Call::Ask.check(call, &raw)
                });
            if !ok {
                r.bad += 1;
            }
            if !stopped && (now >= deadline || r.sent >= max) {
                stopped = true;
            }
            if !stopped {
                let id = self.next_id;
                self.next_id += 1;
                self.send(&Self::mrtr_frame(id, next_call, None)).await?;
                self.flush().await?;
                pending.push(Some((next_call, Instant::now(), 1)));
                next_call += 1;
                r.sent += 1;
                outstanding += 1;
            }
        }
        r.elapsed = start.elapsed();
        Ok(r)
    }

    async fn close(mut self) {
        let _ = self.stdin.shutdown().await;
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(2), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Warm up, then measure.
async fn measured(
    server: &mut StdioServer,
    call: Call,
    in_flight: usize,
    plan: &Plan,
) -> Result<LoadResult, String> {
    server
        .load(call, in_flight, plan.warmup, plan.max_requests)
        .await?;
    let before = cpu_and_switches(server.pid);
    let mut r = server
        .load(call, in_flight, plan.measure, plan.max_requests)
        .await?;
    r.usage = (before, cpu_and_switches(server.pid));
    Ok(r)
}

/// echo_seq, echo_32, sample_seq, sample_32 on one server process; then its peak RSS.
async fn stdio_group(target: &Target, plan: &Plan, out: &mut Metrics) -> Result<(), String> {
    let wanted: Vec<(&str, Call, usize)> = [
        ("echo_seq", Call::Echo, 1),
        ("echo_32", Call::Echo, 32),
        ("sample_seq", Call::Ask, 1),
        ("sample_32", Call::Ask, 32),
    ]
    .into_iter()
    .filter(|(name, ..)| plan.scenarios.iter().any(|s| s == name))
    .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut server = StdioServer::spawn(target, 0, plan)?;
    let version = server.handshake().await?;
    if version != PROTOCOL {
        eprintln!("  {}: negotiated {version}", target.name);
    }
    for (name, call, in_flight) in wanted {
        let r = measured(&mut server, call, in_flight, plan).await?;
        if !r.sane() {
            eprintln!("  {} {name}: {r:?}", target.name);
        }
        out.extend(r.metrics(name));
    }
    if let Some((_, hwm)) = memory_kib(server.pid) {
        out.insert("rss.stdio_load_peak_kib".into(), hwm as f64);
    }
    server.close().await;
    Ok(())
}

/// stateless_echo_32 and mrtr_sample_32 on one server process that was never initialized; "n/a"
/// (`NAME.unsupported`) when the server does not answer the 2026-07-28 envelope, or (for
/// mrtr_sample_32) when its `ask` answers a 2026-07-28 call with an error instead of asking.
async fn stateless_group(target: &Target, plan: &Plan, out: &mut Metrics) -> Result<(), String> {
    let wanted: Vec<&str> = STATELESS_SCENARIOS
        .iter()
        .copied()
        .filter(|name| plan.scenarios.iter().any(|s| s == name))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut server = StdioServer::spawn(target, 0, plan)?;
    if let Err(e) = server.speaks_stateless().await {
        eprintln!(
            "  {}: does not speak {STATELESS} ({e:.200}): {} n/a",
            target.name,
            wanted.join(", ")
        );
        for name in wanted {
            out.insert(format!("{name}.unsupported"), 1.0);
        }
        server.close().await;
        return Ok(());
    }
    for name in wanted {
        if name == "mrtr_sample_32" {
            if let Err(e) = server.asks_by_mrtr().await {
                eprintln!(
                    "  {}: `ask` does not use multi round-trip requests ({e:.200}): {name} n/a",
                    target.name
                );
                out.insert(format!("{name}.unsupported"), 1.0);
                continue;
            }
        }
        let r = if name == "mrtr_sample_32" {
            server.load_mrtr(32, plan.warmup, plan.max_requests).await?;
            let before = cpu_and_switches(server.pid);
            let mut r = server
                .load_mrtr(32, plan.measure, plan.max_requests)
                .await?;
            r.usage = (before, cpu_and_switches(server.pid));
            r
        } else {
            measured(&mut server, Call::StatelessEcho, 32, plan).await?
        };
        if !r.sane() {
            eprintln!("  {} {name}: {r:?}", target.name);
        }
        out.extend(r.metrics(name));
    }
    server.close().await;
    Ok(())
}

/// tools/list with `total` tools listed (echo, ask and `total - 2` extra).
async fn list_scenario(
    target: &Target,
    plan: &Plan,
    total: usize,
    out: &mut Metrics,
) -> Result<(), String> {
    let name = format!("list_{total}");
    if !plan.scenarios.contains(&name) {
        return Ok(());
    }
    let mut server = StdioServer::spawn(target, total - 2, plan)?;
    server.handshake().await?;
    // The very first listing (anything built lazily is built here).
    let first = server.load(Call::List(total), 1, Duration::ZERO, 1).await?;
    out.insert(format!("{name}.first_us"), first.percentile_us(50.0));
    let r = measured(&mut server, Call::List(total), 1, plan).await?;
    if !r.sane() {
        eprintln!("  {} {name}: {r:?}", target.name);
    }
    // Does a listing cost more as requests accumulate? p50 of the last tenth over the first.
    let tenth = (r.latencies.len() / 10).max(1);
    let early = percentile(&r.latencies[..tenth], 50.0);
    let late = percentile(&r.latencies[r.latencies.len() - tenth..], 50.0);
    out.insert(format!("{name}.late_over_early"), late / early);
    out.extend(r.metrics(&name));
    server.close().await;
    Ok(())
}

/// Spawn to initialize result, and to the first tools/call result.
async fn cold_start(target: &Target, plan: &Plan, out: &mut Metrics) -> Result<(), String> {
    if !plan.scenarios.iter().any(|s| s == "cold_start") {
        return Ok(());
    }
    let mut init = Vec::new();
    let mut first_call = Vec::new();
    for _ in 0..plan.cold_reps {
        let t0 = Instant::now();
        let mut server = StdioServer::spawn(target, 0, plan)?;
        server.handshake().await?;
        init.push(t0.elapsed().as_secs_f64() * 1000.0);
        let r = server.load(Call::Echo, 1, Duration::ZERO, 1).await?;
        if !r.sane() {
            return Err(format!("cold start: the first call failed: {r:?}"));
        }
        first_call.push(t0.elapsed().as_secs_f64() * 1000.0);
        server.close().await;
    }
    out.insert("cold_start.initialize_ms".into(), median(&init));
    out.insert("cold_start.first_call_ms".into(), median(&first_call));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Streamable HTTP

/// A server child process serving streamable HTTP on a loopback port.
struct HttpServer {
    child: Child,
    pid: u32,
    url: String,
}

impl HttpServer {
    async fn spawn(target: &Target, plan: &Plan) -> Result<Self, String> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            l.local_addr().map_err(|e| e.to_string())?.port()
        };
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = command(target, &["--http".into(), addr.clone()], plan.server_stderr);
        cmd.stdin(Stdio::null()).stdout(Stdio::null());
        let child = cmd
            .spawn()
            .map_err(|e| format!("{}: cannot start `{}`: {e}", target.name, target.command[0]))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let t0 = Instant::now();
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            if t0.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "{}: nothing listens on {addr} after 30 s",
                    target.name
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(HttpServer {
            child,
            pid,
            url: format!("http://{addr}/mcp"),
        })
    }

    /// SIGTERM (so a profiler wrapping the server can write its data), then SIGKILL after 5 s.
    async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(2048)
        .http1_only()
        .tcp_nodelay(true)
        .build()
        .expect("a client")
}

/// One streamable HTTP session, spoken to with plain POSTs.
struct HttpSession {
    client: reqwest::Client,
    url: Arc<str>,
    session: String,
    next_id: u64,
}

/// Read the JSON-RPC response with `id` from a POST's answer (a JSON body or an SSE stream).
async fn read_response(resp: reqwest::Response, id: u64) -> Result<Value, String> {
    let status = resp.status();
    let sse = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        return Err(format!("HTTP {status}: {body:.300}"));
    }
    let matches =
        |v: &Value| v.get("id").and_then(Value::as_u64) == Some(id) && v.get("method").is_none();
    if !sse {
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        return if matches(&v) {
            Ok(v)
        } else {
            Err(format!("unexpected body: {v:.300}"))
        };
    }
    let mut stream = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut data = String::new();
    let mut found = None;
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            } else if line.is_empty() && !data.is_empty() {
                if let Ok(v) = serde_json::from_str::<Value>(&data) {
                    if matches(&v) {
                        found = Some(v);
                    }
                }
                data.clear();
            }
        }
        if found.is_some() {
            break;
        }
    }
    // The server ends the stream after the response; read that end so the connection is reused.
    if found.is_some() {
        let _ = tokio::time::timeout(Duration::from_millis(100), async {
            while stream.next().await.is_some() {}
        })
        .await;
    }
    found.ok_or_else(|| "the SSE stream ended without the response".into())
}

impl HttpSession {
    fn post(&self, body: String) -> reqwest::RequestBuilder {
        let mut req = self
            .client
            .post(&*self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                reqwest::header::ACCEPT,
                "application/json, text/event-stream",
            )
            .body(body);
        if !self.session.is_empty() {
            req = req
                .header("mcp-session-id", &self.session)
                .header("mcp-protocol-version", PROTOCOL);
        }
        req
    }

    async fn open(client: reqwest::Client, url: Arc<str>) -> Result<Self, String> {
        let mut s = HttpSession {
            client,
            url,
            session: String::new(),
            next_id: 1,
        };
        let init = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "toolsmith-bench-driver", "version": "0.1.0"}
            }
        });
        let resp = s
            .post(init.to_string())
            .send()
            .await
            .map_err(|e| format!("initialize: {e}"))?;
        let session = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or("initialize: no Mcp-Session-Id header")?;
        read_response(resp, 0).await?;
        s.session = session;
        let resp = s
            .post(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.into())
            .send()
            .await
            .map_err(|e| format!("initialized: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("notifications/initialized: HTTP {}", resp.status()));
        }
        let _ = resp.bytes().await;
        Ok(s)
    }

    /// One echo call; its latency in nanoseconds, and whether the result was right.
    async fn echo(&mut self) -> Result<(u64, bool), String> {
        let id = self.next_id;
        self.next_id += 1;
        let t0 = Instant::now();
        let resp = self
            .post(Call::Echo.frame(id))
            .send()
            .await
            .map_err(|e| format!("tools/call: {e}"))?;
        let v = read_response(resp, id).await?;
        let nanos = t0.elapsed().as_nanos() as u64;
        let ok = v.get("error").is_none()
            && v.get("result").is_some_and(|r| {
                let raw = serde_json::value::to_raw_value(r).expect("json");
                Call::Echo.check(id, &raw)
            });
        Ok((nanos, ok))
    }
}

/// 64 sessions, each calling echo back to back; then the server's peak RSS.
async fn http_echo(target: &Target, plan: &Plan, out: &mut Metrics) -> Result<(), String> {
    const SESSIONS: usize = 64;
    if !plan.scenarios.iter().any(|s| s == "http_echo_64") {
        return Ok(());
    }
    let server = HttpServer::spawn(target, plan).await?;
    let result = async {
        let client = http_client();
        let url: Arc<str> = server.url.clone().into();
        let sessions = futures::future::try_join_all(
            (0..SESSIONS).map(|_| HttpSession::open(client.clone(), Arc::clone(&url))),
        )
        .await?;
        // Warm-up, then the measured window; sessions run concurrently on this one thread.
        let mut sessions = sessions;
        let mut measured = LoadResult::default();
        for (window, record) in [(plan.warmup, false), (plan.measure, true)] {
            let before = cpu_and_switches(server.pid);
            let start = Instant::now();
            let deadline = start + window;
            let per_session = (plan.max_requests / SESSIONS as u64).max(1);
            let runs = sessions.iter_mut().map(|s| async move {
                let mut lat = Vec::new();
                let mut bad = 0u64;
                while Instant::now() < deadline && (lat.len() as u64) < per_session {
                    let (nanos, ok) = s.echo().await?;
                    lat.push(nanos);
                    bad += u64::from(!ok);
                }
                Ok::<_, String>((lat, bad))
            });
            let all = futures::future::try_join_all(runs).await?;
            if record {
                measured.elapsed = start.elapsed();
                measured.usage = (before, cpu_and_switches(server.pid));
                for (lat, bad) in all {
                    measured.sent += lat.len() as u64;
                    measured.answered += lat.len() as u64;
                    measured.bad += bad;
                    measured.latencies.extend(lat);
                }
            }
        }
        Ok::<_, String>(measured)
    }
    .await;
    let hwm = memory_kib(server.pid).map(|(_, hwm)| hwm);
    server.stop().await;
    let r = result?;
    if !r.sane() {
        eprintln!("  {} http_echo_64: {r:?}", target.name);
    }
    out.extend(r.metrics("http_echo_64"));
    if let Some(hwm) = hwm {
        out.insert("rss.http_load_peak_kib".into(), hwm as f64);
    }
    Ok(())
}

/// Memory per idle session: RSS after `n` more initialized sessions, minus before, over `n`.
async fn http_idle(target: &Target, plan: &Plan, out: &mut Metrics) -> Result<(), String> {
    if !plan.scenarios.iter().any(|s| s == "http_idle") {
        return Ok(());
    }
    let server = HttpServer::spawn(target, plan).await?;
    let result = async {
        let client = http_client();
        let url: Arc<str> = server.url.clone().into();
        // Warm the server up (first session, first call) so lazily built state is not counted.
        let mut warm = HttpSession::open(client.clone(), Arc::clone(&url)).await?;
        for _ in 0..20 {
            warm.echo().await?;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (before, _) = memory_kib(server.pid).ok_or("no /proc status")?;
        let n = plan.idle_sessions;
        let mut kept = Vec::with_capacity(n);
        // 16 handshakes at a time.
        let mut opening = futures::stream::iter(
            (0..n).map(|_| HttpSession::open(client.clone(), Arc::clone(&url))),
        )
        .buffer_unordered(16);
        while let Some(s) = opening.next().await {
            kept.push(s?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (after, _) = memory_kib(server.pid).ok_or("no /proc status")?;
        Ok::<_, String>((before, after, kept.len()))
    }
    .await;
    server.stop().await;
    let (before, after, n) = result?;
    out.insert(
        "http_idle.bytes_per_session".into(),
        (after as f64 - before as f64) * 1024.0 / n as f64,
    );
    out.insert("http_idle.sessions".into(), n as f64);
    out.insert("http_idle.rss_after_kib".into(), after as f64);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The run

/// Run every scenario group once on `target`.
async fn run_target(target: &Target, plan: &Plan) -> Metrics {
    let mut m = Metrics::new();
    type Group = for<'a> fn(
        &'a Target,
        &'a Plan,
        &'a mut Metrics,
    ) -> futures::future::LocalBoxFuture<'a, Result<(), String>>;
    let groups: [(&str, Group); 7] = [
        ("stdio", |t, p, m| Box::pin(stdio_group(t, p, m))),
        ("stateless", |t, p, m| Box::pin(stateless_group(t, p, m))),
        ("list_10", |t, p, m| Box::pin(list_scenario(t, p, 10, m))),
        ("list_500", |t, p, m| Box::pin(list_scenario(t, p, 500, m))),
        ("cold_start", |t, p, m| Box::pin(cold_start(t, p, m))),
        ("http_echo_64", |t, p, m| Box::pin(http_echo(t, p, m))),
        ("http_idle", |t, p, m| Box::pin(http_idle(t, p, m))),
    ];
    for (name, group) in groups {
        let t0 = Instant::now();
        if let Err(e) = group(target, plan, &mut m).await {
            eprintln!("  {} {name}: FAILED: {e}", target.name);
            m.insert(format!("failed.{name}"), 1.0);
        }
        let secs = t0.elapsed().as_secs_f64();
        if secs > 0.05 {
            eprintln!("  {} {name}: {secs:.1} s", target.name);
        }
    }
    m
}

/// How a metric reads in the table: its label, whether higher is better, its format.
struct Column {
    key: &'static str,
    label: &'static str,
    higher_is_better: bool,
    unit: &'static str,
}

const COLUMNS: &[Column] = &[
    Column {
        key: "echo_seq.rps",
        label: "stdio echo, sequential: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "echo_seq.p50_us",
        label: "stdio echo, sequential: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_seq.p99_us",
        label: "stdio echo, sequential: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_seq.server_cpu_us_per_req",
        label: "stdio echo, sequential: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_seq.server_ctx_switches_per_req",
        label: "stdio echo, sequential: server context switches per request",
        higher_is_better: false,
        unit: "",
    },
    Column {
        key: "echo_32.rps",
        label: "stdio echo, 32 in flight: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "echo_32.p50_us",
        label: "stdio echo, 32 in flight: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_32.p99_us",
        label: "stdio echo, 32 in flight: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_32.server_cpu_us_per_req",
        label: "stdio echo, 32 in flight: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "sample_seq.rps",
        label: "sampling round trip, sequential: calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "sample_seq.p50_us",
        label: "sampling round trip, sequential: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "sample_seq.server_ctx_switches_per_req",
        label: "sampling round trip, sequential: server context switches per call",
        higher_is_better: false,
        unit: "",
    },
    Column {
        key: "sample_32.rps",
        label: "sampling, 32 in flight: calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "sample_32.p99_us",
        label: "sampling, 32 in flight: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "sample_32.server_cpu_us_per_req",
        label: "sampling, 32 in flight: server CPU per call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "stateless_echo_32.rps",
        label: "2026-07-28 stdio echo, 32 in flight: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "stateless_echo_32.p50_us",
        label: "2026-07-28 stdio echo, 32 in flight: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "stateless_echo_32.p99_us",
        label: "2026-07-28 stdio echo, 32 in flight: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "stateless_echo_32.server_cpu_us_per_req",
        label: "2026-07-28 stdio echo, 32 in flight: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "mrtr_sample_32.rps",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: completed calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "mrtr_sample_32.p50_us",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: p50 of the whole call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "mrtr_sample_32.p99_us",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: p99 of the whole call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "mrtr_sample_32.server_cpu_us_per_req",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: server CPU per call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_10.p50_us",
        label: "tools/list, 10 tools: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_500.p50_us",
        label: "tools/list, 500 tools: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_500.first_us",
        label: "tools/list, 500 tools: first call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_500.late_over_early",
        label: "tools/list, 500 tools: last-tenth p50 / first-tenth p50",
        higher_is_better: false,
        unit: "×",
    },
    Column {
        key: "cold_start.initialize_ms",
        label: "cold start: spawn to initialize result",
        higher_is_better: false,
        unit: "ms",
    },
    Column {
        key: "cold_start.first_call_ms",
        label: "cold start: spawn to first tools/call result",
        higher_is_better: false,
        unit: "ms",
    },
    Column {
        key: "http_echo_64.rps",
        label: "HTTP echo, 64 sessions: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "http_echo_64.p50_us",
        label: "HTTP echo, 64 sessions: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_echo_64.p99_us",
        label: "HTTP echo, 64 sessions: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_echo_64.server_cpu_us_per_req",
        label: "HTTP echo, 64 sessions: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_idle.bytes_per_session",
        label: "HTTP idle session: RSS per session",
        higher_is_better: false,
        unit: "bytes",
    },
    Column {
        key: "rss.stdio_load_peak_kib",
        label: "peak RSS (VmHWM), stdio load",
        higher_is_better: false,
        unit: "KiB",
    },
    Column {
        key: "rss.http_load_peak_kib",
        label: "peak RSS (VmHWM), HTTP 64-session load",
        higher_is_better: false,
        unit: "KiB",
    },
];

fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.abs() >= 100.0 {
        format!("{:.0}", v)
    } else if v.abs() >= 10.0 {
        format!("{:.1}", v)
    } else {
        format!("{:.2}", v)
    }
}

fn markdown(
    targets: &[Target],
    medians: &BTreeMap<String, Metrics>,
    baseline: Option<&str>,
) -> String {
    let mut s = String::new();
    s.push_str("| metric | unit |");
    for t in targets {
        s.push_str(&format!(" {} |", t.name));
    }
    if let Some(b) = baseline {
        for t in targets.iter().filter(|t| t.name != b) {
            s.push_str(&format!(" {} vs {b} |", t.name));
        }
    }
    s.push('\n');
    let ncols = 2 + targets.len() + baseline.map_or(0, |_| targets.len() - 1);
    s.push_str(&"| --- ".repeat(ncols));
    s.push_str("|\n");
    for c in COLUMNS {
        if !medians.values().any(|m| m.contains_key(c.key)) {
            continue;
        }
        let get = |t: &str| {
            medians
                .get(t)
                .and_then(|m| m.get(c.key))
                .copied()
                .unwrap_or(f64::NAN)
        };
        // A 2026-07-28 scenario on a server that does not support it.
        let na = |t: &str| {
            STATELESS_SCENARIOS.iter().any(|s| {
                c.key.strip_prefix(s).is_some_and(|k| k.starts_with('.'))
                    && medians
                        .get(t)
                        .is_some_and(|m| m.contains_key(&format!("{s}.unsupported")))
            })
        };
        s.push_str(&format!("| {} | {} |", c.label, c.unit));
        for t in targets {
            if na(&t.name) {
                s.push_str(" n/a |");
            } else {
                s.push_str(&format!(" {} |", fmt_value(get(&t.name))));
            }
        }
        if let Some(b) = baseline {
            for t in targets.iter().filter(|t| t.name != b) {
                if na(&t.name) || na(b) {
                    s.push_str(" n/a |");
                    continue;
                }
                // A "times better" factor: > 1 means better than the baseline.
                let (v, base) = (get(&t.name), get(b));
                let factor = if c.higher_is_better {
                    v / base
                } else {
                    base / v
                };
                s.push_str(&format!(" {}× |", fmt_value(factor)));
            }
        }
        s.push('\n');
    }
    s
}

/// The 1-minute load average.
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

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
