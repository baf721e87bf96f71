//! Clients that vanish mid-call or mid-sample, close their read end, or stop reading.

use super::*;

#[tokio::test]
async fn a_client_that_disconnects_mid_call_leaves_nothing_behind() {
    let baseline = alive_tasks();
    let grace = Duration::from_millis(100);
    let (server, life) = server(Limits::default().shutdown_grace(grace));
    let mut pipe = Pipe::initialized(server, json!({})).await;
    for i in 0..10 {
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("hold", json!({}))}))
            .await;
    }
    pipe.sync().await;
    life.wait_started(10).await;
    assert!(alive_tasks() > baseline + 10, "the handlers run on tasks");

    // The client goes away: the server gives the handlers the grace period, then drops them,
    // and ends.
    let closed = Instant::now();
    pipe.close().await.unwrap();
    let took = closed.elapsed();
    assert_eq!(life.counts(), (10, 0, 10), "started, finished, dropped");
    assert!(
        took >= grace && took < grace + Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(settle_tasks(baseline).await, baseline, "tasks left behind");
}

#[tokio::test]
async fn a_client_that_disconnects_mid_sample_fails_the_sample_at_once() {
    let baseline = alive_tasks();
    // A long grace: the handler must end because its sample fails, not because time ran out.
    let (server, life) = server(Limits::default().shutdown_grace(Duration::from_secs(30)));
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    for i in 0..5 {
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("ask", json!({}))}))
            .await;
    }
    for _ in 0..5 {
        pipe.expect_method("sampling/createMessage").await;
    }
    let closed = Instant::now();
    pipe.tx.close().await;
    // The handlers finish with "connection closed" and their answers are still written.
    let mut answered = 0;
    while let Some(m) = pipe.rx.next().await {
        if m.get("result").is_some() {
            assert!(text(&m).contains("connection closed"), "{m}");
            answered += 1;
        }
    }
    assert_eq!(answered, 5);
    tokio::time::timeout(Duration::from_secs(5), pipe.server)
        .await
        .expect("the server ended")
        .unwrap()
        .unwrap();
    assert!(
        closed.elapsed() < Duration::from_secs(5),
        "{:?}",
        closed.elapsed()
    );
    assert_eq!(life.counts(), (5, 5, 0));
    assert_eq!(settle_tasks(baseline).await, baseline, "tasks left behind");
}

#[tokio::test]
async fn a_client_that_closes_its_read_end_does_not_stop_the_server() {
    let baseline = alive_tasks();
    let (server, _) = server(Limits::default());
    // One pipe each way, so that the client can close the end it reads from.
    let (mut to_server, server_in) = tokio::io::duplex(4096);
    let (server_out, from_server) = tokio::io::duplex(4096);
    let serving = tokio::spawn(server.serve(server_in, server_out));
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": reliability_support::initialize_params(json!({}))});
    to_server
        .write_all(format!("{init}\n").as_bytes())
        .await
        .unwrap();
    drop(from_server);
    // Every answer now fails to be written; the server keeps reading and serving regardless.
    for i in 1..=2_000 {
        let m = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("echo", json!({"text": "x".repeat(100)}))});
        to_server
            .write_all(format!("{m}\n").as_bytes())
            .await
            .unwrap();
    }
    to_server.shutdown().await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server ended")
        .unwrap();
    assert!(
        ended.is_ok(),
        "a reader that went away is a normal end: {ended:?}"
    );
    assert_eq!(settle_tasks(baseline).await, baseline, "tasks left behind");
}

/// A client that keeps its end of the pipe open but does not read: once
/// `max_queued_output_bytes` of answers wait for it, the server stops reading its requests
/// (they wait in the pipe, the client's writes block) instead of buffering answers without
/// bound; when the client reads again, every request is answered exactly once.
#[tokio::test]
async fn a_client_that_does_not_read_gets_back_pressure_not_unbounded_buffering() {
    const REQUESTS: u64 = 20_000;
    let limit = 256 << 10;
    let (server, life) = server(Limits::default().max_queued_output_bytes(limit));
    let (mut to_server, server_in) = tokio::io::duplex(64 << 10);
    let (server_out, from_server) = tokio::io::duplex(64 << 10);
    let serving = tokio::spawn(server.serve(server_in, server_out));
    let text = "x".repeat(1024);
    let writer = tokio::spawn(async move {
        for i in 1..=REQUESTS {
            let m = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("tally", json!({"text": text}))});
            to_server
                .write_all(format!("{m}\n").as_bytes())
                .await
                .unwrap();
        }
        to_server.shutdown().await.unwrap();
    });

    // Wait until the server stops taking requests (no new call for 500 ms).
    let mut handled = life.counts().0;
    let mut still_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(30);
    while still_since.elapsed() < Duration::from_millis(500) {
        assert!(
            Instant::now() < deadline,
            "the server never stopped reading ({handled} calls)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = life.counts().0;
        if now != handled {
            handled = now;
            still_since = Instant::now();
        }
    }
    // Answers are about 1.1 KiB: the queue limit, the pipe buffers and the requests in flight
    // bound what was taken to a few hundred calls out of 20,000.
    eprintln!("stopped reading after {handled} of {REQUESTS} calls");
    assert!(handled > 0, "no call was served at all");
    assert!(
        handled < 1_000,
        "the server kept reading ({handled} calls) while nobody read its answers"
    );
    assert!(
        !writer.is_finished(),
        "every request was read although no answer was"
    );

    // The client reads again: everything is answered, each id once.
    let mut lines = tokio::io::BufReader::new(from_server).lines();
    let mut seen = vec![false; REQUESTS as usize + 1];
    let read_all = async {
        for _ in 0..REQUESTS {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("an answer per request");
            let answer: Value = serde_json::from_str(&line).unwrap();
            let id = answer["id"].as_u64().expect("a numeric id");
            assert_eq!(
                answer["result"]["content"][0]["text"]
                    .as_str()
                    .map(str::len),
                Some(1024),
                "{id}"
            );
            assert!(
                !std::mem::replace(&mut seen[id as usize], true),
                "id {id} answered twice"
            );
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read_all)
        .await
        .expect("every request answered once the client reads");
    writer.await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server ends when its input closes")
        .unwrap()
        .unwrap();
    assert_eq!(
        lines.next_line().await.unwrap(),
        None,
        "nothing after the answers"
    );
}
