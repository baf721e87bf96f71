//! Middleware around requests (`Server::middleware`): what it sees in both eras, over a byte
//! stream and over HTTP; refusals; the built-in rate limit (its error, and 429 over HTTP) and the
//! `tracing` span per request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use toolsmith::client::{Client, ClientBuilder, Protocol};
use toolsmith::jsonrpc::ErrorObject;
use toolsmith::middleware::{
    CallerKey, Middleware, Outcome, RateLimit, RequestInfo, TraceRequests,
};
use toolsmith::prelude::*;
use toolsmith::protocol::codes::RATE_LIMITED;
use toolsmith::protocol::Era;
use toolsmith::HttpConfig;
use toolsmith_tests::logs::Logs;

static ECHOES: AtomicUsize = AtomicUsize::new(0);

/// Echo the text, logging from inside the handler.
#[tool]
async fn echo(text: String) -> String {
    ECHOES.fetch_add(1, Ordering::SeqCst);
    tracing::info!(target: "toolsmith_tests", "inside the echo handler");
    text
}

static FORBIDDEN_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Refused by the [`Recorder`] before it can run.
#[tool]
async fn forbidden() -> String {
    FORBIDDEN_RUNS.fetch_add(1, Ordering::SeqCst);
    "ran".into()
}

/// Never finishes on its own.
#[tool]
async fn stall() -> String {
    std::future::pending::<()>().await;
    unreachable!()
}

/// Always fails.
#[tool]
async fn broken() -> Result<String, ToolError> {
    Err(ToolError::new("broken on purpose"))
}

/// What a [`Recorder`] saw of one request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    name: Option<String>,
    era: Era,
    caller: Option<CallerKey>,
    error: Option<i64>,
    tool_error: bool,
    completed: bool,
}

/// Records every request's facts and outcome; refuses the tool `forbidden`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>, Arc<tokio::sync::Notify>);

impl Recorder {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// Wait until `count` requests have ended.
    async fn wait_for(&self, count: usize) -> Vec<Seen> {
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            loop {
                let ended = self.1.notified();
                if self.seen().len() >= count {
                    return self.seen();
                }
                ended.await;
            }
        })
        .await
        .expect("the requests ended within 10 s")
    }
}

impl Middleware for Recorder {
    fn before(&self, request: &mut RequestInfo) -> Result<(), ErrorObject> {
        if request.name() == Some("forbidden") {
            return Err(ErrorObject::new(-32001, "`forbidden` is not for you"));
        }
        Ok(())
    }

    fn after(&self, request: &RequestInfo, outcome: &Outcome<'_>) {
        assert!(outcome.elapsed() <= request.started().elapsed());
        self.0.lock().unwrap().push(Seen {
            method: request.method().to_owned(),
            name: request.name().map(str::to_owned),
            era: request.era(),
            caller: request.caller().cloned(),
            error: outcome.error().map(|e| e.code),
            tool_error: outcome.is_tool_error(),
            completed: outcome.completed(),
        });
        self.1.notify_waiters();
    }
}

/// Counts the `before`s it is asked (to show a refusal stops the chain).
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Middleware for Counter {
    fn before(&self, _: &mut RequestInfo) -> Result<(), ErrorObject> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn server() -> Server {
    Server::new("middleware-test", "1.0")
        .tool(echo)
        .tool(broken)
        .tool(stall)
}

/// Serve `server` over an in-memory byte stream; connect `builder`.
async fn connect_stream(server: Server, builder: ClientBuilder) -> Client {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(server_end);
    tokio::spawn(server.serve(read, write));
    let (read, write) = tokio::io::split(client_end);
    builder.connect(read, write).await.expect("connect")
}

/// Serve `server` over HTTP on a loopback port (with peer addresses); returns its MCP URL.
async fn serve_http(server: Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_http_listener(listener, HttpConfig::default()));
    format!("http://{addr}/mcp")
}

fn call(name: &str, error: Option<i64>, tool_error: bool, era: Era, caller: &CallerKey) -> Seen {
    Seen {
        method: "tools/call".into(),
        name: Some(name.into()),
        era,
        caller: Some(caller.clone()),
        error,
        tool_error,
        completed: true,
    }
}

#[tokio::test]
async fn middleware_sees_every_request_of_a_handshake_session_over_a_stream() {
    let recorder = Recorder::default();
    let client = connect_stream(
        server().middleware(recorder.clone()),
        Client::builder("c", "1"),
    )
    .await;
    client.list_tools().await.unwrap();
    client
        .call_tool("echo", json!({"text": "hi"}))
        .await
        .unwrap();
    client.call_tool("broken", json!({})).await.unwrap();
    let e = client.call_tool("nope", json!({})).await.unwrap_err();
    assert_eq!(e.rpc_error().map(|e| e.code), Some(-32602));
    let reference = toolsmith::protocol::CompleteReference::prompt("nameless");
    client.complete(reference, "a", "", None).await.unwrap_err();

    let seen = recorder.seen();
    let methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(seen[5].name.as_deref(), Some("nameless"));
    assert_eq!(
        methods,
        [
            "initialize",
            "tools/list",
            "tools/call",
            "tools/call",
            "tools/call",
            "completion/complete"
        ]
    );
    assert!(seen.iter().all(|s| s.era == Era::Handshake && s.completed));
    assert!(seen
        .iter()
        .all(|s| s.caller.as_ref() == Some(&CallerKey::Stream)));
    let stream = CallerKey::Stream;
    assert_eq!(seen[2], call("echo", None, false, Era::Handshake, &stream));
    assert_eq!(seen[3], call("broken", None, true, Era::Handshake, &stream));
    assert_eq!(
        seen[4],
        call("nope", Some(-32602), false, Era::Handshake, &stream)
    );
}

#[tokio::test]
async fn middleware_sees_stateless_requests_over_http_with_the_peer_as_caller() {
    let recorder = Recorder::default();
    let url = serve_http(server().middleware(recorder.clone())).await;
    let client = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .connect_http(&url)
        .await
        .unwrap();
    client
        .call_tool("echo", json!({"text": "hi"}))
        .await
        .unwrap();
    let seen = recorder.seen();
    let local = CallerKey::Address([127, 0, 0, 1].into());
    assert_eq!(
        seen.last(),
        Some(&call("echo", None, false, Era::Stateless, &local)),
        "{seen:?}"
    );
    assert!(seen.iter().all(|s| s.era == Era::Stateless), "{seen:?}");
}

#[tokio::test]
async fn a_refusal_is_the_answer_no_handler_runs_and_later_middleware_are_skipped() {
    let (first, recorder, last) = (Counter::default(), Recorder::default(), Counter::default());
    let url = serve_http(
        Server::new("refusing", "1.0")
            .tool(forbidden)
            .middleware(first.clone())
            .middleware(recorder.clone())
            .middleware(last.clone()),
    )
    .await;
    for protocol in [Protocol::Legacy, Protocol::Stateless] {
        let client = Client::builder("c", "1")
            .protocol(protocol)
            .connect_http(&url)
            .await
            .unwrap();
        let e = client.call_tool("forbidden", json!({})).await.unwrap_err();
        let rpc = e.rpc_error().expect("a JSON-RPC error");
        assert_eq!(rpc.code, -32001);
        assert_eq!(rpc.message, "`forbidden` is not for you");
    }
    let calls = first.0.load(Ordering::SeqCst);
    assert_eq!(
        last.0.load(Ordering::SeqCst) + 2,
        calls,
        "the two refused calls never reached the last middleware"
    );
    assert_eq!(FORBIDDEN_RUNS.load(Ordering::SeqCst), 0);
    // The recorder refused, so its own `after` is not owed: it saw only the other requests.
    assert!(recorder.seen().iter().all(|s| s.method != "tools/call"));
}

/// A stateless-era `tools/list` POSTed by hand: its status, `Retry-After` and body.
async fn raw_list(url: &str) -> (u16, Option<String>, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    }}});
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/list")
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, r.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_over_http_once_the_burst_is_spent() {
    // One token every 100 s: nothing refills during the test.
    let url = serve_http(server().middleware(RateLimit::per_caller(0.01, 2))).await;
    for _ in 0..2 {
        let (status, _, body) = raw_list(&url).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, retry, body) = raw_list(&url).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], RATE_LIMITED);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("rate limit exceeded for address 127.0.0.1"),
        "{message}"
    );
    let ms = body["error"]["data"]["retryAfterMs"].as_u64().unwrap();
    assert!((99_000..=100_000).contains(&ms), "{ms}");
    assert_eq!(retry.as_deref(), Some("100"));
}

#[tokio::test]
async fn the_rate_limit_refuses_a_stream_client_with_a_retry_hint() {
    let client = connect_stream(
        server().middleware(RateLimit::per_caller(0.01, 3)),
        Client::builder("c", "1"),
    )
    .await;
    // `initialize` took the first token.
    client.list_tools().await.unwrap();
    client
        .call_tool("echo", json!({"text": "a"}))
        .await
        .unwrap();
    let e = client
        .call_tool("echo", json!({"text": "b"}))
        .await
        .unwrap_err();
    let rpc = e.rpc_error().expect("a JSON-RPC error");
    assert_eq!(rpc.code, RATE_LIMITED);
    assert!(rpc.message.contains("for stream"), "{}", rpc.message);
    assert!(rpc.message.contains("retry in"), "{}", rpc.message);
    assert!(rpc.data.as_ref().unwrap()["retryAfterMs"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn trace_requests_puts_each_request_and_its_handler_in_a_span() {
    // The process-wide capture: a thread-local one can miss events whose call site another
    // test's thread (with no subscriber) already marked as uninteresting.
    let logs = Logs::global();
    let client = connect_stream(
        server().middleware(TraceRequests::new()),
        Client::builder("c", "1"),
    )
    .await;
    client
        .call_tool("echo", json!({"text": "hi"}))
        .await
        .unwrap();
    let _ = client.call_tool("nope", json!({})).await.unwrap_err();

    let span = r#"mcp.request{method="tools/call" name="echo""#;
    let inside = logs.lines_with(&[span, "inside the echo handler"]);
    assert_eq!(inside.len(), 1, "{}", logs.text());
    assert!(inside[0].contains(r#"era="handshake""#), "{}", inside[0]);
    assert!(inside[0].contains("caller=stream"), "{}", inside[0]);
    let done = logs.lines_with(&[span, "request done", "duration_ms="]);
    assert_eq!(done.len(), 1, "{}", logs.text());
    let failed = logs.lines_with(&[r#"name="nope""#, "request failed", "code=-32602"]);
    assert_eq!(failed.len(), 1, "{}", logs.text());

    // The same in protocol 2026-07-28.
    let stateless = connect_stream(
        server().middleware(TraceRequests::new()),
        Client::builder("c", "1").protocol(Protocol::Stateless),
    )
    .await;
    stateless
        .call_tool("echo", json!({"text": "again"}))
        .await
        .unwrap();
    let inside = logs.lines_with(&[span, r#"era="stateless""#, "inside the echo handler"]);
    assert_eq!(inside.len(), 1, "{}", logs.text());
}

#[tokio::test]
async fn a_cancelled_request_ends_as_not_completed() {
    let recorder = Recorder::default();
    let mut c =
        toolsmith_tests::RawClient::initialized(server().middleware(recorder.clone()), json!({}))
            .await;
    let id = c
        .send_request("tools/call", json!({"name": "stall", "arguments": {}}))
        .await;
    c.notify("notifications/cancelled", json!({"requestId": id}))
        .await;
    let seen = recorder.wait_for(2).await;
    assert_eq!(seen[1].name.as_deref(), Some("stall"));
    assert!(!seen[1].completed, "{seen:?}");
    assert_eq!(seen[1].error, None);
}
