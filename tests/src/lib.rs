//! Test support: drive a server with raw JSON-RPC frames, as a client that favours no SDK would.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};
use tokio::task::JoinHandle;
use toolsmith::Server;

/// How long a test waits for any one message before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server running in-process over an in-memory pipe, and the raw client end of that pipe.
pub struct RawClient {
    writer: WriteHalf<DuplexStream>,
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    /// The server task; it ends when the client's writer closes.
    pub server: JoinHandle<Result<(), toolsmith::Error>>,
    /// Messages read while waiting for something else (notifications, server requests).
    pub backlog: Vec<Value>,
    next_id: i64,
}

impl RawClient {
    /// Start `server` in-process.
    pub fn start(server: Server) -> Self {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        let server = tokio::spawn(server.serve(server_read, server_write));
        let (read, writer) = tokio::io::split(client_side);
        RawClient {
            writer,
            lines: BufReader::new(read).lines(),
            server,
            backlog: Vec::new(),
            next_id: 1000,
        }
    }

    /// Start `server` and run the 2025-11-25 handshake with `capabilities`.
    pub async fn initialized(server: Server, capabilities: Value) -> Self {
        let mut c = Self::start(server);
        let r = c
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-11-25",
                    "capabilities": capabilities,
                    "clientInfo": {"name": "raw-test-client", "version": "0"}
                }),
            )
            .await;
        assert!(r.get("result").is_some(), "initialize failed: {r}");
        c.notify("notifications/initialized", json!({})).await;
        c
    }

    /// Send one raw line (a newline is added).
    pub async fn send_raw(&mut self, line: &str) {
        self.writer.write_all(line.as_bytes()).await.expect("write");
        self.writer.write_all(b"\n").await.expect("write");
        self.writer.flush().await.expect("flush");
    }

    /// Send a JSON value as one frame.
    pub async fn send(&mut self, v: &Value) {
        self.send_raw(&v.to_string()).await;
    }

    /// Read the next frame, failing the test after [`WAIT`].
    pub async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .expect("timed out waiting for a message from the server")
            .expect("read")
            .expect("the server closed the connection");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("server wrote non-JSON {line:?}: {e}"))
    }

    /// Send a request with a fresh id; return its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// Wait for the response with `id`, keeping anything else in the backlog.
    pub async fn response(&mut self, id: i64) -> Value {
        if let Some(pos) = self
            .backlog
            .iter()
            .position(|m| m["id"] == json!(id) && m.get("method").is_none())
        {
            return self.backlog.remove(pos);
        }
        loop {
            let m = self.next().await;
            if m["id"] == json!(id) && m.get("method").is_none() {
                return m;
            }
            self.backlog.push(m);
        }
    }

    /// Send a request and wait for its response (the whole frame).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        self.response(id).await
    }

    /// Send a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Wait for the next message with `method` (a notification or a server request), keeping
    /// others in the backlog.
    pub async fn expect_method(&mut self, method: &str) -> Value {
        if let Some(pos) = self.backlog.iter().position(|m| m["method"] == method) {
            return self.backlog.remove(pos);
        }
        loop {
            let m = self.next().await;
            if m["method"] == method {
                return m;
            }
            self.backlog.push(m);
        }
    }

    /// Close the client's end and wait for the server to finish.
    pub async fn close(mut self) -> Result<(), toolsmith::Error> {
        self.writer.shutdown().await.ok();
        drop(self.writer);
        tokio::time::timeout(WAIT, self.server)
            .await
            .expect("the server did not stop after its input closed")
            .expect("the server task panicked")
    }
}

pub mod cluster;
pub mod conformance;
pub mod fixtures;
pub mod interop;
pub mod logs;
pub mod output_shapes;
pub mod prerequisites;
pub mod redis;
pub mod replicas;
pub mod sse;

/// `docs/from-rmcp.md`, whose Toolsmith server compiles as a doctest of this crate (the rmcp one
/// is `ignore`d: rmcp is not a dependency of the workspace).
#[cfg(doctest)]
#[doc = include_str!("../../docs/from-rmcp.md")]
pub struct FromRmcpPage;
