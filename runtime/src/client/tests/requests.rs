//! The client's own requests: progress and logs, timeouts, closing, errors and pagination.

use super::*;

#[tokio::test]
async fn progress_and_logs_reach_their_callbacks() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&logs);
    let builder = Client::builder("c", "1").on_log(move |m| l.lock().unwrap().push(m));
    let (client, mut fake, _) = connect(builder).await;
    let seen_updates = Arc::new(Mutex::new(Vec::new()));
    let u = Arc::clone(&seen_updates);
    let call = tokio::spawn(async move {
        let r = client
            .call_tool_with_progress("work", json!({"n": 2}), move |p| u.lock().unwrap().push(p))
            .await;
        (client, r)
    });
    let req = fake.recv().await;
    assert_eq!(req["method"], "tools/call");
    assert_eq!(req["params"]["name"], "work");
    assert_eq!(req["params"]["arguments"], json!({"n": 2}));
    let token = req["params"]["_meta"]["progressToken"].clone();
    assert!(token.is_i64(), "{req}");
    let progress = |token: &Value, p: f64, message: Option<&str>| {
        json!({"jsonrpc": "2.0", "method": "notifications/progress",
            "params": {"progressToken": token, "progress": p, "total": 2, "message": message}})
    };
    fake.send(progress(&json!(987_654), 1.0, Some("someone else's")))
        .await;
    fake.send(progress(&token, 1.0, Some("1 of 2"))).await;
    fake.send(json!({"jsonrpc": "2.0", "method": "notifications/message",
        "params": {"level": "error", "logger": "work", "data": "disk almost full"}}))
        .await;
    fake.send(progress(&token, 2.0, None)).await;
    fake.answer(&req, json!({"content": [{"type": "text", "text": "done"}]}))
        .await;
    let (client, result) = call.await.unwrap();
    assert_eq!(result.unwrap().text_content(), "done");
    let updates = seen_updates.lock().unwrap().clone();
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert_eq!(
        (
            updates[0].progress,
            updates[0].total,
            updates[0].message.as_deref()
        ),
        (1.0, Some(2.0), Some("1 of 2"))
    );
    assert_eq!(
        (updates[1].progress, updates[1].message.as_deref()),
        (2.0, None)
    );
    let logs = logs.lock().unwrap().clone();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].level, LoggingLevel::Error);
    assert_eq!(logs[0].logger.as_deref(), Some("work"));
    assert_eq!(logs[0].text(), "disk almost full");

    // After the call, its token is forgotten: a stray update reaches nobody.
    let updates_before = updates.len();
    fake.send(progress(&token, 3.0, None)).await;
    let (pong, ()) = tokio::join!(client.ping(), async {
        let req = fake.recv().await;
        assert_eq!(req["method"], "ping");
        fake.answer(&req, json!({})).await;
    });
    pong.unwrap();
    assert_eq!(updates_before, 2);
    assert_eq!(seen_updates.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_request_that_times_out_is_cancelled_and_its_late_answer_ignored() {
    let builder = Client::builder("c", "1").request_timeout(Duration::from_millis(150));
    let (client, mut fake, _) = connect(builder).await;
    let started = Instant::now();
    let (result, req) = tokio::join!(client.request("slow/thing", json!({"a": 1})), fake.recv());
    let err = result.unwrap_err();
    assert!(
        matches!(&err, ClientError::Timeout { method, timeout } if method == "slow/thing" && *timeout == Duration::from_millis(150)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let cancel = fake.recv().await;
    assert_eq!(cancel["method"], "notifications/cancelled");
    assert_eq!(cancel["params"]["requestId"], req["id"]);
    // The late answer is dropped; the next request gets its own answer.
    fake.answer(&req, json!({"late": true})).await;
    let (result, next) = tokio::join!(client.request("fast", Value::Null), async {
        let next = fake.recv().await;
        fake.answer(&next, json!({"ok": 1})).await;
        next
    });
    assert_eq!(result.unwrap(), json!({"ok": 1}));
    assert!(next.get("params").is_none(), "Null sends no params: {next}");
}

#[tokio::test]
async fn progress_restarts_the_timeout() {
    let builder = Client::builder("c", "1").request_timeout(Duration::from_millis(400));
    let (client, mut fake, _) = connect(builder).await;
    let count = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&count);
    let call = client.call_tool_with_progress("long", Value::Null, move |_| {
        c.fetch_add(1, Ordering::Relaxed);
    });
    let serve = async {
        let req = fake.recv().await;
        let token = req["params"]["_meta"]["progressToken"].clone();
        // 600 ms in all, never more than 100 ms without news.
        for k in 1..=6 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            fake.send(json!({"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": token, "progress": k}}))
                .await;
        }
        fake.answer(&req, json!({"content": []})).await;
    };
    let (result, ()) = tokio::join!(call, serve);
    assert!(result.unwrap().content.is_empty());
    assert_eq!(count.load(Ordering::Relaxed), 6);
}

#[tokio::test]
async fn a_closed_connection_fails_pending_and_later_requests() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let call = tokio::spawn(async move { c.call_tool("anything", json!({})).await });
    assert_eq!(fake.recv().await["method"], "tools/call");
    let started = Instant::now();
    drop(fake);
    let err = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&err, ClientError::ConnectionClosed { method } if method == "tools/call"),
        "{err:?}"
    );
    assert!(err.to_string().contains("closed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(client.is_closed());
    let err = client.ping().await.unwrap_err();
    assert!(err.is_connection_closed(), "{err:?}");
}

#[tokio::test]
async fn close_shuts_the_writer_and_waits_for_the_server() {
    let builder = Client::builder("c", "1").close_timeout(Duration::from_secs(2));
    let (client, mut fake, _) = connect(builder).await;
    let closing = tokio::spawn(async move {
        let closed = client.close().await;
        (client, closed)
    });
    // The server sees end of input, then hangs up in turn.
    assert_eq!(fake.next().await, None);
    drop(fake);
    let (client, closed) = closing.await.unwrap();
    let closed = closed.unwrap();
    assert_eq!(closed.exit_status, None);
    assert!(!closed.killed);
    assert!(client.is_closed());
    assert!(client.close().await.is_ok(), "closing twice is harmless");
}

#[tokio::test]
async fn close_gives_up_on_a_server_that_never_hangs_up() {
    let builder = Client::builder("c", "1").close_timeout(Duration::from_millis(100));
    let (client, _fake, _) = connect(builder).await;
    let started = Instant::now();
    client.close().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(client
        .request("x", Value::Null)
        .await
        .unwrap_err()
        .is_connection_closed());
}

#[tokio::test]
async fn tool_arguments_must_be_an_object() {
    let (client, _fake, _) = connect(Client::builder("c", "1")).await;
    let err = client.call_tool("t", json!([1, 2])).await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidArgument(_)), "{err:?}");
    assert!(err.to_string().contains("`t`"), "{err}");
}

#[tokio::test]
async fn errors_and_malformed_answers_fail_the_request() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let (result, ()) = tokio::join!(client.request("tools/call", json!({})), async {
        let req = fake.recv().await;
        fake.send(json!({"jsonrpc": "2.0", "id": req["id"],
            "error": {"code": -32602, "message": "unknown tool: `x`"}}))
            .await;
    });
    let err = result.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32602);
    assert!(err.to_string().contains("unknown tool"), "{err}");

    // Both `result` and `error`: unreadable, but its id says whose answer it was.
    let started = Instant::now();
    let (result, ()) = tokio::join!(client.request("x", Value::Null), async {
        let req = fake.recv().await;
        fake.send(json!({"jsonrpc": "2.0", "id": req["id"], "result": {},
            "error": {"code": 1, "message": "?"}}))
            .await;
    });
    let err = result.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32600);
    assert!(err.to_string().contains("malformed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // A result of the wrong shape.
    let (result, ()) = tokio::join!(client.call_tool("t", Value::Null), async {
        let req = fake.recv().await;
        assert!(req["params"].get("arguments").is_none(), "{req}");
        fake.answer(&req, json!({"content": "not a list"})).await;
    });
    assert!(matches!(
        result.unwrap_err(),
        ClientError::InvalidResponse { .. }
    ));
}

#[tokio::test]
async fn list_tools_follows_cursors() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let tool = |name: &str| json!({"name": name, "inputSchema": {"type": "object"}});
    let (result, ()) = tokio::join!(client.list_tools(), async {
        let first = fake.recv().await;
        assert!(first.get("params").is_none(), "{first}");
        fake.answer(&first, json!({"tools": [tool("a")], "nextCursor": "p2"}))
            .await;
        let second = fake.recv().await;
        assert_eq!(second["params"], json!({"cursor": "p2"}));
        fake.answer(&second, json!({"tools": [tool("b")]})).await;
    });
    let names: Vec<String> = result.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["a", "b"]);

    let (result, ()) = tokio::join!(client.list_tools(), async {
        for _ in 0..2 {
            let req = fake.recv().await;
            fake.answer(&req, json!({"tools": [], "nextCursor": "same"}))
                .await;
        }
    });
    let err = result.unwrap_err();
    assert!(err.to_string().contains("repeated the cursor"), "{err}");
}
