//! The client against a scripted server: every frame the client sends is read and checked, every
//! frame it receives is written by hand.

mod auto;
mod elicitation_roots;
mod handshake;
#[cfg(all(feature = "http-client", feature = "http-server"))]
mod http;
mod limits;
mod listen;
mod lists;
mod output_schema;
mod requests;
mod sampling;
mod stateless;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};

use super::*;
use crate::protocol::CreateMessageResult;

const WAIT: Duration = Duration::from_secs(5);

/// The server end of an in-memory connection, driven by the test.
struct Fake {
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    writer: WriteHalf<DuplexStream>,
}

impl Fake {
    /// The next frame from the client, or `None` at end of input.
    async fn next(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .expect("the client sent nothing within 5 s")
            .unwrap()?;
        Some(serde_json::from_str(&line).expect("the client sends JSON"))
    }

    async fn recv(&mut self) -> Value {
        self.next().await.expect("the client closed the connection")
    }

    async fn send(&mut self, frame: Value) {
        self.writer
            .write_all(format!("{frame}\n").as_bytes())
            .await
            .unwrap();
    }

    async fn answer(&mut self, request: &Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result}))
            .await;
    }
}

fn init_result(version: &str) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {}, "logging": {}},
        "serverInfo": {"name": "fake", "version": "0.0.1"},
        "instructions": "be kind"
    })
}

/// Connect `builder` to a scripted server; returns the client, the server end and the
/// `initialize` request the client sent.
async fn connect(builder: ClientBuilder) -> (Client, Fake, Value) {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (reader, writer) = tokio::io::split(client_end);
    let connecting = tokio::spawn(builder.connect(reader, writer));
    let (sr, sw) = tokio::io::split(server_end);
    let mut fake = Fake {
        lines: BufReader::new(sr).lines(),
        writer: sw,
    };
    let init = fake.recv().await;
    assert_eq!(init["method"], "initialize");
    fake.answer(&init, init_result("2025-11-25")).await;
    let client = connecting.await.unwrap().expect("handshake");
    let initialized = fake.recv().await;
    assert_eq!(
        initialized,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    );
    (client, fake, init)
}

fn sampling_request(id: Value, text: &str) -> Value {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "sampling/createMessage",
        "params": {
            "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
            "modelPreferences": {"hints": [{"name": "custom_model"}, {"name": "gpt-4o"}]},
            "maxTokens": 5
        }
    })
}

/// Start connecting `builder` to a scripted server that has not answered anything yet.
fn start(builder: ClientBuilder) -> (tokio::task::JoinHandle<Result<Client, ClientError>>, Fake) {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (reader, writer) = tokio::io::split(client_end);
    let connecting = tokio::spawn(builder.connect(reader, writer));
    let (sr, sw) = tokio::io::split(server_end);
    let fake = Fake {
        lines: BufReader::new(sr).lines(),
        writer: sw,
    };
    (connecting, fake)
}

fn elicit_answer(name: &str) -> crate::ElicitResult {
    let mut content = serde_json::Map::new();
    content.insert("name".into(), json!(name));
    crate::ElicitResult {
        action: crate::ElicitAction::Accept,
        content: Some(content),
    }
}

/// A sampling handler that echoes the last user text and the token limit.
fn echo_handler() -> impl SamplingHandler {
    |req: SamplingRequest| async move {
        Ok(format!(
            "{} ({} tokens)",
            req.last_user_text(),
            req.max_tokens()
        ))
    }
}

/// An approval policy keyed on the last user text.
fn policy(req: &SamplingRequest) -> Approval {
    match req.last_user_text().as_str() {
        "edit" => {
            let mut p = req.params.clone();
            p.messages = vec![crate::SamplingMessage::user("edited")];
            p.max_tokens = 1;
            Approval::Edit(p)
        }
        "reject" => Approval::reject("not today"),
        "reject quietly" => Approval::Reject(None),
        _ => Approval::Approve,
    }
}

fn discover_result(versions: Value) -> Value {
    json!({
        "resultType": "complete",
        "supportedVersions": versions,
        "capabilities": {"tools": {}},
        "instructions": "stateless and kind",
        "ttlMs": 0, "cacheScope": "private",
        "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern", "version": "9"}}
    })
}

/// Connect `builder` (stateless or auto) to a scripted modern server; returns the discover
/// request too.
async fn connect_stateless(builder: ClientBuilder) -> (Client, Fake, Value) {
    let (connecting, mut fake) = start(builder);
    let discover = fake.recv().await;
    assert_eq!(discover["method"], "server/discover");
    fake.answer(&discover, discover_result(json!(["2026-07-28"])))
        .await;
    let client = connecting.await.unwrap().expect("discovery");
    (client, fake, discover)
}

fn sample_ask(text: &str) -> Value {
    json!({"method": "sampling/createMessage", "params": {
        "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
        "maxTokens": 7}})
}
