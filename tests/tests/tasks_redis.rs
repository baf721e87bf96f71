//! [`RedisTaskStore`] against a real `redis-server` (started by the test): a task created on one
//! replica is seen by the other's `tasks/get`, with its result once done; the records expire
//! with their time to live; the caps hold across replicas; `tasks/cancel` and `tasks/update` asked
//! of the other replica reach the one running the task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{Notify, Semaphore};
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

static DROPPED: Notify = Notify::const_new();

/// Runs until cancelled; says so when its handler is dropped.
#[tool(task = "optional")]
async fn endless() -> String {
    struct Dropped;
    impl Drop for Dropped {
        fn drop(&mut self) {
            DROPPED.notify_one();
        }
    }
    let _dropped = Dropped;
    std::future::pending::<String>().await
}

/// Asks the client's model, as a task.
#[tool(task = "optional")]
async fn ask_model(ctx: Context<'_>) -> Result<String, ToolError> {
    let reply = ctx.sample("What is 6 x 7?").max_tokens(10).await?;
    Ok(format!("the model says {}", reply.text()))
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"sampling": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}},
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
            .tool(endless)
            .tool(ask_model)
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

async fn start_task(c: &mut RawClient, tool: &str) -> String {
    let created = c
        .request(
            "tools/call",
            json!({"name": tool, "arguments": {}, "_meta": meta()}),
        )
        .await;
    created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("no task: {created}"))
        .to_owned()
}

async fn wait_for(c: &mut RawClient, id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(c, id).await;
        if r["result"]["status"] == status {
            return r;
        }
        assert!(Instant::now() < deadline, "never {status}: {r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_task_on_one_replica_is_cancelled_and_answered_through_the_other() {
    let Some(redis) =
        RedisServer::start("a_task_on_one_replica_is_cancelled_and_answered_through_the_other")
    else {
        return;
    };
    let (mut a, mut b) = (replica(&redis, 100), replica(&redis, 100));

    // Cancelled through B: the record says so at once on both, and A drops the handler.
    let id = start_task(&mut a, "endless").await;
    let ack = b
        .request("tasks/cancel", json!({"taskId": id, "_meta": meta()}))
        .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    for c in [&mut b, &mut a] {
        let r = get(c, &id).await;
        assert_eq!(r["result"]["status"], "cancelled", "{r}");
    }
    tokio::time::timeout(Duration::from_secs(5), DROPPED.notified())
        .await
        .expect("replica A never dropped the cancelled handler");

    // Waiting for input on A, answered through B: A's handler gets the answer and completes.
    let id = start_task(&mut a, "ask_model").await;
    let waiting = wait_for(&mut b, &id, "input_required").await;
    let key = waiting["result"]["inputRequests"]
        .as_object()
        .and_then(|r| r.keys().next().cloned())
        .unwrap_or_else(|| panic!("no input request: {waiting}"));
    let answer =
        json!({"role": "assistant", "model": "m", "content": {"type": "text", "text": "42"}});
    let ack = b
        .request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": {key: answer}, "_meta": meta()}),
        )
        .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    // The answered ask is off the record at once (before A has heard the answer).
    let answered = get(&mut b, &id).await;
    assert_ne!(answered["result"]["status"], "input_required", "{answered}");
    let done = wait_for(&mut a, &id, "completed").await;
    assert_eq!(
        done["result"]["result"]["content"][0]["text"],
        "the model says 42"
    );

    // An unknown task is refused through B, not forwarded.
    let unknown = b
        .request(
            "tasks/cancel",
            json!({"taskId": "no-such-task", "_meta": meta()}),
        )
        .await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
}
