//! Shared by the OAuth resource-server tests (`auth_*.rs`): a served endpoint with a bearer
//! token to send, and the real authorization server (`oidc-provider`, tests/oidc/provider.mjs).

#![allow(dead_code)]

pub mod provider;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use toolsmith::{HttpConfig, Server};

/// An MCP endpoint served on loopback, and the token (if any) sent with each request.
pub struct Endpoint {
    pub url: String,
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
    pub session: Option<String>,
}

/// Serve `server` with `config` on a free loopback port.
pub async fn start(server: Server, config: HttpConfig) -> Endpoint {
    let router = server.into_http_router(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Endpoint {
        url: format!("http://{addr}/mcp"),
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        token: None,
        session: None,
    }
}

/// A plain response: status, headers and the body as JSON (`Null` when empty or not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The `WWW-Authenticate` header, or "".
    pub fn challenge(&self) -> &str {
        self.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Endpoint {
    /// With `token` sent as `Authorization: Bearer <token>`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// POST `body` with the token and session (if any), returning the raw answer.
    pub async fn post_raw(&self, body: &Value, authorization: Option<&str>) -> Answer {
        let mut r = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(a) = authorization {
            r = r.header("authorization", a);
        }
        if let Some(s) = &self.session {
            r = r
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// POST `body` with this endpoint's token.
    pub async fn post(&self, body: &Value) -> Answer {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        self.post_raw(body, auth.as_deref()).await
    }

    /// POST the `initialize` request with `Authorization: Bearer <token>`, returning the raw
    /// answer (what a verifier makes of `token`).
    pub async fn initialize_with_bearer(&self, token: &str) -> Answer {
        let authorization = format!("Bearer {token}");
        self.post_raw(&Endpoint::initialize_request(), Some(&authorization))
            .await
    }

    /// The `initialize` request of protocol 2025-11-25.
    pub fn initialize_request() -> Value {
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}})
    }

    /// Open a session (handshake era) with this endpoint's token.
    pub async fn initialize(&mut self) {
        let a = self.post(&Self::initialize_request()).await;
        assert_eq!(a.status, 200, "{}", a.body);
        self.session = Some(a.headers["mcp-session-id"].to_str().unwrap().to_owned());
        let a = self
            .post(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .await;
        assert_eq!(a.status, 202);
    }

    /// `tools/call` of `name` in the session.
    pub async fn call_tool(&self, name: &str) -> Answer {
        self.post(&json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":name}}))
            .await
    }

    /// `tools/call` of `name` in protocol 2026-07-28 (no session), with this endpoint's token.
    pub async fn call_tool_stateless(&self, name: &str) -> Answer {
        let mut r = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", name)
            .body(
                json!({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{
                "name": name,
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {}
                }}})
                .to_string(),
            );
        if let Some(t) = &self.token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// GET `url` (no token), as JSON.
    pub async fn get_json(&self, url: &str) -> (u16, Value) {
        let r = self.http.get(url).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// The value of parameter `name` in a `WWW-Authenticate: Bearer` challenge.
pub fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}=\""))? + name.len() + 2;
    let len = challenge[start..].find('"')?;
    Some(challenge[start..start + len].to_owned())
}
