//! Sampling answers that never come, come twice, come late or come as garbage.

use super::*;

#[tokio::test]
async fn unanswered_samples_time_out_and_free_their_slots() {
    let limits = Limits::default()
        .sample_timeout(Duration::from_millis(100))
        .max_pending_client_requests(2);
    let (server, life) = server(limits);
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    let mut asks = Vec::new();
    // Three rounds of two concurrent samples on two slots: each round only gets slots if the
    // timed-out samples before it gave theirs back.
    for round in 0..3 {
        let started = Instant::now();
        for k in 0..2 {
            pipe.tx
                .send(&json!({"jsonrpc": "2.0", "id": round * 2 + k, "method": "tools/call", "params": call("ask", json!({}))}))
                .await;
        }
        for k in 0..2 {
            let r = pipe.response(&json!(round * 2 + k)).await;
            assert_eq!(
                text(&r),
                "error: the client did not answer the sampling request within 100ms",
                "{r}"
            );
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        for _ in 0..2 {
            asks.push(pipe.expect_method("sampling/createMessage").await);
        }
    }
    // Every answer comes after its timeout: all ignored.
    for ask in &asks {
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("late")}))
            .await;
    }
    // The only messages: the server telling the client it stopped waiting, once per sample.
    let seen = pipe.sync().await;
    let mut cancelled: Vec<&Value> = seen
        .iter()
        .inspect(|m| assert_eq!(m["method"], "notifications/cancelled", "{m}"))
        .inspect(|m| {
            assert!(
                m["params"]["reason"].as_str().unwrap().contains("timeout"),
                "{m}"
            )
        })
        .map(|m| &m["params"]["requestId"])
        .collect();
    let mut asked: Vec<&Value> = asks.iter().map(|a| &a["id"]).collect();
    cancelled.sort_by_key(|v| v.to_string());
    asked.sort_by_key(|v| v.to_string());
    assert_eq!(cancelled, asked);
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": "last", "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask = pipe.expect_method("sampling/createMessage").await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("on time")}))
        .await;
    assert_eq!(text(&pipe.response(&json!("last")).await), "ok: on time");
    assert_eq!(life.counts(), (7, 7, 0));
    pipe.close().await.unwrap();
}

#[tokio::test]
async fn late_duplicate_and_unknown_answers_are_ignored() {
    let (logs, _guard) = Logs::capture();
    let (server, _) = server(Limits::default());
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask = pipe.expect_method("sampling/createMessage").await;
    let stray = [
        json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("first")}),
        json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("duplicate")}),
        json!({"jsonrpc": "2.0", "id": ask["id"], "error": {"code": -1, "message": "duplicate error"}}),
        json!({"jsonrpc": "2.0", "id": 999_999, "result": sample_answer("unknown id")}),
        json!({"jsonrpc": "2.0", "id": -1, "result": {}}),
        json!({"jsonrpc": "2.0", "id": format!("{}", ask["id"]), "result": sample_answer("id as a string")}),
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "your last frame was unreadable"}}),
    ];
    for m in &stray {
        pipe.tx.send(m).await;
    }
    assert_eq!(text(&pipe.response(&json!(1)).await), "ok: first");
    let seen = pipe.sync().await;
    assert!(seen.is_empty(), "stray answers are not answered: {seen:?}");
    echo_works(&mut pipe, "still serving").await;
    pipe.close().await.unwrap();
    assert_eq!(
        logs.lines_with(&["ignored a response to a request that is not pending"])
            .len(),
        5,
        "{}",
        logs.text()
    );
    assert_eq!(
        logs.lines_with(&["the client reported an error about an unreadable message"])
            .len(),
        1
    );
}

#[tokio::test]
async fn garbage_sampling_answers_fail_the_sample_clearly_and_at_once() {
    // A long timeout: a garbage answer must fail the sample when it arrives, not at the timeout.
    let (server, life) = server(Limits::default().sample_timeout(Duration::from_secs(60)));
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    type Answer = Box<dyn Fn(&Value) -> String>;
    let garbage: Vec<(&str, Answer, &str)> = vec![
        (
            "empty result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": {}}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "number result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": 42}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "string result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": "positive"}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "array result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": []}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "null result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": null}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "content of the wrong type",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {"role": "assistant", "model": "m", "content": 5}}).to_string()
            }),
            "sampling answer is malformed",
        ),
        (
            "unknown role",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {"role": "wizard", "model": "m", "content": {"type": "text", "text": "x"}}}).to_string()
            }),
            "sampling answer is malformed",
        ),
        (
            "unknown content type",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {"role": "assistant", "model": "m", "content": {"type": "hologram"}}}).to_string()
            }),
            "sampling answer is malformed",
        ),
        (
            "error is a string",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "error": "oops"}).to_string()),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "error is empty",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "error": {}}).to_string()),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "error code is text",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": "E1", "message": "m"}})
                    .to_string()
            }),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "error is null",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "error": null}).to_string()),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "result and error",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": sample_answer("x"), "error": {"code": 1, "message": "?"}}).to_string()
            }),
            "malformed response from the peer: a response cannot have both",
        ),
        (
            "no jsonrpc",
            Box::new(|id| json!({"id": id, "result": sample_answer("x")}).to_string()),
            "malformed response from the peer: missing `jsonrpc`",
        ),
        (
            "duplicate result",
            Box::new(|id| format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}},"result":{{}}}}"#)),
            "malformed response from the peer: invalid message: duplicate field `result`",
        ),
        (
            "result nested too deep",
            Box::new(|id| {
                format!(
                    r#"{{"jsonrpc":"2.0","id":{id},"result":{}{}}}"#,
                    "[".repeat(1000),
                    "]".repeat(1000)
                )
            }),
            "malformed response from the peer: invalid `result`: recursion limit exceeded",
        ),
        (
            "the user refused",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -1, "message": "User rejected sampling request"}}).to_string()
            }),
            "refused the sampling request: User rejected sampling request (code -1)",
        ),
        (
            "an error with 1 MB of data",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "model crashed", "data": "d".repeat(1 << 20)}}).to_string()
            }),
            "refused the sampling request: model crashed (code -32603)",
        ),
    ];
    for (i, (name, answer, says)) in garbage.iter().enumerate() {
        let id = json!(format!("garbage-{i}"));
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": call("ask", json!({}))}))
            .await;
        let ask = pipe.expect_method("sampling/createMessage").await;
        let started = Instant::now();
        pipe.tx.send_bytes(answer(&ask["id"]).as_bytes()).await;
        let r = pipe.response(&id).await;
        let t = text(&r);
        assert!(t.starts_with("error: ") && t.contains(says), "{name}: {t}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: waited {:?}",
            started.elapsed()
        );
        let seen = pipe.sync().await;
        assert!(
            seen.is_empty(),
            "{name}: the server answered the client's answer: {seen:?}"
        );
    }
    echo_works(&mut pipe, "after garbage").await;
    let n = garbage.len();
    assert_eq!(life.counts(), (n, n, 0));
    pipe.close().await.unwrap();
}

#[tokio::test]
async fn garbage_sampling_answers_over_http_fail_the_sample_clearly() {
    let (server, _) = server(Limits::default().sample_timeout(Duration::from_secs(60)));
    let mut http = Http::start(server, HttpConfig::default()).await;
    http.initialize(json!({"sampling": {}})).await;
    for (i, garbage) in [
        json!({"result": {"nonsense": true}}),
        json!({"error": "oops"}),
    ]
    .into_iter()
    .enumerate()
    {
        let r = http
            .post()
            .body(json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("ask", json!({}))}).to_string())
            .send()
            .await
            .unwrap();
        let mut events = SseReader::new(r);
        let (_, ask) = events.next_message().await.unwrap();
        let mut answer = garbage.clone();
        answer["jsonrpc"] = json!("2.0");
        answer["id"] = ask["id"].clone();
        let started = Instant::now();
        assert_eq!(http.post_json(&answer).await.status, 202);
        let (_, done) = events.next_message().await.unwrap();
        assert!(text(&done).contains("malformed"), "{done}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
