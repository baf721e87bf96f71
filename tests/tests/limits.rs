//! Resource limits: concurrency back-pressure, pending client requests, masked internal errors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use toolsmith::prelude::*;
use toolsmith::Limits;
use toolsmith_tests::fixtures::{echo, leaks};
use toolsmith_tests::RawClient;

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Holds its slot for a while.
#[tool]
async fn slow() -> String {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    "done".into()
}

#[tokio::test]
async fn handlers_beyond_the_limit_wait_instead_of_piling_up() {
    let server = Server::new("s", "1")
        .tool(slow)
        .limits(Limits::default().max_concurrent_requests_per_session(2));
    let mut c = RawClient::initialized(server, json!({})).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            c.send_request("tools/call", json!({"name": "slow", "arguments": {}}))
                .await,
        );
    }
    // The reader is held back while both slots are taken, so a ping sent now is answered once a
    // slot frees up; nothing is dropped.
    let ping = c.send_request("ping", json!({})).await;
    for id in ids {
        assert_eq!(c.response(id).await["result"]["content"][0]["text"], "done");
    }
    assert_eq!(c.response(ping).await["result"], json!({}));
    assert_eq!(
        PEAK.load(Ordering::SeqCst),
        2,
        "never more than 2 handlers at once"
    );
    c.close().await.unwrap();
}

/// Samples and reports how it went.
#[tool]
async fn ask(ctx: Context<'_>) -> String {
    match ctx.sample("q").await {
        Ok(r) => r.text(),
        Err(e) => format!("error: {e}"),
    }
}

#[tokio::test]
async fn pending_client_requests_are_bounded() {
    let server = Server::new("s", "1")
        .tool(ask)
        .limits(Limits::default().max_pending_client_requests(1));
    let mut c = RawClient::initialized(server, json!({"sampling": {}})).await;
    let first = c
        .send_request("tools/call", json!({"name": "ask", "arguments": {}}))
        .await;
    let asked = c.expect_method("sampling/createMessage").await;
    // A second ask while the first is unanswered fails at once, clearly.
    let r = c
        .request("tools/call", json!({"name": "ask", "arguments": {}}))
        .await;
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("too many requests"),
        "{r}"
    );
    c.send(&json!({"jsonrpc": "2.0", "id": asked["id"], "result": {"role": "assistant", "model": "m", "content": {"type": "text", "text": "ok"}}})).await;
    assert_eq!(
        c.response(first).await["result"]["content"][0]["text"],
        "ok"
    );
    c.close().await.unwrap();
}

/// Fails on purpose, with a message for the user.
#[tool]
async fn refuses() -> Result<String, ToolError> {
    Err(ToolError::new("the quota is used up"))
}

#[tokio::test]
async fn internal_error_details_are_masked_unless_exposed() {
    let mut c =
        RawClient::initialized(Server::new("s", "1").tool(leaks).tool(refuses), json!({})).await;
    let r = c
        .request("tools/call", json!({"name": "leaks", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["isError"], true);
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(!text.contains("private"), "{text}");
    assert!(r["result"].get("_meta").is_none(), "{r}");
    let r = c
        .request("tools/call", json!({"name": "refuses", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "the quota is used up");

    let mut c = RawClient::initialized(
        Server::new("s", "1").tool(leaks).expose_error_details(true),
        json!({}),
    )
    .await;
    let r = c
        .request("tools/call", json!({"name": "leaks", "arguments": {}}))
        .await;
    assert_eq!(
        r["result"]["content"][0]["text"],
        "cannot open /srv/private/keys.pem"
    );
}

#[tokio::test]
async fn a_peer_that_stops_reading_cannot_hold_the_server_open_forever() {
    use tokio::io::AsyncWriteExt;
    let server = Server::new("s", "1")
        .tool(echo)
        .limits(Limits::default().shutdown_grace(Duration::from_millis(100)));
    let (mut to_server, server_in) = tokio::io::duplex(1 << 16);
    // The server's output goes into a small pipe nobody reads.
    let (server_out, _never_read) = tokio::io::duplex(64);
    let serving = tokio::spawn(server.serve(server_in, server_out));
    let text = "x".repeat(1024);
    for i in 1..=20 {
        let m = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": text}}});
        to_server
            .write_all(format!("{m}\n").as_bytes())
            .await
            .unwrap();
    }
    to_server.shutdown().await.unwrap();
    drop(to_server);
    // The final flush is bounded (10 s), so the server ends even though nothing is read.
    let ended = tokio::time::timeout(Duration::from_secs(30), serving).await;
    assert!(
        ended.is_ok(),
        "the server did not end after its input closed"
    );
}
