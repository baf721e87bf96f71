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

mod authorize;
mod routing;
mod stream;

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{RequestBuilder, StatusCode};
use tokio::task::AbortHandle;

use super::connection::{Connection, TransportFailure};
use super::error::ClientError;
use super::param_headers::ParamHeader;
use crate::jsonrpc::{parse_frame, Message, Request, RequestId, Response};
use crate::transport::{Endpoint, FrameReceiver};

pub(crate) use routing::header_safe;
use routing::Routing;

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
    /// The OAuth login, when the builder has one.
    #[cfg(feature = "auth")]
    pub auth: Option<Arc<crate::client::auth::OAuth>>,
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
        // Redirects are not followed: a redirect to another origin would carry the custom
        // headers (credentials), the session id and the request body there.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
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
        self.with_token(self.with_session(builder))
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
            .send_authorized(|| self.post(frame.clone(), routing.as_ref()))
            .await?;
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
        if status.is_redirection() {
            return Err(failure(Some(status), redirected(&response)));
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

    /// POST a notification or a response; the server answers `202 Accepted`.
    async fn send_message(&self, frame: String) {
        let sent = self
            .send_authorized(|| {
                self.post(frame.clone(), None)
                    .timeout(self.options.message_timeout)
            })
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                tracing::warn!(%status, body = snippet(&body), "the server refused a message");
            }
            Err(f) => tracing::warn!(error = f.reason, "a message could not be sent"),
        }
    }

    /// Stop reading a request's answer (protocol 2026-07-28: that is its cancellation).
    fn abandon(&self, id: &RequestId) {
        if let Some(task) = self.in_flight.lock().expect("in-flight lock").remove(id) {
            task.abort();
        }
    }

    /// Stop reading every stream: the GET stream and the answers of requests in flight.
    pub(crate) fn stop_streams(&self) {
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
    }

    /// Stop every stream, then end the session (DELETE; `405` is fine).
    async fn shut_down(&self) {
        self.stop_streams();
        let Some(session) = self.session_id() else {
            return;
        };
        let deleted = self
            .with_token(
                self.with_session(
                    self.http
                        .delete(self.url.clone())
                        .headers(self.options.headers.clone()),
                ),
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

/// Why a redirect was not followed, naming where it pointed.
fn redirected(response: &reqwest::Response) -> String {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|l| snippet(&String::from_utf8_lossy(l.as_bytes())));
    let status = response.status();
    match location {
        Some(l) => format!(
            "the server answered {status}, redirecting to `{l}`; this client does not follow \
             redirects (connect to that URL if it is meant)"
        ),
        None => format!("the server answered {status}; this client does not follow redirects"),
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
