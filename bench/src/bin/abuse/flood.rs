//! Attack 4, session flood: many `initialize`s whose sessions are never used again (not even
//! `notifications/initialized`), then the memory the server holds and whether an innocent
//! caller can still open a session and call a tool.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};

use crate::client::{self, round1};
use crate::server::Server;
use crate::starve::{counts, error_kind};
use crate::{Args, Outcome};

/// One `initialize`: "session" when it was answered with a session id, else what went wrong.
async fn initialize(http: &reqwest::Client, url: &str) -> String {
    let resp = match client::post(http, url, None, client::initialize_frame(0, false))
        .send()
        .await
    {
        Ok(resp) => resp,
        Err(e) => return format!("error: {}", error_kind(&e)),
    };
    let status = resp.status().as_u16();
    let has_id = resp.headers().contains_key("mcp-session-id");
    match client::read_response(resp, 0).await {
        Ok(_) if has_id => "session".into(),
        Ok(_) => "answered without Mcp-Session-Id".into(),
        Err(_) => format!("HTTP {status} (no session)"),
    }
}

/// Run the session flood against `server`.
pub(crate) async fn run(server: &Server, args: &Args) -> Result<Outcome, String> {
    let trivial: Value = args.trivial_arguments()?;
    let cap = Duration::from_millis(args.probe_timeout_ms);
    // Warm the server up (first session, first call) so lazily built state is not counted.
    let warm = client::probe(
        args.innocent(),
        &server.url,
        &args.trivial_tool,
        &trivial,
        cap,
    )
    .await;
    if let Some(e) = warm.error {
        return Err(format!("the server does not answer before the attack: {e}"));
    }
    let before = server.memory_kib();
    // One pooled client per attacker address; the initializes take them in turn.
    let clients: Vec<reqwest::Client> = (0..args.attack_from.len())
        .map(|i| client::pooled_client(args.attacker(i)))
        .collect();
    let t0 = Instant::now();
    let mut tally = BTreeMap::<String, u64>::new();
    let mut answers = futures::stream::iter((0..args.flood_sessions).map(|i| {
        let http = &clients[i % clients.len()];
        async move { initialize(http, &server.url).await }
    }))
    .buffer_unordered(args.flood_concurrency.max(1));
    while let Some(outcome) = answers.next().await {
        *tally.entry(outcome).or_default() += 1;
    }
    drop(answers);
    let flood_ms = t0.elapsed().as_secs_f64() * 1e3;
    let after = server.memory_kib();
    let probe = client::probe(
        args.innocent(),
        &server.url,
        &args.trivial_tool,
        &trivial,
        cap,
    )
    .await;
    let sessions = tally.get("session").copied().unwrap_or(0);
    let held_kib = match (before, after) {
        (Some((b, _)), Some((a, _))) => Some(a as i64 - b as i64),
        _ => None,
    };
    let summary = format!(
        "{} initializes never used ({} in {:.1} s): RSS {} KiB -> {} KiB ({} bytes per session); fresh session + {}: {}",
        args.flood_sessions,
        counts(&tally),
        flood_ms / 1e3,
        before.map_or("?".into(), |m| m.0.to_string()),
        after.map_or("?".into(), |m| m.0.to_string()),
        match held_kib {
            Some(kib) if sessions > 0 => format!("{:.0}", kib as f64 * 1024.0 / sessions as f64),
            _ => "?".into(),
        },
        args.trivial_tool,
        probe.describe(),
    );
    Ok(Outcome {
        params: json!({
            "initializes": args.flood_sessions,
            "concurrency": args.flood_concurrency,
            "attack_from": args.attack_from,
            "probe_cap_ms": args.probe_timeout_ms,
        }),
        result: json!({
            "answers": tally,
            "sessions": sessions,
            "flood_ms": round1(flood_ms),
            "rss_before_kib": before.map(|m| m.0),
            "rss_after_kib": after.map(|m| m.0),
            "rss_peak_kib": after.map(|m| m.1),
            "held_kib": held_kib,
            "probe": probe.json(),
        }),
        summary,
    })
}
