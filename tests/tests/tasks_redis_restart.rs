//! Task commands across replicas survive a Redis restart: while Redis is down a `tasks/cancel`
//! asked of the replica not running the task is a clear error (not a silent acknowledgement),
//! and once Redis is back the running replica hears the commands again (it subscribes again),
//! so a cancel through the other replica stops its handler.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Notify;
use toolsmith::prelude::*;
use toolsmith::RedisTaskStore;
use toolsmith_tests::redis::RedisServer;
use toolsmith_tests::RawClient;

const TEST: &str = "task_commands_reach_the_running_replica_after_redis_restarts";

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

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

fn replica(url: &str) -> RawClient {
    RawClient::start(
        Server::new("replica", "1")
            .tool(endless)
            .task_store(Arc::new(RedisTaskStore::new(url).unwrap())),
    )
}

/// Send `method` until it succeeds (the first command on a connection Redis dropped fails once,
/// before anything is written), within 5 s.
async fn until_ok(c: &mut RawClient, method: &str, params: Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = c.request(method, params.clone()).await;
        if r.get("result").is_some() {
            return r;
        }
        assert!(Instant::now() < deadline, "{method} kept failing: {r}");
    }
}

async fn endless_task(c: &mut RawClient) -> String {
    let params = json!({"name": "endless", "arguments": {}, "_meta": meta()});
    let created = until_ok(c, "tools/call", params).await;
    created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("no task: {created}"))
        .to_owned()
}

/// How many subscribe to the task commands channel (`PUBSUB NUMSUB`).
fn listeners(redis: &RedisServer) -> u64 {
    let out = redis.cli(&["PUBSUB", "NUMSUB", "toolsmith:task-commands"]);
    out.lines().last().and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn task_commands_reach_the_running_replica_after_redis_restarts() {
    let Some(redis) = RedisServer::start(TEST) else {
        return;
    };
    let url = redis.url();
    let (mut a, mut b) = (replica(&url), replica(&url));
    let id = endless_task(&mut a).await;
    assert_eq!(
        listeners(&redis),
        1,
        "replica A listens from its first task on"
    );

    let port = redis.stop();
    let refused = b
        .request("tasks/cancel", json!({"taskId": id, "_meta": meta()}))
        .await;
    assert_eq!(refused["error"]["code"], -32603, "{refused}");

    let redis = RedisServer::start_on(TEST, port).expect("redis-server starts again");
    // A subscribes again (it tries every second).
    let deadline = Instant::now() + Duration::from_secs(10);
    while listeners(&redis) < 1 {
        assert!(
            Instant::now() < deadline,
            "replica A never subscribed again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Redis came back empty; a new task on A, cancelled through B.
    let id = endless_task(&mut a).await;
    let params = json!({"taskId": id, "_meta": meta()});
    let ack = until_ok(&mut b, "tasks/cancel", params).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    tokio::time::timeout(Duration::from_secs(5), DROPPED.notified())
        .await
        .expect("replica A never heard the cancel after Redis restarted");
}
