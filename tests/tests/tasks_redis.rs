//! [`RedisTaskStore`] against a real `redis-server` (started by the test): a task created on one
//! replica is seen by the other's `tasks/get`, with its result once done; the records expire
//! with their time to live; the caps hold across replicas.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Semaphore;
use toolsmith::prelude::*;
use toolsmith::RedisTaskStore;
use toolsmith_tests::redis::RedisServer;
use toolsmith_tests::RawClient;

static GATE: Semaphore = Semaphore::const_new(0);

/// Finishes once the test opens the gate.
#[tool(task = "optional")]
async fn gated() -> String {
    GATE.acquire().await.expect("gate open").forget();
    "done".into()
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

fn replica(redis: &RedisServer, per_owner: usize) -> RawClient {
    let store = RedisTaskStore::new(&redis.url())
        .unwrap()
        .caps(100, per_owner);
    RawClient::start(
        Server::new("replica", "1")
            .tool(gated)
            .task_ttl(Duration::from_secs(60))
            .task_store(Arc::new(store)),
    )
}

async fn get(c: &mut RawClient, id: &str) -> Value {
    c.request("tasks/get", json!({"taskId": id, "_meta": meta()}))
        .await
}

#[tokio::test]
async fn replicas_see_each_others_tasks_through_redis() {
    let Some(redis) = RedisServer::start("replicas_see_each_others_tasks_through_redis") else {
        return;
    };
    let (mut a, mut b) = (replica(&redis, 1), replica(&redis, 1));
    let created = a
        .request(
            "tools/call",
            json!({"name": "gated", "arguments": {}, "_meta": meta()}),
        )
        .await;
    let id = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    // The record is in Redis with its time to live.
    let ttl: u64 = redis
        .cli(&["PTTL", &format!("toolsmith:task:{id}")])
        .parse()
        .unwrap();
    assert!((50_000..=60_000).contains(&ttl), "PTTL {ttl}");
    let on_b = get(&mut b, &id).await;
    assert_eq!(on_b["result"]["status"], "working", "{on_b}");
    // One task per owner, across replicas.
    let refused = b
        .request(
            "tools/call",
            json!({"name": "gated", "arguments": {}, "_meta": meta()}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32030, "{refused}");

    GATE.add_permits(1);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(&mut b, &id).await;
        if r["result"]["status"] == "completed" {
            assert_eq!(r["result"]["result"]["content"][0]["text"], "done");
            break;
        }
        assert!(Instant::now() < deadline, "never completed: {r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let unknown = get(&mut b, "no-such-task").await;
    assert_eq!(unknown["error"]["code"], -32602);
}
