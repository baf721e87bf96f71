//! The tasks extension (`io.modelcontextprotocol/tasks`), protocol 2026-07-28: a task tool's
//! call answers with the task at once and runs in the background; `tasks/get`, `tasks/update`,
//! `tasks/cancel`; the required-task error; time to live and caps; a sampling tool run as a
//! task; tasks belong to the caller that created them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Semaphore;
use toolsmith::auth::{AuthInfo, BoxFuture, TokenVerifier, VerifyError};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, MemoryTaskStore, ResourceServer};
use toolsmith_tests::RawClient;

const TASKS: &str = "io.modelcontextprotocol/tasks";

fn meta(caps: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps,
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

/// Capabilities declaring the tasks extension (and sampling).
fn with_tasks() -> Value {
    meta(json!({"sampling": {}, "extensions": {TASKS: {}}}))
}

fn without_tasks() -> Value {
    meta(json!({"sampling": {}}))
}

static GATE: Semaphore = Semaphore::const_new(0);

/// Finishes once the test opens the gate.
#[tool(task = "optional")]
async fn gated() -> String {
    GATE.acquire().await.expect("gate open").forget();
    "done".into()
}

/// Finishes at once.
#[tool(task = "optional")]
async fn quick() -> String {
    "quick".into()
}

/// Sets a flag when dropped.
struct SetOnDrop(&'static AtomicBool);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

static FOREVER_DROPPED: AtomicBool = AtomicBool::new(false);

/// Never finishes; says when its handler is dropped.
#[tool(task = "optional")]
async fn forever() -> String {
    let _flag = SetOnDrop(&FOREVER_DROPPED);
    std::future::pending::<()>().await;
    unreachable!()
}

/// Never finishes (and sets no flag: for the tests other than the cancel test).
#[tool(task = "optional")]
async fn lingering() -> String {
    std::future::pending::<String>().await
}

/// Only as a task.
#[tool(task = "required")]
async fn only_task() -> String {
    "ran".into()
}

/// Asks the client's model, as a task.
#[tool(task = "optional")]
async fn ask_model(ctx: Context<'_>) -> Result<String, ToolError> {
    let reply = ctx.sample("What is 6 x 7?").max_tokens(10).await?;
    Ok(format!("the model says {}", reply.text()))
}

/// Asks for a name the usual way, then goes on as a task.
#[tool(task = "optional", escalate)]
async fn gather_then_work(ctx: Context<'_>) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let answer = ctx.elicit("Name?", schema).key("name").await?;
    let name = answer.content.unwrap_or_default()["name"].clone();
    let as_task = ctx.run_as_task().await;
    Ok(format!("name={name} task={as_task}"))
}

static PROGRESS_GATE: Semaphore = Semaphore::const_new(0);

/// Reports progress, then waits for the test.
#[tool(task = "optional")]
async fn progressing(ctx: Context<'_>) -> String {
    ctx.report_progress(1.0, Some(2.0), Some("halfway")).await;
    PROGRESS_GATE.acquire().await.expect("gate open").forget();
    "done".into()
}

fn server() -> Server {
    Server::new("tasks-test", "1")
        .tool(gated)
        .tool(quick)
        .tool(forever)
        .tool(lingering)
        .tool(only_task)
        .tool(ask_model)
        .tool(gather_then_work)
        .tool(progressing)
}

async fn call(c: &mut RawClient, name: &str, meta: Value) -> Value {
    c.request(
        "tools/call",
        json!({"name": name, "arguments": {}, "_meta": meta}),
    )
    .await
}

async fn task_op(c: &mut RawClient, method: &str, task_id: &str, extra: Value) -> Value {
    let mut params = json!({"taskId": task_id, "_meta": with_tasks()});
    for (k, v) in extra.as_object().expect("object") {
        params[k] = v.clone();
    }
    c.request(method, params).await
}

/// Poll `tasks/get` until `done` holds of the task (as the extension has clients do), failing
/// after a few seconds.
async fn wait_for(c: &mut RawClient, task_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = task_op(c, "tasks/get", task_id, json!({})).await;
        if done(&r) {
            return r;
        }
        assert!(Instant::now() < deadline, "task never got there: {r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |r| r["result"]["status"] == status
}

fn task_id(r: &Value) -> String {
    assert_eq!(r["result"]["resultType"], "task", "not a task: {r}");
    r["result"]["taskId"].as_str().expect("taskId").to_owned()
}

#[tokio::test]
async fn a_task_runs_in_the_background_and_inlines_its_result() {
    let mut c = RawClient::start(server());
    // Advertised: the extension, and each tool's task support.
    let d = c
        .request("server/discover", json!({"_meta": with_tasks()}))
        .await;
    assert_eq!(d["result"]["capabilities"]["extensions"][TASKS], json!({}));
    let list = c
        .request("tools/list", json!({"_meta": with_tasks()}))
        .await;
    let tools = list["result"]["tools"].as_array().unwrap();
    let support = |name: &str| {
        tools.iter().find(|t| t["name"] == name).unwrap()["execution"]["taskSupport"].clone()
    };
    assert_eq!(support("gated"), "optional");
    assert_eq!(support("only_task"), "required");

    let created = call(&mut c, "gated", with_tasks()).await;
    let id = task_id(&created);
    let r = &created["result"];
    assert_eq!(r["status"], "working");
    assert!(r["ttlMs"].as_u64().unwrap() > 0 && r["pollIntervalMs"].as_u64().unwrap() > 0);
    for absent in ["result", "content", "requestState", "task"] {
        assert!(r.get(absent).is_none(), "`{absent}` in {r}");
    }
    // Still running: status only.
    let working = task_op(&mut c, "tasks/get", &id, json!({})).await;
    assert_eq!(working["result"]["status"], "working", "{working}");
    assert!(working["result"].get("result").is_none());

    GATE.add_permits(1);
    let done = wait_for(&mut c, &id, status_is("completed")).await;
    assert_eq!(done["result"]["resultType"], "complete");
    assert_eq!(done["result"]["result"]["content"][0]["text"], "done");

    // A caller without the extension gets a plain answer from the same kind of tool.
    let plain = call(&mut c, "quick", without_tasks()).await;
    assert_eq!(plain["result"]["resultType"], "complete", "{plain}");
    assert_eq!(plain["result"]["content"][0]["text"], "quick");
    assert!(plain["result"].get("taskId").is_none());
}

#[tokio::test]
async fn cancel_stops_the_handler_and_is_idempotent() {
    let mut c = RawClient::start(server());
    let id = task_id(&call(&mut c, "forever", with_tasks()).await);
    let ack = task_op(&mut c, "tasks/cancel", &id, json!({})).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let r = task_op(&mut c, "tasks/get", &id, json!({})).await;
    assert_eq!(r["result"]["status"], "cancelled", "{r}");
    // The handler is dropped, not left running.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !FOREVER_DROPPED.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the cancelled handler still runs"
        );
        tokio::task::yield_now().await;
    }
    // Cancelling a finished task: the same ack. An unknown task: invalid params.
    let again = task_op(&mut c, "tasks/cancel", &id, json!({})).await;
    assert_eq!(again["result"], json!({"resultType": "complete"}));
    let unknown = task_op(&mut c, "tasks/cancel", "no-such-task", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    let unknown = task_op(&mut c, "tasks/get", "no-such-task", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
}

#[tokio::test]
async fn a_required_task_needs_the_extension_and_so_do_the_task_methods() {
    let mut c = RawClient::start(server());
    let r = call(&mut c, "only_task", without_tasks()).await;
    assert_eq!(r["error"]["code"], -32021, "{r}");
    assert_eq!(
        r["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
        json!({})
    );
    for method in ["tasks/get", "tasks/cancel", "tasks/update"] {
        let r = c
            .request(
                method,
                json!({"taskId": "x", "inputResponses": {}, "_meta": without_tasks()}),
            )
            .await;
        assert_eq!(r["error"]["code"], -32021, "{method}: {r}");
    }
    // With the extension it runs, as a task. The removed v1 methods are unknown.
    let id = task_id(&call(&mut c, "only_task", with_tasks()).await);
    let done = wait_for(&mut c, &id, status_is("completed")).await;
    assert_eq!(done["result"]["result"]["content"][0]["text"], "ran");
    for removed in ["tasks/result", "tasks/list"] {
        let r = c
            .request(removed, json!({"taskId": id, "_meta": with_tasks()}))
            .await;
        assert_eq!(r["error"]["code"], -32601, "{removed}: {r}");
    }
}

#[tokio::test]
async fn tasks_expire_after_their_time_to_live_and_are_capped_per_caller() {
    let server = Server::new("tasks-ttl", "1")
        .tool(lingering)
        .task_ttl(Duration::from_millis(300))
        .task_store(Arc::new(MemoryTaskStore::with_caps(100, 1)));
    let mut c = RawClient::start(server);
    let created = call(&mut c, "lingering", with_tasks()).await;
    let id = task_id(&created);
    assert_eq!(created["result"]["ttlMs"], 300);
    // One task per caller: the next is refused while the first lives.
    let refused = call(&mut c, "lingering", with_tasks()).await;
    assert_eq!(refused["error"]["code"], -32030, "{refused}");
    // Once its time to live has passed the task is gone (and its room free again).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = task_op(&mut c, "tasks/get", &id, json!({})).await;
        if r["error"]["code"] == -32602 {
            break;
        }
        assert_ne!(r["result"]["status"], "completed");
        assert!(Instant::now() < deadline, "the task outlived its ttl: {r}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again = call(&mut c, "lingering", with_tasks()).await;
    task_id(&again);
}

#[tokio::test]
async fn a_sampling_tool_run_as_a_task_waits_for_tasks_update() {
    let mut c = RawClient::start(server());
    let id = task_id(&call(&mut c, "ask_model", with_tasks()).await);
    let waiting = wait_for(&mut c, &id, status_is("input_required")).await;
    let requests = waiting["result"]["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1, "{waiting}");
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(request["method"], "sampling/createMessage");
    assert_eq!(
        request["params"]["messages"][0]["content"]["text"],
        "What is 6 x 7?"
    );
    // An answer to a key nobody asked is acknowledged and ignored.
    let ack = task_op(
        &mut c,
        "tasks/update",
        &id,
        json!({"inputResponses": {"not-asked": {}}}),
    )
    .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}));
    let still = task_op(&mut c, "tasks/get", &id, json!({})).await;
    assert_eq!(still["result"]["status"], "input_required");

    let answer =
        json!({"role": "assistant", "model": "m", "content": {"type": "text", "text": "42"}});
    let ack = task_op(
        &mut c,
        "tasks/update",
        &id,
        json!({"inputResponses": {key: answer}}),
    )
    .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let done = wait_for(&mut c, &id, status_is("completed")).await;
    assert_eq!(
        done["result"]["result"]["content"][0]["text"],
        "the model says 42"
    );
}

/// Two callers: each token is its own subject.
struct TwoCallers;

impl TokenVerifier for TwoCallers {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(async move {
            match token {
                "alice" | "bob" => Ok(AuthInfo::new(token)),
                _ => Err(VerifyError::Invalid("unknown token".into())),
            }
        })
    }
}

/// POST one 2026-07-28 request with `token`, returning the JSON-RPC response.
async fn post(url: &str, token: &str, method: &str, name: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method)
        .header("mcp-name", name)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

#[tokio::test]
async fn a_task_belongs_to_the_caller_that_created_it() {
    let resource = "https://mcp.example.test/mcp";
    let oauth = ResourceServer::new(resource, TwoCallers)
        .unwrap()
        .authorization_server("https://auth.example.test");
    let router = server()
        .into_http_router(HttpConfig::default().oauth(oauth))
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let created = post(
        &url,
        "alice",
        "tools/call",
        "lingering",
        json!({"name": "lingering", "_meta": with_tasks()}),
    )
    .await;
    let id = task_id(&created);
    let params = json!({"taskId": id, "_meta": with_tasks()});
    for method in ["tasks/get", "tasks/cancel"] {
        let r = post(&url, "bob", method, &id, params.clone()).await;
        assert_eq!(r["error"]["code"], -32602, "bob's {method}: {r}");
    }
    // Bob's cancel did nothing: still Alice's, still running.
    let r = post(&url, "alice", "tasks/get", &id, params.clone()).await;
    assert_eq!(r["result"]["status"], "working", "{r}");
    let r = post(&url, "alice", "tasks/cancel", &id, params).await;
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
}

#[tokio::test]
async fn a_call_gathers_input_then_becomes_a_task_on_run_as_task() {
    let caps = meta(json!({"elicitation": {}, "extensions": {TASKS: {}}}));
    let mut c = RawClient::start(server());
    // Round 1: the ask, multi round-trip; no task yet.
    let round1 = call(&mut c, "gather_then_work", caps.clone()).await;
    assert_eq!(round1["result"]["resultType"], "input_required", "{round1}");
    assert!(round1["result"].get("taskId").is_none());
    let answer = json!({"action": "accept", "content": {"name": "Alice"}});
    let round2 = c
        .request(
            "tools/call",
            json!({"name": "gather_then_work", "arguments": {}, "_meta": caps,
                   "inputResponses": {"name": answer},
                   "requestState": round1["result"]["requestState"]}),
        )
        .await;
    let id = task_id(&round2);
    for absent in ["requestState", "inputRequests"] {
        assert!(round2["result"].get(absent).is_none(), "{round2}");
    }
    let done = wait_for(&mut c, &id, status_is("completed")).await;
    assert_eq!(
        done["result"]["result"]["content"][0]["text"],
        "name=\"Alice\" task=true"
    );

    // Without the extension the same tool is a plain call: `run_as_task` says false.
    let plain_caps = meta(json!({"elicitation": {}}));
    let round1 = call(&mut c, "gather_then_work", plain_caps.clone()).await;
    let round2 = c
        .request(
            "tools/call",
            json!({"name": "gather_then_work", "arguments": {}, "_meta": plain_caps,
                   "inputResponses": {"name": answer},
                   "requestState": round1["result"]["requestState"]}),
        )
        .await;
    assert_eq!(round2["result"]["resultType"], "complete", "{round2}");
    assert_eq!(
        round2["result"]["content"][0]["text"],
        "name=\"Alice\" task=false"
    );
}

#[tokio::test]
async fn the_client_runs_a_tool_as_a_task_and_answers_its_asks() {
    use toolsmith::client::{Client, Protocol, ToolCall};
    use toolsmith::TaskStatus;

    let router = server().into_http_router(HttpConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let client = Client::builder("task-client", "1")
        .protocol(Protocol::Stateless)
        .tasks()
        .sampling_handler(|_| async { Ok("42") })
        .connect_http(&url)
        .await
        .unwrap();
    let ToolCall::Task(task) = client
        .call_tool_as_task("ask_model", Value::Null)
        .await
        .unwrap()
    else {
        panic!("ask_model did not run as a task")
    };
    // The client answers the model question the task parks on, then gets the result.
    let result = client.wait_for_task(&task.task_id).await.unwrap();
    assert_eq!(result.text_content(), "the model says 42");

    let ToolCall::Task(task) = client
        .call_tool_as_task("lingering", Value::Null)
        .await
        .unwrap()
    else {
        panic!("lingering did not run as a task")
    };
    client.cancel_task(&task.task_id).await.unwrap();
    let info = client.get_task(&task.task_id).await.unwrap();
    assert_eq!(info.status, TaskStatus::Cancelled);

    // A client that does not declare the extension gets the plain answer.
    let plain = Client::builder("plain-client", "1")
        .protocol(Protocol::Stateless)
        .connect_http(&url)
        .await
        .unwrap();
    match plain.call_tool_as_task("quick", Value::Null).await.unwrap() {
        ToolCall::Done(r) => assert_eq!(r.text_content(), "quick"),
        other => panic!("expected a plain answer, got {other:?}"),
    }
}

#[tokio::test]
async fn status_changes_reach_the_owners_listen_stream() {
    let mut c = RawClient::start(server());
    let listen = c
        .send_request(
            "subscriptions/listen",
            json!({"notifications": {}, "_meta": with_tasks()}),
        )
        .await;
    c.expect_method("notifications/subscriptions/acknowledged")
        .await;
    let id = task_id(&call(&mut c, "ask_model", with_tasks()).await);
    // The ask parks the task: the stream hears `input_required`, with the ask.
    let parked = c.expect_method("notifications/tasks").await;
    assert_eq!(parked["params"]["taskId"], id.as_str(), "{parked}");
    assert_eq!(parked["params"]["status"], "input_required");
    assert_eq!(
        parked["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!(listen)
    );
    let key = parked["params"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let answer =
        json!({"role": "assistant", "model": "m", "content": {"type": "text", "text": "42"}});
    task_op(
        &mut c,
        "tasks/update",
        &id,
        json!({"inputResponses": {key: answer}}),
    )
    .await;
    // Then `working` again, then `completed` with the result inlined.
    let mut seen = Vec::new();
    loop {
        let n = c.expect_method("notifications/tasks").await;
        let status = n["params"]["status"].as_str().unwrap().to_owned();
        seen.push(status.clone());
        if status == "completed" {
            assert_eq!(
                n["params"]["result"]["content"][0]["text"],
                "the model says 42"
            );
            assert!(n["params"].get("resultType").is_none());
            break;
        }
    }
    assert_eq!(seen, ["working", "completed"]);
}

#[tokio::test]
async fn a_tasks_progress_message_is_its_status_message() {
    let mut c = RawClient::start(server());
    let id = task_id(&call(&mut c, "progressing", with_tasks()).await);
    let r = wait_for(&mut c, &id, |r| r["result"]["statusMessage"] == "halfway").await;
    assert_eq!(r["result"]["status"], "working");
    PROGRESS_GATE.add_permits(1);
    wait_for(&mut c, &id, status_is("completed")).await;
}
