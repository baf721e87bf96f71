//! The client's streamable HTTP transport: it turns HTTP into the same stream of JSON-RPC
//! messages the stdio transport produces, so the [`Connection`] (pending requests, handlers,
//! progress, logs) works unchanged.
//!
//! - Each frame the connection queues is POSTed. A request's answer is read as JSON or as an
//!   SSE stream whose every message (notifications, server-to-client requests, the response)
//!   goes to the connection, in order. A stream that breaks before the response is resumed
//!   with GET and `Last-Event-ID`.
//! - Notifications and responses (answers to the server's requests) are POSTed in order and
//!   expect `202 Accepted`.
//! - Handshake era: the `Mcp-Session-Id` of the `initialize` response and the negotiated
//!   `MCP-Protocol-Version` go on every later message; a GET stream carries messages not tied
//!   to a request (`405` tolerated); closing DELETEs the session.
//! - Protocol 2026-07-28: requests carry `MCP-Protocol-Version` (from their `_meta`),
//!   `Mcp-Method` and `Mcp-Name`; no session, no GET; cancelling closes the request's stream.

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use tokio::task::AbortHandle;

use super::connection::{Connection, TransportFailure};
use super::era::META_VERSION;
use super::error::ClientError;
use super::param_headers::{designated, headers as param_headers, ParamHeader};
use super::sse::{SseParser, TooLarge};
use crate::jsonrpc::{parse_frame, Message, Request, RequestId, Response};
use crate::transport::{Endpoint, FrameReceiver};

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";
const METHOD_HEADER: &str = "mcp-method";
const NAME_HEADER: &str = "mcp-name";
const LAST_EVENT_HEADER: &str = "last-event-id";

/// How long to wait before reconnecting when the server gave no `retry:` advice.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// The longest `retry:` honoured.
const MAX_RETRY: Duration = Duration::from_secs(10);
/// Reconnection attempts in a row (without a message in between) before giving up.
const MAX_RECONNECTS: u32 = 5;

/// Settings the builder passes on.
pub(crate) struct HttpOptions {
    pub headers: HeaderMap,
    pub max_message_bytes: usize,
    /// Bounds the POST of a notification or a response.
    pub message_timeout: Duration,
    /// Bounds the DELETE on close.
    pub close_timeout: Duration,
}

/// The HTTP side of one client: where to send, and the session state.
pub(crate) struct HttpTransport {
    url: reqwest::Url,
    http: reqwest::Client,
    options: HttpOptions,
    session: Mutex<Option<String>>,
    /// The negotiated handshake-era version, sent as `MCP-Protocol-Version` once known.
    version: Mutex<Option<String>>,
    /// Request POSTs under way (their answer not yet read), by request id.
    in_flight: Mutex<HashMap<RequestId, AbortHandle>>,
    standalone: Mutex<Option<AbortHandle>>,
    /// The arguments each listed tool mirrors into `Mcp-Param-*` headers (2026-07-28).
    tool_params: Mutex<HashMap<String, Vec<ParamHeader>>>,
}

/// The stateless era's routing headers of one request.
#[derive(Debug, Clone, PartialEq)]
struct Routing {
    version: String,
    method: String,
    name: Option<String>,
    /// `Mcp-Param-*` headers (a `tools/call` of a tool that designates arguments).
    params: Vec<(String, String)>,
}

impl Routing {
    /// A request whose `_meta` names a protocol version travels with that version's headers.
    fn of(req: &Request) -> Option<Routing> {
        let params = req.params.as_ref()?;
        let version = params.get("_meta")?.get(META_VERSION)?.as_str()?;
        let field = match req.method.as_str() {
            "tools/call" | "prompts/get" => Some("name"),
            "resources/read" => Some("uri"),
            _ => None,
        };
        Some(Routing {
            version: version.to_owned(),
            method: req.method.clone(),
            name: field
                .and_then(|f| params.get(f))
                .and_then(Value::as_str)
                .map(header_safe),
            params: Vec::new(),
        })
    }
}

/// A header value for `value`: as is when it is plain visible ASCII (spaces inside allowed),
/// else the spec's Base64 sentinel form `=?base64?...?=` (also for values that look like it).
pub(crate) fn header_safe(value: &str) -> String {
    let sentinel = value.starts_with("=?base64?") && value.ends_with("?=");
    let plain = !value.is_empty()
        && value.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !sentinel;
    if plain {
        value.to_owned()
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
        format!("=?base64?{encoded}?=")
    }
}

/// An error with its causes, since reqwest's own message leaves out why a connection failed.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn failure(status: Option<StatusCode>, reason: impl Into<String>) -> TransportFailure {
    TransportFailure {
        status: status.map(|s| s.as_u16()),
        reason: reason.into(),
    }
}

fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("text/event-stream")
        })
}

/// Where a stream got to: the last event id seen and the server's reconnection advice.
#[derive(Default)]
struct Cursor {
    last_event_id: Option<String>,
    retry: Option<Duration>,
}

impl Cursor {
    fn delay(&self) -> Duration {
        self.retry.unwrap_or(DEFAULT_RETRY).min(MAX_RETRY)
    }
}

/// How reading a stream ended.
enum Pumped {
    /// The response to the request the stream belongs to arrived.
    Answered,
    /// The stream ended (or broke) first.
    Ended {
        delivered: usize,
        error: Option<String>,
    },
    /// The stream cannot be read on (an oversized event).
    Failed(String),
}

impl HttpTransport {
    pub(crate) fn new(url: &str, options: HttpOptions) -> Result<Arc<Self>, ClientError> {
        let url = reqwest::Url::parse(url).map_err(|e| {
            ClientError::InvalidArgument(format!("`{url}` is not a valid URL: {e}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ClientError::InvalidArgument(format!(
                "`{url}` is not an http or https URL"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| {
                ClientError::InvalidArgument(format!(
                    "the HTTP client could not be built: {}",
                    describe(&e)
                ))
            })?;
        Ok(Arc::new(HttpTransport {
            url,
            http,
            options,
            session: Mutex::new(None),
            version: Mutex::new(None),
            in_flight: Mutex::new(HashMap::new()),
            standalone: Mutex::new(None),
            tool_params: Mutex::new(HashMap::new()),
        }))
    }

    /// Keep the tools whose `x-mcp-header` designations are valid, recording them for
    /// [`routing`](Self::routing); leave out (with a warning) those that are not.
    pub(crate) fn admit_tools(&self, tools: &mut Vec<crate::protocol::Tool>) {
        let mut known = self.tool_params.lock().expect("tool params lock");
        tools.retain(|tool| match designated(&tool.input_schema) {
            Ok(params) => {
                known.insert(tool.name.clone(), params);
                true
            }
            Err(reason) => {
                tracing::warn!(tool = %tool.name, reason, "tool left out: invalid `x-mcp-header`");
                known.remove(&tool.name);
                false
            }
        });
    }

    /// The 2026-07-28 routing headers of `req`, with the `Mcp-Param-*` headers of a `tools/call`
    /// whose tool was listed.
    fn routing(&self, req: &Request) -> Option<Routing> {
        let mut routing = Routing::of(req)?;
        if req.method == "tools/call" {
            let params = req.params.as_ref()?;
            let known = self.tool_params.lock().expect("tool params lock");
            if let Some(designated) = params
                .get("name")
                .and_then(Value::as_str)
                .and_then(|name| known.get(name))
            {
                let arguments = params.get("arguments").unwrap_or(&Value::Null);
                routing.params = param_headers(designated, arguments);
            }
        }
        Some(routing)
    }

    /// Forget the session (the server ended it): later messages go without its headers until a
    /// new `initialize` assigns one, and its GET stream stops.
    pub(crate) fn forget_session(&self) {
        self.session.lock().expect("session lock").take();
        if let Some(task) = self.standalone.lock().expect("standalone lock").take() {
            task.abort();
        }
    }

    /// The session the server assigned at `initialize`, while it lasts.
    pub(crate) fn session_id(&self) -> Option<String> {
        self.session.lock().expect("session lock").clone()
    }

    /// Send `MCP-Protocol-Version: version` on every later message of the session.
    pub(crate) fn set_protocol_version(&self, version: &str) {
        *self.version.lock().expect("version lock") = Some(version.to_owned());
    }

    /// The session's headers (handshake era).
    fn with_session(&self, mut builder: RequestBuilder) -> RequestBuilder {
        if let Some(s) = self.session_id() {
            builder = builder.header(SESSION_HEADER, s);
        }
        if let Some(v) = self.version.lock().expect("version lock").clone() {
            builder = builder.header(VERSION_HEADER, v);
        }
        builder
    }

    fn post(&self, body: String, routing: Option<&Routing>) -> RequestBuilder {
        let builder = self
            .http
            .post(self.url.clone())
            .headers(self.options.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .body(body);
        match routing {
            Some(r) => {
                let mut b = builder
                    .header(VERSION_HEADER, &r.version)
                    .header(METHOD_HEADER, &r.method);
                if let Some(name) = &r.name {
                    b = b.header(NAME_HEADER, name);
                }
                for (header, value) in &r.params {
                    b = b.header(header, value);
                }
                b
            }
            None => self.with_session(builder),
        }
    }

    fn get(&self, last_event_id: Option<&str>) -> RequestBuilder {
        let mut builder = self
            .http
            .get(self.url.clone())
            .headers(self.options.headers.clone())
            .header(ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            builder = builder.header(LAST_EVENT_HEADER, id);
        }
        self.with_session(builder)
    }

    /// Start POSTing a request; its answer is read on its own task.
    fn spawn_request(self: &Arc<Self>, connection: &Arc<Connection>, req: Request, frame: String) {
        let transport = Arc::clone(self);
        let connection = Arc::clone(connection);
        let id = req.id.clone();
        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
        // Spawned while the map is locked, so the task's own removal comes after the insert.
        let task = tokio::spawn(async move {
            let outcome = transport.exchange(&connection, &req, frame).await;
            transport
                .in_flight
                .lock()
                .expect("in-flight lock")
                .remove(&req.id);
            if let Err(f) = outcome {
                tracing::debug!(id = %req.id, method = req.method, reason = f.reason, "HTTP request failed");
                connection.fail_request(&req.id, f);
            }
        });
        in_flight.insert(id, task.abort_handle());
    }

    /// POST one request and deliver everything its answer carries.
    async fn exchange(
        &self,
        connection: &Arc<Connection>,
        req: &Request,
        frame: String,
    ) -> Result<(), TransportFailure> {
        let routing = self.routing(req);
        let response = self
            .post(frame, routing.as_ref())
            .send()
            .await
            .map_err(|e| {
                failure(
                    None,
                    format!("could not reach {}: {}", self.url, describe(&e)),
                )
            })?;
        let status = response.status();
        if req.method == "initialize" && status.is_success() {
            if let Some(s) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                *self.session.lock().expect("session lock") = Some(s.to_owned());
            }
        }
        if status == StatusCode::ACCEPTED {
            return Err(failure(
                Some(status),
                "the server accepted the request but sent no answer",
            ));
        }
        if status.is_success() && is_event_stream(&response) {
            return self.follow(connection, &req.id, response).await;
        }
        let body = self
            .read_body(response)
            .await
            .map_err(|e| failure(Some(status), e))?;
        let message = std::str::from_utf8(&body)
            .ok()
            .and_then(|t| parse_frame(t).ok());
        match message {
            // The answer, whatever the status (the stateless era answers errors with 4xx).
            Some(Message::Response(r)) if r.id.as_ref() == Some(&req.id) => {
                connection.on_message(Message::Response(r));
                Ok(())
            }
            Some(Message::Response(Response {
                outcome: Err(e), ..
            })) => Err(failure(Some(status), e.to_string())),
            _ if !status.is_success() => {
                let text = String::from_utf8_lossy(&body);
                let text = text.trim();
                Err(failure(
                    Some(status),
                    if text.is_empty() {
                        format!("the server answered {status}")
                    } else {
                        format!("the server answered {status}: {}", snippet(text))
                    },
                ))
            }
            _ => Err(failure(
                Some(status),
                "the server's response is not an answer to the request",
            )),
        }
    }

    /// Read a request's SSE stream to its response, resuming it with `Last-Event-ID` when it
    /// breaks first.
    async fn follow(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        response: reqwest::Response,
    ) -> Result<(), TransportFailure> {
        let mut cursor = Cursor::default();
        let mut response = response;
        let mut attempts = 0;
        loop {
            let (delivered, error) =
                match self.pump(connection, response, Some(id), &mut cursor).await {
                    Pumped::Answered => return Ok(()),
                    Pumped::Failed(reason) => return Err(failure(None, reason)),
                    Pumped::Ended { delivered, error } => (delivered, error),
                };
            let why = error.map(|e| format!(" ({e})")).unwrap_or_default();
            let Some(last) = cursor.last_event_id.clone() else {
                return Err(failure(
                    None,
                    format!("the response stream ended before the response{why}"),
                ));
            };
            if delivered > 0 {
                attempts = 0;
            }
            tracing::debug!(%id, last_event_id = last, "the response stream ended early{why}; resuming");
            response = loop {
                attempts += 1;
                if attempts > MAX_RECONNECTS {
                    return Err(failure(
                        None,
                        format!(
                            "the response stream ended before the response{why}, and \
                             {MAX_RECONNECTS} attempts to resume it after event `{last}` failed"
                        ),
                    ));
                }
                tokio::time::sleep(cursor.delay()).await;
                match self.get(Some(&last)).send().await {
                    Ok(r) if r.status().is_success() && is_event_stream(&r) => break r,
                    Ok(r) => {
                        let status = r.status();
                        return Err(failure(
                            Some(status),
                            format!(
                                "the response stream ended before the response{why}, and the \
                                 server refused to resume it after event `{last}` ({status})"
                            ),
                        ));
                    }
                    Err(e) => {
                        tracing::debug!(error = describe(&e), "resuming failed; trying again")
                    }
                }
            };
        }
    }

    /// Deliver a stream's messages to the connection, in order, until it ends or, when
    /// `answers` is set, until the response to that request went by.
    async fn pump(
        &self,
        connection: &Arc<Connection>,
        response: reqwest::Response,
        answers: Option<&RequestId>,
        cursor: &mut Cursor,
    ) -> Pumped {
        let mut body = response.bytes_stream();
        let mut parser = SseParser::new(self.options.max_message_bytes);
        let mut events = Vec::new();
        let mut delivered = 0;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    return Pumped::Ended {
                        delivered,
                        error: Some(describe(&e)),
                    }
                }
            };
            if let Err(TooLarge(max)) = parser.feed(&chunk, &mut events) {
                return Pumped::Failed(format!(
                    "the server sent an event larger than the {max}-byte message limit"
                ));
            }
            for event in events.drain(..) {
                if let Some(id) = event.id {
                    cursor.last_event_id = Some(id);
                }
                if let Some(ms) = event.retry {
                    cursor.retry = Some(Duration::from_millis(ms));
                }
                if event.data.trim().is_empty() {
                    continue; // a priming event
                }
                delivered += 1;
                match parse_frame(&event.data) {
                    Ok(message) => {
                        let answered = matches!(
                            (&message, answers),
                            (Message::Response(r), Some(id)) if r.id.as_ref() == Some(id)
                        );
                        connection.on_message(message);
                        if answered {
                            return Pumped::Answered;
                        }
                    }
                    Err(e) => connection.on_frame_error(e),
                }
            }
        }
        Pumped::Ended {
            delivered,
            error: None,
        }
    }

    async fn read_body(&self, response: reqwest::Response) -> Result<Vec<u8>, String> {
        let max = self.options.max_message_bytes;
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk =
                chunk.map_err(|e| format!("reading the response failed: {}", describe(&e)))?;
            if body.len() + chunk.len() > max {
                return Err(format!(
                    "the response is larger than the {max}-byte message limit"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// POST a notification or a response; the server answers `202 Accepted`.
    async fn send_message(&self, frame: String) {
        let sent = self
            .post(frame, None)
            .timeout(self.options.message_timeout)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                tracing::warn!(%status, body = snippet(&body), "the server refused a message");
            }
            Err(e) => tracing::warn!(error = describe(&e), "a message could not be sent"),
        }
    }

    /// Open the session's GET stream for messages not tied to a request (handshake era). A
    /// server without one (`405`) is fine; a stream that ends is reopened after the server's
    /// `retry` advice, from the last event seen.
    ///
    /// Resolves once the server has answered the first GET (or after a few seconds), so that
    /// what the server sends on that stream right after the handshake (a request made by a
    /// tool the client calls next, say) is not sent before the stream exists.
    pub(crate) async fn open_standalone(self: &Arc<Self>, connection: Arc<Connection>) {
        const OPEN_WAIT: Duration = Duration::from_secs(5);
        let transport = Arc::clone(self);
        let (opened_tx, opened) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut opened_tx = Some(opened_tx);
            let mut cursor = Cursor::default();
            let mut failures = 0;
            loop {
                let last = cursor.last_event_id.clone();
                let answered = transport.get(last.as_deref()).send().await;
                if let Some(tx) = opened_tx.take() {
                    let _ = tx.send(());
                }
                match answered {
                    Ok(r) if r.status() == StatusCode::METHOD_NOT_ALLOWED => {
                        tracing::debug!("the server offers no GET stream");
                        return;
                    }
                    Ok(r) if r.status().is_success() && is_event_stream(&r) => {
                        failures = 0;
                        if let Pumped::Failed(reason) =
                            transport.pump(&connection, r, None, &mut cursor).await
                        {
                            tracing::warn!(reason, "the GET stream failed");
                            return;
                        }
                    }
                    Ok(r) => {
                        tracing::debug!(status = %r.status(), "the GET stream was refused");
                        return;
                    }
                    Err(e) => {
                        failures += 1;
                        if failures > MAX_RECONNECTS {
                            tracing::warn!(error = describe(&e), "giving up on the GET stream");
                            return;
                        }
                    }
                }
                if connection.is_closed() {
                    return;
                }
                tokio::time::sleep(cursor.delay()).await;
            }
        });
        *self.standalone.lock().expect("standalone lock") = Some(task.abort_handle());
        // An error means the task ended first: nothing to wait for.
        let _ = tokio::time::timeout(OPEN_WAIT, opened).await;
    }

    /// Stop reading a request's answer (protocol 2026-07-28: that is its cancellation).
    fn abandon(&self, id: &RequestId) {
        if let Some(task) = self.in_flight.lock().expect("in-flight lock").remove(id) {
            task.abort();
        }
    }

    /// Stop every stream, then end the session (DELETE; `405` is fine).
    async fn shut_down(&self) {
        if let Some(task) = self.standalone.lock().expect("standalone lock").take() {
            task.abort();
        }
        let running: Vec<AbortHandle> = self
            .in_flight
            .lock()
            .expect("in-flight lock")
            .drain()
            .map(|(_, h)| h)
            .collect();
        running.iter().for_each(AbortHandle::abort);
        let Some(session) = self.session_id() else {
            return;
        };
        let deleted = self
            .with_session(
                self.http
                    .delete(self.url.clone())
                    .headers(self.options.headers.clone()),
            )
            .timeout(self.options.close_timeout)
            .send()
            .await;
        self.session.lock().expect("session lock").take();
        match deleted {
            Ok(r) if r.status().is_success() => tracing::debug!(session, "session ended"),
            Ok(r) if r.status() == StatusCode::METHOD_NOT_ALLOWED => {
                tracing::debug!(session, "the server does not let clients end sessions")
            }
            Ok(r) => tracing::debug!(session, status = %r.status(), "ending the session failed"),
            Err(e) => tracing::debug!(session, error = describe(&e), "ending the session failed"),
        }
    }
}

/// At most 200 characters of `text`, for error messages.
fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(200).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// The transport's task: POST what the connection queues until it closes, then end the session
/// and tell the connection.
pub(crate) async fn serve(
    transport: Arc<HttpTransport>,
    connection: Arc<Connection>,
    mut outbox: FrameReceiver,
) -> std::io::Result<()> {
    while let Some(frame) = outbox.recv().await {
        let message = match parse_frame(&frame) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e.error, "an unreadable outgoing frame was dropped");
                continue;
            }
        };
        match message {
            Message::Request(req) => transport.spawn_request(&connection, req, frame),
            Message::Notification(n) if n.method == "notifications/cancelled" => {
                let id = n
                    .params
                    .as_ref()
                    .and_then(|p| p.get("requestId"))
                    .and_then(|v| serde_json::from_value::<RequestId>(v.clone()).ok());
                if let Some(id) = id {
                    transport.abandon(&id);
                }
                // Without a session (protocol 2026-07-28) closing the stream is the
                // cancellation; with one, the server is told.
                if transport.session_id().is_some() {
                    transport.send_message(frame).await;
                }
            }
            _ => transport.send_message(frame).await,
        }
    }
    transport.shut_down().await;
    connection.on_close().await;
    Ok(())
}

/// Extra headers for every HTTP message, checked.
pub(crate) fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), ClientError> {
    let n = HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| ClientError::InvalidArgument(format!("invalid header name `{name}`: {e}")))?;
    let v = HeaderValue::from_str(value).map_err(|e| {
        ClientError::InvalidArgument(format!("invalid value for header `{name}`: {e}"))
    })?;
    Ok((n, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_outside_plain_ascii_use_the_base64_sentinel() {
        assert_eq!(header_safe("get_weather"), "get_weather");
        assert_eq!(header_safe("file:///a b.txt"), "file:///a b.txt");
        assert_eq!(
            header_safe("Hello, 世界"),
            "=?base64?SGVsbG8sIOS4lueVjA==?="
        );
        assert_eq!(header_safe(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(header_safe("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            header_safe("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
    }

    #[test]
    fn routing_comes_from_the_envelope() {
        let req = |method: &str, params: Value| Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(params),
        };
        let meta = json!({META_VERSION: "2026-07-28"});
        assert_eq!(
            Routing::of(&req("tools/call", json!({"name": "t", "_meta": meta}))),
            Some(Routing {
                version: "2026-07-28".into(),
                method: "tools/call".into(),
                name: Some("t".into()),
                params: Vec::new(),
            })
        );
        let r = Routing::of(&req(
            "resources/read",
            json!({"uri": "x://é", "_meta": meta}),
        ))
        .unwrap();
        assert!(r.name.unwrap().starts_with("=?base64?"));
        let r = Routing::of(&req("tools/list", json!({"_meta": meta}))).unwrap();
        assert_eq!(r.name, None);
        // Handshake-era requests have no envelope: they travel with the session's headers.
        assert_eq!(Routing::of(&req("tools/call", json!({"name": "t"}))), None);
    }
}
