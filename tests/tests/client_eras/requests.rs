//! Stateless requests: logs and progress travel with the request, a client without handlers
//! says so, and a call that times out is cancelled on the server.

use super::*;

#[tokio::test]
async fn stateless_logs_and_progress_travel_with_the_request() {
    for wire in [Wire::Http, Wire::Pipe] {
        let (tx, mut logs) = tokio::sync::mpsc::unbounded_channel();
        let builder = Client::builder("eras-test-client", "1.0")
            .protocol(Protocol::Stateless)
            .on_log(move |m| tx.send(m).unwrap());
        let client = connect(builder, wire).await;
        // Without a level, the server sends no logs at all in this era.
        client.call_tool("chatty", json!({})).await.unwrap();
        assert!(logs.try_recv().is_err(), "{wire:?}");
        client.set_log_level(LoggingLevel::Warning).await.unwrap();
        client.call_tool("chatty", json!({})).await.unwrap();
        let log = logs.try_recv().expect("the error log");
        assert_eq!(
            (log.level, log.text().as_str()),
            (LoggingLevel::Error, "something broke")
        );
        assert!(logs.try_recv().is_err(), "the info log was filtered out");

        let updates: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let u = Arc::clone(&updates);
        let r = client
            .call_tool_with_progress("count", json!({"n": 3}), move |p| u.lock().unwrap().push(p))
            .await
            .unwrap();
        assert_eq!(r.text_content(), "counted to 3");
        let seen: Vec<f64> = updates.lock().unwrap().iter().map(|p| p.progress).collect();
        assert_eq!(seen, [1.0, 2.0, 3.0], "{wire:?}");
    }
}

#[tokio::test]
async fn without_a_handler_the_stateless_server_is_told_nothing_is_supported() {
    // No sampling capability in the envelope: the tool sees the refusal and falls back, no round.
    let rounds = Rounds::default();
    let builder = rounds.observe(Client::builder("plain", "1").protocol(Protocol::Auto));
    let client = connect(builder, Wire::Http).await;
    let r = client
        .call_tool("ask_or_explain", json!({"question": "q"}))
        .await
        .unwrap();
    assert!(
        r.text_content().contains("does not support sampling"),
        "{}",
        r.text_content()
    );
    assert_eq!(rounds.count(), 0);
}

#[tokio::test]
async fn a_stateless_call_that_times_out_is_cancelled_on_the_server() {
    for wire in [Wire::Http, Wire::Pipe] {
        let before = STALL_DROPPED.load(Ordering::SeqCst);
        // Not `connect`, which sets a long timeout: this client is impatient.
        let builder = Client::builder("impatient", "1")
            .protocol(Protocol::Stateless)
            .request_timeout(Duration::from_millis(300));
        let client = match wire {
            Wire::Http => {
                let router = server().into_http_router(HttpConfig::default()).unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
                builder
                    .connect_http(&format!("http://{addr}/mcp"))
                    .await
                    .unwrap()
            }
            Wire::Pipe => {
                let (client_end, server_end) = tokio::io::duplex(1 << 20);
                let (sr, sw) = tokio::io::split(server_end);
                tokio::spawn(server().serve(sr, sw));
                let (r, w) = tokio::io::split(client_end);
                builder.connect(r, w).await.unwrap()
            }
        };
        let err = client.call_tool("stall", json!({})).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Timeout { .. }),
            "{wire:?}: {err:?}"
        );
        // HTTP: the client closed the request's stream; stdio: it sent notifications/cancelled.
        let dropped = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                // Registered before the check, so a drop in between is not missed.
                let changed = STALL_DROPPED_CHANGED.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if STALL_DROPPED.load(Ordering::SeqCst) != before {
                    return;
                }
                changed.await;
            }
        })
        .await;
        assert!(
            dropped.is_ok(),
            "{wire:?}: the server kept running the call"
        );
    }
}
