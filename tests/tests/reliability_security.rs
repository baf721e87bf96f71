//! Security checks beyond `http_transport.rs`, `stateless.rs` and `limits.rs`: session ids across
//! a thousand sessions, what a dead session answers (after DELETE, after idle expiry) and that it
//! leaves no task behind, and internal error details masked on every path. `requestState` under
//! attack is in `reliability_request_state.rs`.

mod reliability_support;

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};

use reliability_support::{alive_tasks, settle_tasks, stateless_meta, Http, Pipe};
use toolsmith_tests::fixtures::{echo, leaks, one};

/// Ask once, too (another tool, the same shape).
#[tool]
async fn other(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample(question).max_tokens(10).await?.text())
}

/// Take a while.
#[tool]
async fn slow(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "done".into()
}

/// Panics with a private path.
#[tool]
async fn panics() -> String {
    panic!("state at /srv/private/dump")
}

/// A resource whose reading fails with a private detail.
#[resource(uri = "secret://config")]
async fn failing_resource() -> Result<String, std::io::Error> {
    Err(std::io::Error::other(
        "cannot open /srv/private/config.toml",
    ))
}

/// A prompt whose rendering fails with a private detail.
#[prompt]
async fn failing_prompt() -> Result<String, std::io::Error> {
    Err(std::io::Error::other(
        "template /srv/private/prompt.txt missing",
    ))
}

fn server() -> Server {
    Server::new("security", "1")
        .tool(echo)
        .tool(one)
        .tool(other)
        .tool(slow)
        .tool(leaks)
        .tool(panics)
}

// ---------------------------------------------------------------------------------------------
// Sessions.

fn ping(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

async fn get_status(http: &Http) -> u16 {
    let mut r = http
        .http
        .get(&http.url)
        .header("accept", "text/event-stream");
    if let Some(s) = &http.session {
        r = r.header("mcp-session-id", s);
    }
    r.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_thousand_sessions_have_unique_visible_ids_and_die_with_delete() {
    let base = Http::start(server(), HttpConfig::default()).await;
    // The reaper starts with the first request; count it in.
    assert_eq!(base.post_json(&ping(0)).await.status, 400);
    let baseline = alive_tasks();

    let mut ids = Vec::new();
    for batch in 0..(1000 / 50) {
        let inits = (0..50).map(|k| {
            let base = &base;
            async move {
                let mut c = Http {
                    url: base.url.clone(),
                    http: base.http.clone(),
                    session: None,
                };
                c.initialize(json!({})).await;
                let r = c.call(&ping(batch * 50 + k)).await;
                assert_eq!(r["result"], json!({}));
                c.session.unwrap()
            }
        });
        ids.extend(futures::future::join_all(inits).await);
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 1000, "session ids repeat");
    for id in &ids {
        assert!(id.len() >= 32, "short session id {id:?}");
        assert!(
            id.bytes().all(|b| (0x21..=0x7e).contains(&b)),
            "session id {id:?} is not visible ASCII"
        );
    }
    assert!(
        alive_tasks() > baseline + 1000,
        "each session has its tasks"
    );

    // DELETE each; afterwards every method answers 404 for it, DELETE included.
    for chunk in ids.chunks(50) {
        let ends = chunk.iter().map(|id| {
            let c = Http {
                url: base.url.clone(),
                http: base.http.clone(),
                session: Some(id.clone()),
            };
            async move {
                assert_eq!(c.delete().await, 200);
                assert_eq!(c.post_json(&ping(1)).await.status, 404);
                assert_eq!(get_status(&c).await, 404);
                assert_eq!(c.delete().await, 404);
            }
        });
        futures::future::join_all(ends).await;
    }
    // Nothing of the thousand sessions is left running (idle keep-alive connections aside).
    drop(base);
    let left = settle_tasks(baseline).await;
    assert!(
        left <= baseline,
        "{left} tasks alive, {baseline} before the sessions"
    );
}

#[tokio::test]
async fn expired_sessions_answer_404_everywhere_and_leave_nothing_behind() {
    let config = HttpConfig::default().session_idle_timeout(Duration::from_millis(150));
    let base = Http::start(server(), config).await;
    assert_eq!(base.post_json(&ping(0)).await.status, 400);
    let baseline = alive_tasks();
    let mut sessions = Vec::new();
    for _ in 0..20 {
        let mut c = Http {
            url: base.url.clone(),
            http: base.http.clone(),
            session: None,
        };
        c.initialize(json!({})).await;
        sessions.push(c);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    for c in &sessions {
        assert_eq!(c.post_json(&ping(1)).await.status, 404);
        assert_eq!(get_status(c).await, 404);
        assert_eq!(c.delete().await, 404);
    }
    drop((base, sessions));
    let left = settle_tasks(baseline).await;
    assert!(
        left <= baseline,
        "{left} tasks alive, {baseline} before the sessions"
    );
}

/// A session whose only activity is a long call is not idle: the reaper only looks at when the
/// last request arrived, so it ends the session under the call, and the call's POST gets an
/// empty 202 instead of its result.
#[tokio::test]
async fn a_session_with_a_call_in_flight_is_not_idle() {
    let config = HttpConfig::default().session_idle_timeout(Duration::from_millis(150));
    let mut http = Http::start(
        server().limits(Limits::default().shutdown_grace(Duration::from_millis(50))),
        config,
    )
    .await;
    http.initialize(json!({})).await;
    let r = http
        .post_json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "slow", "arguments": {"ms": 1000}}}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["result"]["content"][0]["text"], "done");
    assert_eq!(http.post_json(&ping(2)).await.status, 200);
}

/// `on_post` creates the session before running `initialize` and keeps it when the HTTP status
/// is 200 — which a JSON-RPC error also is — so a handshake that failed yields a session id that
/// works (uninitialized: its peer info is the pre-initialize default).
#[tokio::test]
async fn a_failed_initialize_over_http_leaves_no_session() {
    let http = Http::start(server(), HttpConfig::default()).await;
    let r = http
        .post_json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": 5}}))
        .await;
    assert_eq!(r.json()["error"]["code"], -32602, "{r:?}");
    // Whether the failed handshake got a session id or not, no session can be used with it.
    if let Some(id) = r.session {
        let c = Http {
            url: http.url.clone(),
            http: http.http.clone(),
            session: Some(id.clone()),
        };
        let status = c.post_json(&ping(2)).await.status;
        eprintln!("a failed initialize was given session {id}; a ping on it answers {status}");
        assert_eq!(
            status, 404,
            "a failed initialize left a live session behind"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Internal error details.

#[tokio::test]
async fn internal_error_details_are_masked_over_http_and_in_the_stateless_era() {
    let mut http = Http::start(server(), HttpConfig::default()).await;
    http.initialize(json!({})).await;
    for tool in ["leaks", "panics"] {
        let r = http
            .call(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {}}}))
            .await;
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert!(
            !r.to_string().contains("/srv/private"),
            "{tool} leaked over HTTP: {r}"
        );
    }
    let mut pipe = Pipe::start(server());
    for tool in ["leaks", "panics"] {
        let r = pipe
            .request(
                json!(tool),
                "tools/call",
                json!({"name": tool, "arguments": {}, "_meta": stateless_meta()}),
            )
            .await;
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert_eq!(r["result"]["resultType"], "complete", "{r}");
        assert!(
            !r.to_string().contains("/srv/private"),
            "{tool} leaked in the stateless era: {r}"
        );
    }
    pipe.close().await.unwrap();
}

/// A failing resource or prompt sends its error's text to the client as the -32603 message,
/// whatever `expose_error_details` says: `Err(io::Error)` from a resource shows its path.
#[tokio::test]
async fn resource_and_prompt_error_details_are_masked_too() {
    let server = server().resource(failing_resource).prompt(failing_prompt);
    let mut pipe = Pipe::initialized(server, json!({})).await;
    let r = pipe
        .request(
            json!(1),
            "resources/read",
            json!({"uri": "secret://config"}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(!r.to_string().contains("/srv/private"), "{r}");
    let r = pipe
        .request(json!(2), "prompts/get", json!({"name": "failing_prompt"}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(!r.to_string().contains("/srv/private"), "{r}");
    pipe.close().await.unwrap();
}
