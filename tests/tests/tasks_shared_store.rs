//! Two servers in one process sharing a task store: `tasks/update` and `tasks/cancel` asked of
//! the one not running the task reach the one that does (`MemoryTaskStore` carries the commands
//! within the process); a store that cannot carry them refuses with a clear error instead of
//! acknowledging and losing them; a cancel whose command is lost still stops the handler at its
//! next change of the task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde_json::{json, Value};
use tokio::sync::{Notify, Semaphore};
use toolsmith::prelude::*;
use toolsmith::{MemoryTaskStore, TaskCommand, TaskRecord, TaskStore, TaskStoreError};
use toolsmith_tests::RawClient;

/// Asks the client's model, as a task.
#[tool(task = "optional")]
async fn ask_model(ctx: Context<'_>) -> Result<String, ToolError> {
    let reply = ctx.sample("What is 6 x 7?").max_tokens(10).await?;
    Ok(format!("the model says {}", reply.text()))
}

static GATE: Semaphore = Semaphore::const_new(0);
static DROPPED: Notify = Notify::const_new();

/// Waits for the gate, reports progress, then runs on; says so when its handler is dropped.
#[tool(task = "optional")]
async fn gated_progress(ctx: Context<'_>) -> String {
    struct Dropped;
    impl Drop for Dropped {
        fn drop(&mut self) {
            DROPPED.notify_one();
        }
    }
    let _dropped = Dropped;
    GATE.acquire().await.expect("gate open").forget();
    ctx.report_progress(1.0, None, Some("going on")).await;
    std::future::pending::<String>().await
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"sampling": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

fn server(store: Arc<dyn TaskStore>) -> RawClient {
    RawClient::start(
        Server::new("s", "1")
            .tool(ask_model)
            .tool(gated_progress)
            .task_store(store),
    )
}

async fn get(c: &mut RawClient, id: &str) -> Value {
    c.request("tasks/get", json!({"taskId": id, "_meta": meta()}))
        .await
}

/// Start `ask_model` as a task on `a` and wait (on `b`) until it asks; its id and the ask's key.
async fn waiting_task(a: &mut RawClient, b: &mut RawClient) -> (String, String) {
    let created = a
        .request(
            "tools/call",
            json!({"name": "ask_model", "arguments": {}, "_meta": meta()}),
        )
        .await;
    let id = created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("no task: {created}"))
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(b, &id).await;
        if let Some(key) = r["result"]["inputRequests"]
            .as_object()
            .and_then(|m| m.keys().next())
        {
            return (id, key.clone());
        }
        assert!(Instant::now() < deadline, "never asked: {r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn answer() -> Value {
    json!({"role": "assistant", "model": "m", "content": {"type": "text", "text": "42"}})
}

#[tokio::test]
async fn servers_sharing_a_memory_store_answer_and_cancel_each_others_tasks() {
    let store: Arc<dyn TaskStore> = Arc::new(MemoryTaskStore::new());
    let (mut a, mut b) = (server(Arc::clone(&store)), server(store));

    let (id, key) = waiting_task(&mut a, &mut b).await;
    let ack = b
        .request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": {key: answer()}, "_meta": meta()}),
        )
        .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(&mut a, &id).await;
        if r["result"]["status"] == "completed" {
            assert_eq!(
                r["result"]["result"]["content"][0]["text"],
                "the model says 42"
            );
            break;
        }
        assert!(Instant::now() < deadline, "never completed: {r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let (id, _) = waiting_task(&mut a, &mut b).await;
    let ack = b
        .request("tasks/cancel", json!({"taskId": id, "_meta": meta()}))
        .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let r = get(&mut a, &id).await;
    assert_eq!(r["result"]["status"], "cancelled", "{r}");
}

/// Records shared; commands "sent" but never delivered (as when the running replica was
/// reconnecting to Redis).
struct LosesCommands(MemoryTaskStore);

impl TaskStore for LosesCommands {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        self.0.create(record)
    }

    fn get<'a>(
        &'a self,
        owner: &'a str,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, TaskStoreError>> {
        self.0.get(owner, task_id)
    }

    fn update(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        self.0.update(record)
    }

    fn send(&self, _: TaskCommand) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

#[tokio::test]
async fn a_cancel_whose_command_is_lost_stops_the_handler_at_its_next_change() {
    let store: Arc<dyn TaskStore> = Arc::new(LosesCommands(MemoryTaskStore::new()));
    let (mut a, mut b) = (server(Arc::clone(&store)), server(store));
    let created = a
        .request(
            "tools/call",
            json!({"name": "gated_progress", "arguments": {}, "_meta": meta()}),
        )
        .await;
    let id = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let ack = b
        .request("tasks/cancel", json!({"taskId": id, "_meta": meta()}))
        .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    // The handler's next change of the record finds it cancelled, and stops.
    GATE.add_permits(1);
    tokio::time::timeout(Duration::from_secs(5), DROPPED.notified())
        .await
        .expect("the handler of a task cancelled elsewhere kept running");
    let r = get(&mut a, &id).await;
    assert_eq!(r["result"]["status"], "cancelled", "{r}");
}

/// Records shared, but no way to carry commands (the trait's default `send`).
struct RecordsOnly(MemoryTaskStore);

impl TaskStore for RecordsOnly {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        self.0.create(record)
    }

    fn get<'a>(
        &'a self,
        owner: &'a str,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, TaskStoreError>> {
        self.0.get(owner, task_id)
    }

    fn update(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        self.0.update(record)
    }
}

#[tokio::test]
async fn a_store_that_cannot_carry_commands_refuses_them_clearly() {
    let store: Arc<dyn TaskStore> = Arc::new(RecordsOnly(MemoryTaskStore::new()));
    let (mut a, mut b) = (server(Arc::clone(&store)), server(store));
    let (id, key) = waiting_task(&mut a, &mut b).await;
    let refused = b
        .request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": {key.clone(): answer()}, "_meta": meta()}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32603, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot reach"), "{refused}");
    // The record still shows the ask, unanswered.
    let r = get(&mut b, &id).await;
    assert_eq!(r["result"]["status"], "input_required", "{r}");
    assert!(r["result"]["inputRequests"].get(&key).is_some(), "{r}");
}
