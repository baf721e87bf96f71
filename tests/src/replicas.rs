//! Replicas served in-process that share a session store, and a raw streamable HTTP client for
//! them (`tests/session_store*.rs`).

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::HttpConfig;

use crate::fixtures::hi;

/// Log a line, then answer.
#[tool]
pub async fn chatty(ctx: Context<'_>) -> Result<String, ToolError> {
    ctx.info("chatting").await;
    Ok("done".into())
}

/// A resource to subscribe to.
#[resource(uri = "notes://today")]
pub async fn notes() -> String {
    "nothing yet".into()
}

/// The server every replica runs: tools `hi` and `chatty`, resource `notes://today`.
pub fn server() -> Server {
    Server::new("replica", "1")
        .tool(hi)
        .tool(chatty)
        .resource(notes)
}

/// Serve a replica of [`server`] with `config` on a free loopback port; its MCP URL.
pub async fn replica(config: HttpConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(server().serve_http_listener(listener, config));
    url
}

/// What a request got back: status, the session header, and the body's text.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Mcp-Session-Id` header, if any.
    pub session: Option<String>,
    /// The body (JSON, or an SSE stream).
    pub text: String,
}

impl Answer {
    /// A plain JSON body, or the last `data:` line of an SSE stream, as JSON (`Null` if neither).
    pub fn json(&self) -> Value {
        let last = self
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .next_back()
            .unwrap_or(&self.text);
        serde_json::from_str(last.trim()).unwrap_or(Value::Null)
    }
}

fn request(
    r: reqwest::RequestBuilder,
    session: Option<&str>,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut r = r.header("accept", "application/json, text/event-stream");
    if let Some(s) = session {
        r = r
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    match token {
        Some(t) => r.bearer_auth(t),
        None => r,
    }
}

async fn answer(r: reqwest::RequestBuilder) -> Answer {
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let session = resp
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    Answer {
        status,
        session,
        text: resp.text().await.unwrap(),
    }
}

/// POST `body` to `url` in `session` (if any) with bearer `token` (if any).
pub async fn post(url: &str, session: Option<&str>, token: Option<&str>, body: Value) -> Answer {
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    answer(request(r, session, token)).await
}

/// DELETE `session` at `url`.
pub async fn delete(url: &str, session: &str, token: Option<&str>) -> Answer {
    answer(request(
        reqwest::Client::new().delete(url),
        Some(session),
        token,
    ))
    .await
}

/// Open a 2025-11-25 session at `url` (initialize, then `notifications/initialized`); its id.
pub async fn initialize(url: &str, token: Option<&str>) -> String {
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    let a = post(url, None, token, init).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let id = a.session.expect("a session id");
    let done = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    assert_eq!(post(url, Some(&id), token, done).await.status, 202);
    id
}

/// A `tools/call` of `tool` (no arguments) with request id `id`.
pub fn call(id: u64, tool: &str) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":tool,"arguments":{}}})
}

/// A `logging/setLevel` to `level` with request id `id`.
pub fn set_level(id: u64, level: &str) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"logging/setLevel","params":{"level":level}})
}
