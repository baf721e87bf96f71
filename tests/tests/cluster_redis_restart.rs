//! Redis killed and started again (empty: the local cluster keeps no data on disk) under three
//! replicas of `everything_server` behind nginx (`deploy/local-cluster.sh`, issue 14): while it
//! is down, what needs it gets a prompt `503` naming the failure (no hang), what does not (the
//! stateless 2026-07-28 era) is served, and no replica crashes; once it is back, the first
//! requests on every replica are served again. Loopback only; skipped with a message when nginx
//! or redis-server is missing.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use toolsmith_tests::cluster::{alive, Cluster};

/// What a POST through nginx got: status, `Retry-After`, session header, body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    session: Option<String>,
    body: Value,
}

/// POST `body` (a 2025-11-25 message in `session`, if any) through nginx, failing the test if
/// the answer takes more than 5 s.
async fn post(
    cluster: &Cluster,
    http: &reqwest::Client,
    session: Option<&str>,
    body: Value,
) -> Answer {
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
    let response = tokio::time::timeout(Duration::from_secs(5), r.send())
        .await
        .expect("no answer within 5 s")
        .expect("posting through nginx");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (retry_after, session) = (header("retry-after"), header("mcp-session-id"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let last = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .next_back()
        .unwrap_or(&text);
    Answer {
        status,
        retry_after,
        session,
        body: serde_json::from_str(last.trim()).unwrap_or(Value::Null),
    }
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "cluster-test", "version": "0"}}})
}

fn call(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "replica", "arguments": {}}})
}

/// A new 2025-11-25 session through nginx, and a call in it; its id.
async fn open_session(cluster: &Cluster, http: &reqwest::Client) -> String {
    let opened = post(cluster, http, None, initialize()).await;
    assert_eq!(opened.status, 200, "initialize: {}", opened.body);
    let session = opened.session.expect("a session id");
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(cluster, http, Some(&session), done).await.status, 202);
    let called = post(cluster, http, Some(&session), call(2)).await;
    assert_eq!(
        called.status, 200,
        "a call in a new session: {}",
        called.body
    );
    session
}

/// A `503` naming Redis, with a `Retry-After`.
fn assert_clear_503(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 503, "{what}: {}", answer.body);
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Redis"), "{what}: {}", answer.body);
    assert!(answer.retry_after.is_some(), "{what}: no Retry-After");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_run_errors_clearly_then_recovers() {
    let Some(cluster) = Cluster::up("cluster_redis_restart", 3) else {
        return;
    };
    let http = reqwest::Client::new();
    let replicas: Vec<i32> = (1..=3).map(|i| cluster.replica_pid(i)).collect();
    let old = open_session(&cluster, &http).await;

    let redis = cluster.redis_pid();
    assert!(std::process::Command::new("kill")
        .args(["-KILL", &redis.to_string()])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(redis) {
        assert!(Instant::now() < deadline, "redis-server survived SIGKILL");
        tokio::task::yield_now().await;
    }

    // Down: a new session on every replica is refused with a clear 503; the old session is
    // served where it is held or refused so; stateless calls need no Redis.
    for _ in 0..3 {
        let refused = post(&cluster, &http, None, initialize()).await;
        assert_clear_503(&refused, "initialize while Redis is down");
        let in_old = post(&cluster, &http, Some(&old), call(3)).await;
        if in_old.status != 200 {
            assert_clear_503(&in_old, "a call in a session while Redis is down");
        }
        let (_, body) = cluster
            .call(&http, "replica", json!({"arguments": {}}), json!({}))
            .await;
        assert_eq!(body["result"]["resultType"], "complete", "{body}");
    }

    cluster.script(&["restart", "--redis"]);
    // Back: the first new session on each replica (round-robin) works at once.
    for _ in 0..3 {
        open_session(&cluster, &http).await;
    }
    // The old session's facts died with Redis's memory: where it is not held, a clear 404 that
    // says to initialize again.
    let in_old = post(&cluster, &http, Some(&old), call(4)).await;
    if in_old.status != 200 {
        assert_eq!(in_old.status, 404, "{}", in_old.body);
        let message = in_old.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("initialize a new one"), "{}", in_old.body);
    }
    // No replica crashed or restarted.
    for (i, pid) in replicas.iter().enumerate() {
        assert!(alive(*pid), "replica {} died", i + 1);
        assert_eq!(cluster.replica_pid(i + 1), *pid);
    }
    cluster.down();
}
