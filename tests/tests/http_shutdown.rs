//! Graceful shutdown of streamable HTTP serving (issue 14, rolling deploys): a call in flight
//! when shutdown starts is answered, new connections are refused, a GET stream is closed with a
//! `retry` hint, the health endpoint turns `503`, and the server's future ends within the grace
//! period even when a handler never ends. Loopback only; every wait is bounded.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};
use toolsmith::prelude::*;
use toolsmith::HttpConfig;
use toolsmith_tests::sse::SseReader;

/// Bound of every wait for something that should happen promptly.
const PROMPT: Duration = Duration::from_secs(10);

static HELD_STARTED: Notify = Notify::const_new();
static HELD_RELEASE: Notify = Notify::const_new();
static FOREVER_STARTED: Notify = Notify::const_new();

/// Answers once the test releases it.
#[tool]
async fn held() -> String {
    HELD_STARTED.notify_one();
    HELD_RELEASE.notified().await;
    "released".into()
}

/// Never answers.
#[tool]
async fn forever() -> String {
    FOREVER_STARTED.notify_one();
    std::future::pending().await
}

/// A server on an ephemeral loopback port that shuts down when `stop` is sent.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), toolsmith::Error>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    async fn start(config: HttpConfig) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = Server::new("shutdown", "1").tool(held).tool(forever);
        let task =
            tokio::spawn(
                server.serve_http_listener_with_shutdown(listener, config, async move {
                    let _ = stopped.await;
                }),
            );
        Running {
            addr,
            stop: Some(stop),
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn shut_down(&mut self) {
        self.stop.take().unwrap().send(()).unwrap();
    }

    /// A 2026-07-28 `tools/call` of `tool` (no session).
    fn call(
        &self,
        tool: &str,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": tool, "arguments": {}, "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"}}}});
        reqwest::Client::new()
            .post(self.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", tool)
            .body(body.to_string())
            .send()
    }

    /// A 2025-11-25 session's id, and its GET stream with the priming event read.
    async fn session_stream(&self) -> SseReader {
        let http = reqwest::Client::new();
        let post = |body: Value, session: Option<&str>| {
            let mut r = http
                .post(self.url("/mcp"))
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json");
            if let Some(s) = session {
                r = r
                    .header("mcp-session-id", s)
                    .header("mcp-protocol-version", "2025-11-25");
            }
            r.body(body.to_string()).send()
        };
        let init = post(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}), None)
        .await
        .unwrap();
        assert_eq!(init.status(), 200);
        let session = init.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let initialized = post(
            json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
            Some(&session),
        )
        .await
        .unwrap();
        assert_eq!(initialized.status(), 202);
        let get = http
            .get(self.url("/mcp"))
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), 200);
        let mut stream = SseReader::new(get);
        let priming = stream.next().await.expect("the priming event");
        assert!(priming.retry.is_some(), "{priming:?}");
        stream
    }
}

async fn health(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn in_flight_calls_are_answered_new_connections_refused_streams_closed() {
    let config = HttpConfig::default().shutdown_grace(Duration::from_secs(60));
    let mut server = Running::start(config).await;
    assert_eq!(health(&server.url("/healthz")).await, 200);
    let mut stream = server.session_stream().await;
    let started = HELD_STARTED.notified();
    let call = tokio::spawn(server.call("held"));
    timeout(PROMPT, started)
        .await
        .expect("the call never started");

    server.shut_down();

    // The GET stream ends, its last event the `retry` hint.
    let mut last = None;
    while let Some(event) = timeout(PROMPT, stream.next())
        .await
        .expect("stream not closed")
    {
        last = Some(event);
    }
    let last = last.expect("an event after the priming one");
    assert_eq!(
        (last.data.as_str(), last.retry),
        ("", Some(1000)),
        "{last:?}"
    );
    // The stream ends once the listener is closed: new connections are refused.
    let refused = TcpStream::connect(server.addr).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted while shutting down"
    );
    assert!(!server.task.is_finished(), "ended with a call in flight");

    HELD_RELEASE.notify_one();
    let answer = timeout(PROMPT, call)
        .await
        .expect("no answer")
        .unwrap()
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["result"]["content"][0]["text"], "released", "{body}");
    let ended = timeout(PROMPT, &mut server.task)
        .await
        .expect("did not end");
    ended.unwrap().unwrap();
}

#[tokio::test]
async fn the_server_ends_within_the_grace_period_with_a_handler_that_never_ends() {
    let grace = Duration::from_millis(300);
    let mut server = Running::start(HttpConfig::default().shutdown_grace(grace)).await;
    let started = FOREVER_STARTED.notified();
    let call = tokio::spawn(server.call("forever"));
    timeout(PROMPT, started)
        .await
        .expect("the call never started");

    let from = Instant::now();
    server.shut_down();
    let ended = timeout(PROMPT, &mut server.task)
        .await
        .expect("did not end");
    ended.unwrap().unwrap();
    let took = from.elapsed();
    assert!(
        took >= grace,
        "ended after {took:?}, before the grace period"
    );
    // Its connection was closed: the call fails rather than hanging.
    let answer = timeout(PROMPT, call).await.expect("the call hung").unwrap();
    assert!(answer.is_err(), "{answer:?}");
}

#[tokio::test]
async fn health_fails_from_the_signal_while_the_listener_stays_open_for_the_delay() {
    let config = HttpConfig::default()
        .health_path("/ready")
        .shutdown_delay(Duration::from_secs(120));
    let mut server = Running::start(config).await;
    assert_eq!(health(&server.url("/ready")).await, 200);
    assert_eq!(
        health(&server.url("/healthz")).await,
        404,
        "the path is configurable"
    );
    server.shut_down();
    // The accept loop sees the signal soon: ask until it does (bounded).
    let deadline = Instant::now() + PROMPT;
    loop {
        match health(&server.url("/ready")).await {
            503 => break,
            200 if Instant::now() < deadline => tokio::task::yield_now().await,
            other => panic!("health answered {other} after the shutdown signal"),
        }
    }
    // Still accepting (and serving) during the delay.
    let r = server.call("nope").await.unwrap();
    assert_ne!(r.status(), 503);
}

#[tokio::test]
async fn the_health_endpoint_can_be_turned_off() {
    let server = Running::start(HttpConfig::default().no_health_path()).await;
    assert_eq!(health(&server.url("/healthz")).await, 404);
}
