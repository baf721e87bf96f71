//! A plain streamable HTTP client (2025-11-25 sessions) for the attackers and the innocent caller:
//! `initialize`, `notifications/initialized`, `tools/call`, and reading one response from a JSON
//! body or an SSE stream.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};

/// The protocol revision of the handshake.
pub(crate) const PROTOCOL: &str = "2025-11-25";

/// A client whose connections come from `from` (a loopback address: the server sees it as the
/// peer's address), that opens a new connection for every request and keeps none: a hung-up
/// request never leaves a half-read connection to be reused.
pub(crate) fn fresh_client(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .local_address(from)
        .pool_max_idle_per_host(0)
        .build()
        .expect("a reqwest client with static settings")
}

/// A client from `from` that keeps connections alive (for floods of small requests).
pub(crate) fn pooled_client(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .local_address(from)
        .pool_max_idle_per_host(256)
        .build()
        .expect("a reqwest client with static settings")
}

/// One 2025-11-25 session: its endpoint and `Mcp-Session-Id`.
pub(crate) struct Session {
    pub(crate) client: reqwest::Client,
    pub(crate) url: String,
    pub(crate) id: String,
}

/// A POST of one JSON-RPC message, with the session's headers when `session` is given.
pub(crate) fn post(
    client: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: String,
) -> reqwest::RequestBuilder {
    let req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::ACCEPT,
            "application/json, text/event-stream",
        )
        .body(body);
    match session {
        Some(id) => req
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", PROTOCOL),
        None => req,
    }
}

/// The `initialize` request, declaring the sampling capability when `sampling`.
pub(crate) fn initialize_frame(id: u64, sampling: bool) -> String {
    let capabilities = if sampling {
        json!({"sampling": {}})
    } else {
        json!({})
    };
    json!({
        "jsonrpc": "2.0", "id": id, "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": capabilities,
            "clientInfo": {"name": "toolsmith-abuse-driver", "version": "0.1.0"}
        }
    })
    .to_string()
}

/// A `tools/call` request.
pub(crate) fn call_frame(id: u64, tool: &str, arguments: &Value) -> String {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}
    })
    .to_string()
}

/// Read the JSON-RPC response with `id` from a POST's answer (a JSON body or an SSE stream);
/// an HTTP error status is an `Err` naming it.
pub(crate) async fn read_response(resp: reqwest::Response, id: u64) -> Result<Value, String> {
    let status = resp.status();
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        return Err(format!("HTTP {}: {:.200}", status.as_u16(), body.trim()));
    }
    let sse = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    let is_answer =
        |v: &Value| v.get("id").and_then(Value::as_u64) == Some(id) && v.get("method").is_none();
    if !sse {
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| format!("bad JSON: {e}"))?;
        return if is_answer(&v) {
            Ok(v)
        } else {
            Err(format!("not the response: {v:.200}"))
        };
    }
    let mut stream = resp.bytes_stream();
    let mut pending: Vec<u8> = Vec::new();
    let mut data = String::new();
    while let Some(chunk) = stream.next().await {
        pending.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(d) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            } else if line.is_empty() && !data.is_empty() {
                let event = std::mem::take(&mut data);
                if let Ok(v) = serde_json::from_str::<Value>(&event) {
                    if is_answer(&v) {
                        return Ok(v);
                    }
                }
            }
        }
    }
    Err("the SSE stream ended without the response".into())
}

impl Session {
    /// `initialize` and `notifications/initialized` on `client`.
    pub(crate) async fn open(
        client: reqwest::Client,
        url: &str,
        sampling: bool,
    ) -> Result<Self, String> {
        let resp = post(&client, url, None, initialize_frame(0, sampling))
            .send()
            .await
            .map_err(|e| format!("initialize: {e}"))?;
        let id = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        read_response(resp, 0)
            .await
            .map_err(|e| format!("initialize: {e}"))?;
        let id = id.ok_or("initialize: no Mcp-Session-Id header")?;
        let resp = post(
            &client,
            url,
            Some(&id),
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.into(),
        )
        .send()
        .await
        .map_err(|e| format!("notifications/initialized: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!(
                "notifications/initialized: HTTP {}",
                resp.status().as_u16()
            ));
        }
        let _ = resp.bytes().await;
        Ok(Session {
            client,
            url: url.to_owned(),
            id,
        })
    }

    /// Call `tool` and wait for its response (a JSON-RPC error is an `Err` quoting it).
    pub(crate) async fn call(
        &self,
        id: u64,
        tool: &str,
        arguments: &Value,
    ) -> Result<Value, String> {
        let resp = post(
            &self.client,
            &self.url,
            Some(&self.id),
            call_frame(id, tool, arguments),
        )
        .send()
        .await
        .map_err(|e| format!("tools/call: {e}"))?;
        let v = read_response(resp, id).await?;
        match v.get("error") {
            Some(e) => Err(format!("tools/call: JSON-RPC error {e:.200}")),
            None => Ok(v),
        }
    }
}

/// What happened to the innocent caller: a new session, then one trivial tool call.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    /// Whether the call was answered with a result within the cap.
    pub(crate) answered: bool,
    /// Time to the `initialize` answer (and `notifications/initialized` accepted), ms.
    pub(crate) init_ms: Option<f64>,
    /// Time from the call to its answer, ms.
    pub(crate) call_ms: Option<f64>,
    /// Time from the start to the answer, or to the failure, or the cap, ms.
    pub(crate) total_ms: f64,
    /// Why it was not answered.
    pub(crate) error: Option<String>,
}

impl Probe {
    /// The probe as JSON.
    pub(crate) fn json(&self) -> Value {
        json!({
            "answered": self.answered,
            "init_ms": self.init_ms.map(round1),
            "call_ms": self.call_ms.map(round1),
            "total_ms": round1(self.total_ms),
            "error": self.error,
        })
    }

    /// One phrase for the summary.
    pub(crate) fn describe(&self) -> String {
        match &self.error {
            None => format!("answered in {:.0} ms", self.total_ms),
            Some(e) => format!("NOT answered after {:.0} ms ({e})", self.total_ms),
        }
    }
}

/// Rounded to 0.1 (for reports).
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The innocent caller: a fresh client from `from` opens a session and calls `tool` with
/// `arguments`; all of it within `cap`.
pub(crate) async fn probe(
    from: IpAddr,
    url: &str,
    tool: &str,
    arguments: &Value,
    cap: Duration,
) -> Probe {
    let t0 = Instant::now();
    let mut init_ms = None;
    let mut call_ms = None;
    let run = async {
        let session = Session::open(fresh_client(from), url, false).await?;
        init_ms = Some(t0.elapsed().as_secs_f64() * 1e3);
        let t1 = Instant::now();
        session.call(1, tool, arguments).await?;
        call_ms = Some(t1.elapsed().as_secs_f64() * 1e3);
        Ok::<_, String>(())
    };
    let error = match tokio::time::timeout(cap, run).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!("no answer within {} s", cap.as_secs())),
    };
    Probe {
        answered: error.is_none(),
        init_ms,
        call_ms,
        total_ms: t0.elapsed().as_secs_f64() * 1e3,
        error,
    }
}
