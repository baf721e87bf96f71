//! A replica killed with SIGKILL under load, through nginx to three replicas of
//! `everything_server` sharing Redis (`deploy/local-cluster.sh`, issue 14):
//!
//! * 2026-07-28: calls keep coming from four clients while a replica dies; the call in flight on
//!   it breaks (its stream cut, no hang), the client sends it again, and every call completes.
//! * 2025-11-25: a session whose replica dies while its call waits for the client's sampling
//!   answer continues on another replica: the stream resumes there (`Last-Event-ID`) with every
//!   stored event, the waiting call ends with a clear error once the dead replica's lease on it
//!   runs out, and later calls of the same session (a sample among them) work.
//!
//! Loopback only; skipped with a message when nginx or redis-server is missing.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use toolsmith_tests::cluster::{alive, stateless_meta, Cluster};
use toolsmith_tests::sse::{SseEvent, SseReader};

/// SIGKILL replica `i`, and wait until it is gone.
async fn kill(cluster: &Cluster, i: usize) {
    let pid = cluster.replica_pid(i);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(Instant::now() < deadline, "replica {i} survived SIGKILL");
        tokio::task::yield_now().await;
    }
}

/// A 2026-07-28 call of `replica` as a client makes it: sent again after a `502` (nginx's answer
/// when the replica died with the request) or a connection error, at most 5 times. Which
/// replica answered, and how many times it was sent again.
async fn call_with_retry(cluster: &Cluster, http: &reqwest::Client) -> (usize, usize) {
    for attempt in 0..5 {
        let sent = cluster
            .post_call(http, "replica", json!({"arguments": {}}), json!({}))
            .await;
        let response = match sent {
            Ok(r) if r.status() == 502 => continue,
            Err(_) => continue,
            Ok(r) => r,
        };
        assert_eq!(response.status(), 200);
        let replica = cluster.answered_by(&response);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["result"]["content"][0]["text"],
            format!("replica-{replica}"),
            "{body}"
        );
        return (replica, attempt);
    }
    panic!("a call failed 5 times");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_calls_under_load_survive_a_sigkill() {
    let Some(cluster) = Cluster::up("cluster_failover_load", 3) else {
        return;
    };
    let cluster = Arc::new(cluster);
    let http = reqwest::Client::new();

    // A call held open on replica 2 (its progress event comes first, naming the replica):
    // round-robin reaches replica 2 within three calls.
    let mut held = None;
    for _ in 0..6 {
        let mut meta = stateless_meta(json!({}));
        meta["progressToken"] = json!("held");
        let params = json!({"arguments": {"hold_ms": 30_000}, "_meta": meta});
        let response = cluster
            .post_call(&http, "replica", params, json!({}))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        if cluster.answered_by(&response) == 2 {
            held = Some(SseReader::new(response));
            break;
        }
    }
    let mut held = held.expect("no call reached replica 2");
    let progress = held.next().await.expect("the progress event");
    assert!(
        progress.data.contains("notifications/progress"),
        "{progress:?}"
    );

    // Four clients calling without pause.
    let stop = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(AtomicBool::new(false));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let retries = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (cluster, http, stop, done, retries, killed) = (
            Arc::clone(&cluster),
            http.clone(),
            Arc::clone(&stop),
            done_tx.clone(),
            Arc::clone(&retries),
            Arc::clone(&killed),
        );
        clients.push(tokio::spawn(async move {
            let mut calls = 0;
            while !stop.load(Ordering::Relaxed) {
                let after_kill = killed.load(Ordering::Relaxed);
                let (replica, again) = call_with_retry(&cluster, &http).await;
                retries.fetch_add(again, Ordering::Relaxed);
                calls += 1;
                let _ = done.send((replica, after_kill));
            }
            calls
        }));
    }
    drop(done_tx);
    for _ in 0..30 {
        done_rx.recv().await.expect("a client stopped");
    }

    kill(&cluster, 2).await;
    killed.store(true, Ordering::Relaxed);
    // The held call's stream is cut: an error or an early end, promptly, never its answer.
    let cut = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match held.try_next().await {
                Ok(Some(event)) if event.data.is_empty() => continue,
                other => break other,
            }
        }
    })
    .await
    .expect("the call on the killed replica hangs");
    assert!(
        !matches!(&cut, Ok(Some(SseEvent { data, .. })) if data.contains("result")),
        "the killed replica answered: {cut:?}"
    );
    // Its client sends it again: another replica answers.
    let (again_on, _) = call_with_retry(&cluster, &http).await;
    assert_ne!(again_on, 2);

    // 60 calls sent after the kill: all complete, none on the dead replica.
    let mut after = BTreeSet::new();
    let mut counted = 0;
    while counted < 60 {
        let (replica, after_kill) = done_rx.recv().await.expect("a client stopped");
        if after_kill {
            after.insert(replica);
            counted += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for client in clients {
        total += client.await.expect("a client failed a call");
    }
    let retries = retries.load(Ordering::Relaxed);
    eprintln!("{total} calls under load, {retries} sent again after the SIGKILL; served after it by {after:?}");
    assert!(total >= 90, "only {total} calls");
    assert!(!after.contains(&2), "replica 2 served after it died");
    assert_eq!(
        after.len(),
        2,
        "after the kill, calls reached only {after:?}"
    );

    Arc::try_unwrap(cluster)
        .unwrap_or_else(|_| panic!("the cluster is still shared"))
        .down();
}

/// POST `body` in 2025-11-25 `session` (if any) through nginx; the response.
async fn post(
    cluster: &Cluster,
    http: &reqwest::Client,
    session: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut r = http
        .post(&cluster.url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = session {
        r = r
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    r.send().await.expect("posting through nginx")
}

/// GET `session`'s stream after event `last` through nginx: the events, the replica, the end.
async fn resume(
    cluster: &Cluster,
    http: &reqwest::Client,
    session: &str,
    last: &str,
) -> (usize, Vec<SseEvent>) {
    let response = http
        .get(&cluster.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "resuming after {last}");
    let replica = cluster.answered_by(&response);
    let mut reader = SseReader::new(response);
    let mut events = Vec::new();
    while let Some(e) = reader.next().await {
        events.push(e);
    }
    (replica, events)
}

/// The sampling request of `test_sampling`: answered by "the model".
fn sampled(request: &Value) -> Value {
    assert_eq!(request["method"], "sampling/createMessage", "{request}");
    json!({"jsonrpc": "2.0", "id": request["id"], "result": {"role": "assistant",
        "content": {"type": "text", "text": "sampled"}, "model": "cluster-test"}})
}

fn sample_call(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "test_sampling", "arguments": {"prompt": "hello"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_session_outlives_its_replica() {
    let Some(cluster) = Cluster::up("cluster_failover_legacy", 3) else {
        return;
    };
    let http = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"sampling": {}},
        "clientInfo": {"name": "cluster-test", "version": "0"}}});
    let response = post(&cluster, &http, None, init).await;
    assert_eq!(response.status(), 200);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let s = Some(session.as_str());
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(&cluster, &http, s, done).await.status(), 202);

    // A call that asks the client for a sample, and waits for it on replica `home`.
    let response = post(&cluster, &http, s, sample_call(2)).await;
    assert_eq!(response.status(), 200);
    let home = cluster.answered_by(&response);
    let mut call = SseReader::new(response);
    let priming = call.next().await.expect("the priming event");
    assert!(priming.data.is_empty(), "{priming:?}");
    let ask = call.next().await.expect("the sampling request");
    let ask_message: Value = serde_json::from_str(&ask.data).unwrap();
    assert_eq!(ask_message["method"], "sampling/createMessage", "{ask:?}");

    kill(&cluster, home).await;
    // The call's stream is cut at once (an error or an early end), not left hanging.
    let cut = tokio::time::timeout(Duration::from_secs(10), call.try_next())
        .await
        .expect("the call's stream hangs after its replica died");
    assert!(
        !matches!(&cut, Ok(Some(e)) if !e.data.is_empty()),
        "{cut:?}"
    );

    // Resumed on another replica from the priming event: the stored sampling request again.
    let priming_id = priming.id.expect("the priming event's id");
    let (elsewhere, events) = resume(&cluster, &http, &session, &priming_id).await;
    assert_ne!(elsewhere, home);
    let replayed: Vec<&SseEvent> = events.iter().filter(|e| !e.data.is_empty()).collect();
    assert!(
        !replayed.is_empty(),
        "no stored event came back: {events:?}"
    );
    assert_eq!(replayed[0].id, ask.id, "{events:?}");
    assert_eq!(replayed[0].data, ask.data);

    // The client answers the sample; nobody waits for it any more. Resuming after the ask, as
    // the server's `retry` hint says, ends in an error answering the call once the dead
    // replica's lease on it ran out (6 s), never in silence.
    let answer = post(&cluster, &http, s, sampled(&ask_message)).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    let last = ask.id.clone().expect("the ask's event id");
    let deadline = Instant::now() + Duration::from_secs(20);
    let failure = loop {
        assert!(Instant::now() < deadline, "the call was never answered");
        let (_, events) = resume(&cluster, &http, &session, &last).await;
        if let Some(e) = events.iter().find(|e| !e.data.is_empty()) {
            break serde_json::from_str::<Value>(&e.data).unwrap();
        }
        let retry = events.iter().filter_map(|e| e.retry).next_back();
        let retry = retry.expect("an ended stream says when to come back");
        tokio::time::sleep(Duration::from_millis(retry)).await;
    };
    assert_eq!(failure["id"], 2, "{failure}");
    let message = failure["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("stopped before answering"), "{failure}");

    // The session goes on elsewhere: a plain call, and a call with a sample.
    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "replica", "arguments": {}}});
    let response = post(&cluster, &http, s, call).await;
    assert_eq!(response.status(), 200);
    let on = cluster.answered_by(&response);
    assert_ne!(on, home);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["result"]["content"][0]["text"],
        format!("replica-{on}")
    );
    let response = post(&cluster, &http, s, sample_call(4)).await;
    assert_eq!(response.status(), 200);
    let mut call = SseReader::new(response);
    let (_, ask) = call.next_message().await.expect("the sampling request");
    let answer = post(&cluster, &http, s, sampled(&ask)).await;
    assert_eq!(answer.status(), 202);
    let (_, result) = call.next_message().await.expect("the call's result");
    assert_eq!(result["id"], 4, "{result}");
    assert_eq!(
        result["result"]["content"][0]["text"], "LLM response: sampled",
        "{result}"
    );

    cluster.down();
}
