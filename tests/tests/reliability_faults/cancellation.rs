//! Cancellation drops the handler and its pending sample, over stdio and HTTP.

use super::*;

#[tokio::test]
async fn cancellation_drops_the_handler_and_its_pending_sample() {
    let (logs, _guard) = Logs::capture();
    // One pending client request at most: if the cancelled sample kept its slot, the next
    // sample would fail as busy.
    let limits = Limits::default()
        .max_pending_client_requests(1)
        .sample_timeout(Duration::from_secs(60));
    let (server, life) = server(limits);
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": "call-1", "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask = pipe.expect_method("sampling/createMessage").await;
    pipe.tx
        .send(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": "call-1", "reason": "user pressed stop"}}),
        )
        .await;
    life.wait_dropped(1).await;
    assert_eq!(life.counts(), (1, 0, 1));

    // The answer to the abandoned sample arrives late: ignored, not answered.
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("too late")}))
        .await;
    // What the client hears: only that the server no longer needs the sample (the server's own
    // `notifications/cancelled`); no response to the cancelled call, nothing about the late answer.
    let seen = pipe.sync().await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["method"], "notifications/cancelled", "{seen:?}");
    assert_eq!(seen[0]["params"]["requestId"], ask["id"], "{seen:?}");
    // Cancelling what is not running is ignored too.
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "call-1"}}))
        .await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 987654}}))
        .await;
    assert!(pipe.sync().await.is_empty());

    // The session works, and the slot of the abandoned sample is free again.
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": "call-2", "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask2 = pipe.expect_method("sampling/createMessage").await;
    assert_ne!(ask2["id"], ask["id"]);
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": ask2["id"], "result": sample_answer("in time")}))
        .await;
    assert_eq!(text(&pipe.response(&json!("call-2")).await), "ok: in time");
    pipe.close().await.unwrap();
    assert_eq!(life.counts(), (2, 1, 1));
    assert_eq!(
        logs.lines_with(&["request cancelled; its handler was dropped", "call-1"])
            .len(),
        1,
        "{}",
        logs.text()
    );
    assert_eq!(
        logs.lines_with(&["ignored a response to a request that is not pending"])
            .len(),
        1
    );
}

#[tokio::test]
async fn cancellation_over_http_ends_the_request_stream_without_a_response() {
    let (server, life) = server(Limits::default());
    let mut http = Http::start(server, HttpConfig::default()).await;
    http.initialize(json!({"sampling": {}})).await;
    let r = http
        .post()
        .body(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": call("ask", json!({}))}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut events = SseReader::new(r);
    let (_, ask) = events.next_message().await.unwrap();
    assert_eq!(ask["method"], "sampling/createMessage");
    let r = http
        .post_json(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7}}))
        .await;
    assert_eq!(r.status, 202);
    life.wait_dropped(1).await;
    // The stream carries the server's cancellation of its sample, then ends with no response.
    let (_, cancelled) = events.next_message().await.unwrap();
    assert_eq!(
        cancelled["method"], "notifications/cancelled",
        "{cancelled}"
    );
    assert_eq!(cancelled["params"]["requestId"], ask["id"], "{cancelled}");
    let after = events.next_message().await;
    assert!(
        after.is_none(),
        "the stream ends, with no response: {after:?}"
    );
    // A late answer is accepted (202) and ignored; the session works.
    let r = http
        .post_json(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("late")}))
        .await;
    assert_eq!(r.status, 202);
    let r = http
        .call(&json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": call("echo", json!({"text": "alive"}))}))
        .await;
    assert_eq!(text(&r), "alive");
}
