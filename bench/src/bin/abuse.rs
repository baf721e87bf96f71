//! The abuse driver (issue #12; RELIABILITY.md, "Abuse"): runs attacks against a streamable HTTP
//! MCP server and measures what an innocent caller gets meanwhile.
//!
//! - `starvation`: sessions start many `tools/call`s of a tool that samples, read only the
//!   response head and hang up without answering; then a new session calls a trivial tool.
//! - `slowloris`: connections send a partial request head, then one byte per interval.
//! - `slow_body`: connections send a complete head with `Content-Length`, then trickle the body.
//! - `flood`: many `initialize`s never used again; the server's memory, and whether a new
//!   session still works.
//! - `big_bodies`: after the starvation calls, large `tools/call` bodies held open; the memory
//!   the server holds for them.
//!
//! The server is either started by the driver, afresh for every attack (`--server COMMAND`:
//! `--http 127.0.0.1:PORT` is appended, so it can read its memory and descriptors from `/proc`),
//! or already running (`--url`, and `--pid` for its memory). Only 127.0.0.0/8 is ever contacted;
//! every attack is bounded in count (flags, with ceilings) and in time. The attackers connect
//! from `--attack-from` (default 127.0.0.1), the innocent caller from `--probe-from` (default
//! 127.0.0.2): to a server that counts per peer address they are different users.
//!
//! Output: one JSON line per attack on stdout (`{"target", "attack", "params", "result",
//! "summary"}`), and the summaries on stderr as they come.
//!
//! ```text
//! abuse --name toolsmith --server "target/release/examples/everything_server"
//! abuse --name rmcp --server "target/bench-rmcp/release/rmcp-bench-server" \
//!       --sample-tool ask --sample-arg question --trivial-tool echo --trivial-args '{"text":"hi"}'
//! ```

#[path = "abuse/bodies.rs"]
mod bodies;
#[path = "abuse/client.rs"]
mod client;
#[path = "abuse/flood.rs"]
mod flood;
#[path = "abuse/server.rs"]
mod server;
#[path = "abuse/starve.rs"]
mod starve;
#[path = "abuse/trickle.rs"]
mod trickle;

use std::net::{IpAddr, Ipv4Addr};

use clap::Parser;
use serde_json::{json, Value};

use server::Server;
use trickle::Phase;

/// The attacks, in the order they run.
const ATTACKS: [&str; 5] = [
    "starvation",
    "slowloris",
    "slow_body",
    "flood",
    "big_bodies",
];

#[derive(Parser, Debug, Clone)]
#[command(about = "Attacks a streamable HTTP MCP server on loopback and measures the damage")]
pub(crate) struct Args {
    /// The target's name in the report.
    #[arg(long, default_value = "server")]
    pub(crate) name: String,
    /// Start this command (split on whitespace; `--http 127.0.0.1:PORT` appended), afresh for
    /// every attack.
    #[arg(long, conflicts_with = "url", required_unless_present = "url")]
    pub(crate) server: Option<String>,
    /// Attack a running server at this URL instead (127.0.0.0/8 only).
    #[arg(long)]
    pub(crate) url: Option<String>,
    /// With --url: the server's process id, to read its memory and descriptors.
    #[arg(long, requires = "url")]
    pub(crate) pid: Option<u32>,
    /// The loopback addresses the attackers connect from, comma-separated; sessions and
    /// connections take them in turn.
    #[arg(long, value_delimiter = ',', default_value = "127.0.0.1")]
    pub(crate) attack_from: Vec<Ipv4Addr>,
    /// The loopback address the innocent caller connects from.
    #[arg(long, default_value = "127.0.0.2")]
    pub(crate) probe_from: Ipv4Addr,
    /// Let the started server write to the driver's stderr.
    #[arg(long)]
    pub(crate) server_stderr: bool,
    /// Attacks to run, comma-separated: starvation, slowloris, slow_body, flood, big_bodies.
    #[arg(long, value_delimiter = ',', default_values_t = ATTACKS.map(String::from))]
    pub(crate) attacks: Vec<String>,
    /// The tool that samples the client's model.
    #[arg(long, default_value = "test_sampling")]
    pub(crate) sample_tool: String,
    /// The sampling tool's string argument.
    #[arg(long, default_value = "prompt")]
    pub(crate) sample_arg: String,
    /// The innocent caller's tool.
    #[arg(long, default_value = "test_simple_text")]
    pub(crate) trivial_tool: String,
    /// The innocent caller's tool arguments (a JSON object).
    #[arg(long, default_value = "{}")]
    pub(crate) trivial_args: String,
    /// How long the innocent caller waits (session and call together) before "no answer", ms.
    #[arg(long, default_value_t = 30_000)]
    pub(crate) probe_timeout_ms: u64,
    /// starvation: attacking sessions (at most 256).
    #[arg(long, default_value_t = 16)]
    pub(crate) starve_sessions: usize,
    /// starvation: sampling calls per session (at most 1024).
    #[arg(long, default_value_t = 64)]
    pub(crate) starve_calls: usize,
    /// starvation: how long an attacker waits for a response head, ms.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) head_timeout_ms: u64,
    /// slowloris, slow_body: connections (at most 5,000).
    #[arg(long, default_value_t = 300)]
    pub(crate) trickle_conns: usize,
    /// slowloris, slow_body: one byte per this many ms.
    #[arg(long, default_value_t = 5_000)]
    pub(crate) trickle_interval_ms: u64,
    /// slowloris, slow_body: how long the connections are kept up, ms (at most 10 minutes).
    #[arg(long, default_value_t = 45_000)]
    pub(crate) trickle_hold_ms: u64,
    /// slowloris, slow_body: when the innocent caller first tries, after the connections, ms.
    #[arg(long, default_value_t = 2_000)]
    pub(crate) probe_delay_ms: u64,
    /// flood: initializes (at most 100,000).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) flood_sessions: usize,
    /// flood: initializes in flight at once.
    #[arg(long, default_value_t = 32)]
    pub(crate) flood_concurrency: usize,
    /// big_bodies: bodies sent after the starvation calls (at most 1,024).
    #[arg(long, default_value_t = 64)]
    pub(crate) big_bodies: usize,
    /// big_bodies: the size of each body's sampling argument, KiB (at most 16,384).
    #[arg(long, default_value_t = 1000)]
    pub(crate) big_body_kib: usize,
    /// big_bodies: when the server's memory is read after the bodies are sent, ms.
    #[arg(long, default_value_t = 3_000)]
    pub(crate) big_body_settle_ms: u64,
}

impl Args {
    /// The innocent caller's arguments, parsed.
    pub(crate) fn trivial_arguments(&self) -> Result<Value, String> {
        match serde_json::from_str(&self.trivial_args) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(format!(
                "--trivial-args must be a JSON object, not `{}`",
                self.trivial_args
            )),
        }
    }

    /// The address the `i`-th attacking session or connection comes from.
    pub(crate) fn attacker(&self, i: usize) -> IpAddr {
        IpAddr::V4(self.attack_from[i % self.attack_from.len()])
    }

    /// The address the innocent caller comes from.
    pub(crate) fn innocent(&self) -> IpAddr {
        IpAddr::V4(self.probe_from)
    }

    /// The sampling tool's arguments: `text` under `--sample-arg`.
    pub(crate) fn sample_arguments(&self, text: String) -> Value {
        let mut arguments = serde_json::Map::new();
        arguments.insert(self.sample_arg.clone(), text.into());
        Value::Object(arguments)
    }

    /// Refuse unknown attacks and counts beyond the ceilings.
    fn check(&self) -> Result<(), String> {
        if let Some(a) = self.attacks.iter().find(|a| !ATTACKS.contains(&a.as_str())) {
            return Err(format!(
                "unknown attack `{a}` (known: {})",
                ATTACKS.join(", ")
            ));
        }
        self.trivial_arguments()?;
        if self.attack_from.is_empty() {
            return Err("--attack-from needs at least one address".into());
        }
        if let Some(ip) = self
            .attack_from
            .iter()
            .chain([&self.probe_from])
            .find(|ip| !ip.is_loopback())
        {
            return Err(format!(
                "{ip} is not in 127.0.0.0/8; the driver connects from loopback addresses only"
            ));
        }
        if self.attack_from.contains(&self.probe_from) {
            return Err(format!(
                "--probe-from {} is also an attacker's address (--attack-from)",
                self.probe_from
            ));
        }
        if let Some(url) = &self.url {
            server::loopback_url(url)?;
        }
        let ceilings = [
            ("--starve-sessions", self.starve_sessions as u64, 256),
            ("--starve-calls", self.starve_calls as u64, 1024),
            ("--trickle-conns", self.trickle_conns as u64, 5_000),
            ("--trickle-hold-ms", self.trickle_hold_ms, 600_000),
            ("--flood-sessions", self.flood_sessions as u64, 100_000),
            ("--big-bodies", self.big_bodies as u64, 1_024),
            ("--big-body-kib", self.big_body_kib as u64, 16_384),
            ("--big-body-settle-ms", self.big_body_settle_ms, 600_000),
            ("--probe-timeout-ms", self.probe_timeout_ms, 600_000),
            ("--head-timeout-ms", self.head_timeout_ms, 600_000),
        ];
        for (flag, value, most) in ceilings {
            if value > most {
                return Err(format!("{flag} {value} is above its ceiling of {most}"));
            }
        }
        if self.trickle_interval_ms == 0 {
            return Err("--trickle-interval-ms must be at least 1".into());
        }
        Ok(())
    }
}

/// What one attack did: its parameters, its measured result, and one line for humans.
pub(crate) struct Outcome {
    /// The attack's parameters.
    pub(crate) params: Value,
    /// The figures.
    pub(crate) result: Value,
    /// The human summary.
    pub(crate) summary: String,
}

/// Run `attack` against a server started for it (or the running one).
async fn attack(args: &Args, attack: &str) -> Result<Outcome, String> {
    let mut server = match (&args.server, &args.url) {
        (Some(cmd), _) => Server::spawn(cmd, args.server_stderr).await?,
        (None, Some(url)) => Server::external(url, args.pid)?,
        (None, None) => return Err("give --server or --url".into()),
    };
    let outcome = match attack {
        "starvation" => starve::run(&server, args).await,
        "slowloris" => trickle::run(&server, args, Phase::Head).await,
        "slow_body" => trickle::run(&server, args, Phase::Body).await,
        "flood" => flood::run(&server, args).await,
        "big_bodies" => bodies::run(&server, args).await,
        other => Err(format!("unknown attack `{other}`")),
    };
    let alive = server.alive();
    server.stop().await;
    let mut outcome = outcome?;
    if alive == Some(false) {
        outcome.summary.push_str(" [the server process DIED]");
    }
    if let Value::Object(result) = &mut outcome.result {
        result.insert("server_alive".into(), json!(alive));
    }
    Ok(outcome)
}

fn main() {
    let args = Args::parse();
    if let Err(e) = args.check() {
        eprintln!("abuse: {e}");
        std::process::exit(2);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut failed = false;
    for name in ATTACKS
        .iter()
        .filter(|a| args.attacks.iter().any(|x| x == *a))
    {
        eprintln!("abuse: {} {name} ...", args.name);
        match rt.block_on(attack(&args, name)) {
            Ok(outcome) => {
                let line = json!({
                    "target": args.name,
                    "attack": name,
                    "params": outcome.params,
                    "result": outcome.result,
                    "summary": outcome.summary,
                });
                println!("{line}");
                eprintln!("abuse: {} {name}: {}", args.name, outcome.summary);
            }
            Err(e) => {
                eprintln!("abuse: {} {name} FAILED: {e}", args.name);
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
