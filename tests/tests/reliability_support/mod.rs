//! Shared by the `reliability_*` tests and `tests/fuzz`: a raw stdio pipe that can send any bytes,
//! a raw HTTP endpoint, memory readings, and a guard that tells whether a handler
//! finished or was dropped.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};
use tokio::task::JoinHandle;
use toolsmith::{HttpConfig, Server};

/// How long a test waits for any one message before failing.
pub const WAIT: Duration = Duration::from_secs(20);

/// A number from the environment, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// stdio: an in-process server on an in-memory pipe, written to with raw bytes.

/// The sending half of a pipe to a server.
pub struct PipeTx {
    writer: WriteHalf<DuplexStream>,
}

/// The receiving half of a pipe from a server.
pub struct PipeRx {
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
}

/// A server running in-process over an in-memory pipe, and both raw ends of that pipe.
pub struct Pipe {
    pub tx: PipeTx,
    pub rx: PipeRx,
    /// The server task; it ends when the pipe's input closes.
    pub server: JoinHandle<Result<(), toolsmith::Error>>,
    /// Messages read while waiting for something else.
    pub backlog: Vec<Value>,
    sync: u64,
}

impl PipeTx {
    /// Send `bytes` and a newline.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
        self.writer.write_all(b"\n").await.expect("write");
        self.writer.flush().await.expect("flush");
    }

    /// Send `bytes` as they are (no newline added).
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
    }

    /// Send one JSON frame.
    pub async fn send(&mut self, v: &Value) {
        self.send_bytes(v.to_string().as_bytes()).await;
    }

    /// Close the server's input.
    pub async fn close(&mut self) {
        self.writer.shutdown().await.ok();
    }
}

impl PipeRx {
    /// The next frame, or `None` when the server closed its output. Fails after [`WAIT`].
    pub async fn next(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .expect("timed out waiting for a message from the server")
            .expect("read")?;
        Some(
            serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("the server wrote non-JSON {line:?}: {e}")),
        )
    }

    /// The next frame if one comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        match tokio::time::timeout(wait, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => Some(serde_json::from_str(&line).expect("JSON")),
            _ => None,
        }
    }
}

impl Pipe {
    /// Start `server` in-process with a pipe buffer of `buffer` bytes each way.
    pub fn start_with_buffer(server: Server, buffer: usize) -> Self {
        let (client_side, server_side) = tokio::io::duplex(buffer);
        let (server_read, server_write) = tokio::io::split(server_side);
        let server = tokio::spawn(server.serve(server_read, server_write));
        let (read, writer) = tokio::io::split(client_side);
        Pipe {
            tx: PipeTx { writer },
            rx: PipeRx {
                lines: BufReader::new(read).lines(),
            },
            server,
            backlog: Vec::new(),
            sync: 0,
        }
    }

    /// Start `server` in-process.
    pub fn start(server: Server) -> Self {
        Self::start_with_buffer(server, 1 << 20)
    }

    /// Start `server` and run the 2025-11-25 handshake declaring `capabilities`.
    pub async fn initialized(server: Server, capabilities: Value) -> Self {
        let mut p = Self::start(server);
        let r = p
            .request(json!("init"), "initialize", initialize_params(capabilities))
            .await;
        assert!(r.get("result").is_some(), "initialize failed: {r}");
        p.tx.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        p
    }

    /// Send a request with `id` and wait for its response.
    pub async fn request(&mut self, id: Value, method: &str, params: Value) -> Value {
        self.tx
            .send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.response(&id).await
    }

    /// Wait for the response with `id`, keeping anything else in the backlog.
    pub async fn response(&mut self, id: &Value) -> Value {
        let is_it = |m: &Value| &m["id"] == id && m.get("method").is_none();
        if let Some(pos) = self.backlog.iter().position(is_it) {
            return self.backlog.remove(pos);
        }
        loop {
            let m = self
                .rx
                .next()
                .await
                .expect("the server closed the connection");
            if is_it(&m) {
                return m;
            }
            self.backlog.push(m);
        }
    }

    /// Wait for the next message with `method`, keeping others in the backlog.
    pub async fn expect_method(&mut self, method: &str) -> Value {
        if let Some(pos) = self.backlog.iter().position(|m| m["method"] == method) {
            return self.backlog.remove(pos);
        }
        loop {
            let m = self
                .rx
                .next()
                .await
                .expect("the server closed the connection");
            if m["method"] == method {
                return m;
            }
            self.backlog.push(m);
        }
    }

    /// Send a ping with a fresh id and return everything that arrived before its answer (the
    /// backlog included). Proves the server is still reading and answering, in order.
    pub async fn sync(&mut self) -> Vec<Value> {
        self.sync += 1;
        let id = json!(format!("sync-{}", self.sync));
        self.tx
            .send(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}))
            .await;
        let mut before = std::mem::take(&mut self.backlog);
        loop {
            let m = self
                .rx
                .next()
                .await
                .expect("the server closed the connection");
            if m["id"] == id && m.get("method").is_none() {
                assert_eq!(m["result"], json!({}), "{m}");
                return before;
            }
            before.push(m);
        }
    }

    /// Close the server's input and wait for the server task to end.
    pub async fn close(mut self) -> Result<(), toolsmith::Error> {
        self.tx.close().await;
        drop(self.tx);
        tokio::time::timeout(WAIT, self.server)
            .await
            .expect("the server did not stop after its input closed")
            .expect("the server task panicked")
    }
}

/// `initialize` params for protocol 2025-11-25.
pub fn initialize_params(capabilities: Value) -> Value {
    json!({
        "protocolVersion": "2025-11-25",
        "capabilities": capabilities,
        "clientInfo": {"name": "reliability", "version": "0"}
    })
}

/// The `_meta` envelope of a 2026-07-28 request from a client that can sample.
pub fn stateless_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"sampling": {}},
    })
}

/// A sampling answer with `text`.
pub fn sample_answer(text: &str) -> Value {
    json!({"role": "assistant", "model": "test-model", "content": {"type": "text", "text": text}, "stopReason": "endTurn"})
}

// ---------------------------------------------------------------------------------------------
// HTTP: the router on a loopback listener, driven with raw bodies.

/// A server's streamable HTTP endpoint on 127.0.0.1, and a client with an optional session.
pub struct Http {
    pub url: String,
    pub http: reqwest::Client,
    pub session: Option<String>,
}

/// What came back from one HTTP request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub session: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (fails the test otherwise).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl Http {
    /// Serve `server` on a fresh loopback port.
    pub async fn start(server: Server, config: HttpConfig) -> Self {
        let router = server.into_http_router(config).expect("router");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("address");
        // TCP_NODELAY, as a tuned deployment would: without it each small SSE write of a
        // sampling round trip can wait ~40 ms for a delayed ACK (see RELIABILITY.md).
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| tcp.set_nodelay(true).expect("TCP_NODELAY"));
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
        Http {
            url: format!("http://{addr}/mcp"),
            http: reqwest::Client::new(),
            session: None,
        }
    }

    /// A POST with the headers a well-behaved client sends (and the session, if any).
    pub fn post(&self) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(s) = &self.session {
            r = r
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        r
    }

    /// POST raw bytes and read the whole answer.
    pub async fn post_bytes(&self, body: impl Into<reqwest::Body>) -> Reply {
        read_reply(self.post().body(body).send().await.expect("POST")).await
    }

    /// POST a JSON message and read the whole answer.
    pub async fn post_json(&self, message: &Value) -> Reply {
        self.post_bytes(message.to_string()).await
    }

    /// Run the 2025-11-25 handshake, keeping the session id.
    pub async fn initialize(&mut self, capabilities: Value) {
        self.session = None;
        let r = self
            .post_json(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": initialize_params(capabilities)}))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        self.session = Some(r.session.clone().expect("a session id"));
        let r = self
            .post_json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert_eq!(r.status, 202, "{r:?}");
    }

    /// POST a request expected to be answered with plain JSON; return the JSON-RPC response.
    pub async fn call(&self, message: &Value) -> Value {
        let r = self.post_json(message).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.content_type, "application/json", "{r:?}");
        r.json()
    }

    /// DELETE the session.
    pub async fn delete(&self) -> u16 {
        let mut r = self.http.delete(&self.url);
        if let Some(s) = &self.session {
            r = r.header("mcp-session-id", s);
        }
        r.send().await.expect("DELETE").status().as_u16()
    }
}

pub async fn read_reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    };
    let content_type = header("content-type").unwrap_or_default();
    let session = header("mcp-session-id");
    let body = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    Reply {
        status,
        content_type,
        session,
        body,
    }
}

// ---------------------------------------------------------------------------------------------
// Memory.

fn status_field_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status_kib(&status, field)
}

/// A `VmRSS`-style field of a `/proc/PID/status` text, in KiB.
pub fn status_kib(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc status"))
}

/// This process's resident set, in KiB.
pub fn rss_kib() -> u64 {
    status_field_kib("VmRSS")
}

/// This process's peak resident set since the last [`reset_peak_rss`], in KiB.
pub fn peak_rss_kib() -> u64 {
    status_field_kib("VmHWM")
}

/// Reset the peak resident set (Linux: `5` to `/proc/self/clear_refs`). False when not allowed.
pub fn reset_peak_rss() -> bool {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/clear_refs")
        .and_then(|mut f| f.write_all(b"5"))
        .is_ok()
}

/// Another process's resident set, in KiB.
pub fn rss_kib_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    status_kib(&status, "VmRSS")
}

// ---------------------------------------------------------------------------------------------
// Handler lifetimes.

/// Counts how handlers ended: finished, or dropped before finishing (cancelled, aborted).
#[derive(Default, Debug)]
pub struct Lifetimes {
    pub started: AtomicUsize,
    pub finished: AtomicUsize,
    pub dropped: AtomicUsize,
    /// Signalled whenever a count changes.
    changed: tokio::sync::Notify,
}

impl Lifetimes {
    /// A guard for one run of a handler; call [`Life::finish`] at its end.
    pub fn begin(&self) -> Life<'_> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
        Life {
            of: self,
            done: false,
        }
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.started.load(Ordering::SeqCst),
            self.finished.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst),
        )
    }

    /// Wait until `started` reaches `n`, failing after [`WAIT`].
    pub async fn wait_started(&self, n: usize) {
        self.wait_for("handlers did not start", |(started, _, _)| started >= n)
            .await;
    }

    /// Wait until `dropped` reaches `n`, failing after [`WAIT`].
    pub async fn wait_dropped(&self, n: usize) {
        self.wait_for("handlers were not dropped", |(_, _, dropped)| dropped >= n)
            .await;
    }

    /// Wait until the counts (started, finished, dropped) satisfy `done`, woken by each change;
    /// fail with `what` after [`WAIT`].
    async fn wait_for(&self, what: &str, done: impl Fn((usize, usize, usize)) -> bool) {
        let reached = tokio::time::timeout(WAIT, async {
            loop {
                // Registered before the check, so a change in between is not missed.
                let changed = self.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if done(self.counts()) {
                    return;
                }
                changed.await;
            }
        })
        .await;
        assert!(reached.is_ok(), "{what}: {:?}", self.counts());
    }
}

/// Marks a handler run as finished or, when dropped unfinished, as dropped.
pub struct Life<'a> {
    of: &'a Lifetimes,
    done: bool,
}

impl Life<'_> {
    pub fn finish(mut self) {
        self.done = true;
        self.of.finished.fetch_add(1, Ordering::SeqCst);
        self.of.changed.notify_waiters();
    }
}

impl Drop for Life<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.of.dropped.fetch_add(1, Ordering::SeqCst);
            self.of.changed.notify_waiters();
        }
    }
}

/// Tasks alive on the current runtime.
pub fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Wait until at most `n` tasks are alive on the current runtime; return how many are.
pub async fn settle_tasks(n: usize) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let alive = alive_tasks();
        if alive <= n || tokio::time::Instant::now() >= deadline {
            return alive;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
