//! The axum handlers: POST, GET and DELETE on the MCP endpoint.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures::StreamExt;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::config::HttpConfig;
use super::mirrored;
use super::security::Refusal;
use super::sessions::{HttpSession, Sessions};
use super::stream_log::{parse_event_id, StreamLog};
use crate::jsonrpc::{codes, parse_frame, ErrorObject, FrameError, Message, Request, RequestId};
use crate::protocol::SUPPORTED_PROTOCOL_VERSIONS;
use crate::server::{era, stateless, Outbox, ServerCore};
use crate::transport::AbortOnDrop;

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";

pub(crate) struct HttpState {
    core: Arc<ServerCore>,
    sessions: Sessions,
    config: HttpConfig,
    reaper_started: AtomicBool,
}

/// The MCP endpoint as an axum router (state included), ready to serve or nest.
pub(crate) fn router(core: Arc<ServerCore>, config: HttpConfig) -> Router {
    let body_limit = core.limits.max_message_bytes;
    let path = config.path.clone();
    let bearer = config.bearer.clone();
    let state = Arc::new(HttpState {
        core,
        sessions: Sessions::default(),
        config,
        reaper_started: AtomicBool::new(false),
    });
    let router = Router::new()
        .route(&path, post(on_post).get(on_get).delete(on_delete))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    match bearer {
        Some(auth) => router.layer(auth),
        None => router,
    }
}

/// An error response with a JSON-RPC error body.
fn error(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    let body = Message::error(None, ErrorObject::new(code, message)).to_json();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    header_str(headers, header::ACCEPT).is_some_and(|a| {
        a.split(',').any(|part| {
            let t = part.split(';').next().unwrap_or("").trim();
            t == mime || t == "*/*" || (t.ends_with("/*") && mime.starts_with(&t[..t.len() - 1]))
        })
    })
}

// The refusals are ready-made responses, returned as they are (hence the large `Err`s).
#[allow(clippy::result_large_err)]
impl HttpState {
    fn guard(&self, headers: &HeaderMap) -> Result<(), Response> {
        self.config.guard.check(headers).map_err(|r| match r {
            Refusal::Host(h) => error(
                StatusCode::FORBIDDEN,
                codes::INVALID_REQUEST,
                format!("forbidden: host `{h}` is not allowed"),
            ),
            Refusal::Origin(o) => error(
                StatusCode::FORBIDDEN,
                codes::INVALID_REQUEST,
                format!("forbidden: origin `{o}` is not allowed"),
            ),
        })
    }

    fn start_reaper(self: &Arc<Self>) {
        if self.reaper_started.swap(true, Ordering::Relaxed) {
            return;
        }
        let weak: Weak<HttpState> = Arc::downgrade(self);
        let timeout = self.config.session_idle_timeout;
        let every = (timeout / 4).clamp(
            std::time::Duration::from_millis(50),
            std::time::Duration::from_secs(30),
        );
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(state) = weak.upgrade() else { return };
                for s in state.sessions.expired(timeout) {
                    tracing::debug!(session = %s.id, "ending idle session");
                    state.sessions.remove(&s.id);
                    tokio::spawn(async move { s.session.close().await });
                }
            }
        });
    }

    /// The session named by the request's header, with its protocol version checked.
    fn session(&self, headers: &HeaderMap) -> Result<Arc<HttpSession>, Response> {
        let Some(id) = header_str(headers, SESSION_HEADER) else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST,
                "bad request: the Mcp-Session-Id header is required after initialization",
            ));
        };
        let Some(session) = self.sessions.get(id) else {
            return Err(error(
                StatusCode::NOT_FOUND,
                codes::INVALID_REQUEST,
                "session not found: it ended or never existed; initialize a new one",
            ));
        };
        if let Some(v) = headers.get(VERSION_HEADER) {
            let v = v.to_str().unwrap_or("");
            if !SUPPORTED_PROTOCOL_VERSIONS.contains(&v) {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    codes::INVALID_REQUEST,
                    format!(
                        "bad request: unsupported MCP-Protocol-Version `{v}` (supported: {})",
                        SUPPORTED_PROTOCOL_VERSIONS.join(", ")
                    ),
                ));
            }
        }
        session.touch();
        Ok(session)
    }
}

async fn on_post(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    state.start_reaper();
    if let Err(r) = state.guard(&headers) {
        return r;
    }
    let body = match body {
        Ok(b) => b,
        // Over the body limit (or unreadable): a JSON-RPC error like every other refusal.
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "message too large: the limit is {} bytes",
                    state.core.limits.max_message_bytes
                )
            } else {
                format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                )
            };
            return error(status, codes::INVALID_REQUEST, message);
        }
    };
    if !(accepts(&headers, "application/json") && accepts(&headers, "text/event-stream")) {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            codes::INVALID_REQUEST,
            "not acceptable: the Accept header must list application/json and text/event-stream",
        );
    }
    let json_body = header_str(&headers, header::CONTENT_TYPE).is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !json_body {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::INVALID_REQUEST,
            "unsupported media type: the body must be application/json",
        );
    }
    // One parse; a frame error keeps the id when it could be read, as on stdio.
    let parsed = match std::str::from_utf8(&body) {
        Err(e) => Err(FrameError {
            id: None,
            error: ErrorObject::new(
                codes::PARSE_ERROR,
                format!("parse error: the body is not valid UTF-8 ({e})"),
            ),
        }),
        Ok(text) => parse_frame(text),
    };
    let message = match parsed {
        Ok(m) => m,
        Err(e) => {
            let body = Message::error(e.id, e.error).to_json();
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
        }
    };

    if is_stateless(&headers, &message) {
        return stateless_post(&state, &headers, message).await;
    }

    if let Message::Request(req) = &message {
        if req.method == "initialize" {
            let Some(session) = state.sessions.create(
                Arc::clone(&state.core),
                state.config.max_replay_events,
                state.config.max_sessions,
            ) else {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    codes::INTERNAL_ERROR,
                    "too many sessions; try again later",
                );
            };
            let Message::Request(req) = message else {
                unreachable!()
            };
            let mut response = run_request(&session, req, &state.config).await;
            if response.status().is_success() && session.session.is_initialized() {
                response.headers_mut().insert(
                    SESSION_HEADER,
                    HeaderValue::from_str(&session.id).expect("hex ids are valid headers"),
                );
            } else {
                state.sessions.remove(&session.id);
            }
            return response;
        }
    }

    let session = match state.session(&headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match message {
        Message::Request(req) => run_request(&session, req, &state.config).await,
        Message::Notification(n) => {
            session.session.on_notification(n);
            StatusCode::ACCEPTED.into_response()
        }
        Message::Response(r) => {
            session.session.on_response(r);
            StatusCode::ACCEPTED.into_response()
        }
    }
}

/// The one decision of which era an HTTP message belongs to: no session, and a stateless-era
/// version header or a `_meta` envelope.
fn is_stateless(headers: &HeaderMap, message: &Message) -> bool {
    if headers.contains_key(SESSION_HEADER) {
        return false;
    }
    let has_meta = match message {
        Message::Request(r) => r.params.as_ref().is_some_and(|p| p.get("_meta").is_some()),
        _ => false,
    };
    match header_str(headers, VERSION_HEADER) {
        Some(v) if SUPPORTED_PROTOCOL_VERSIONS.contains(&v) => {
            has_meta && !matches!(message, Message::Request(r) if r.method == "initialize")
        }
        Some(_) => true,
        None => has_meta && matches!(message, Message::Request(r) if era::is_stateless(r)),
    }
}

/// The HTTP status of a stateless-era error.
fn stateless_status(code: i64) -> StatusCode {
    match code {
        codes::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        codes::INVALID_PARAMS
        | codes::INVALID_REQUEST
        | codes::PARSE_ERROR
        | era::codes::HEADER_MISMATCH
        | era::codes::MISSING_CLIENT_CAPABILITY
        | era::codes::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn stateless_error(id: RequestId, error: ErrorObject) -> Response {
    let status = stateless_status(error.code);
    let body = Message::error(Some(id), error).to_json();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `Mcp-Method` must name the body's method, `Mcp-Name` the tool, prompt or resource, and a
/// `tools/call`'s `Mcp-Param-*` headers the arguments its tool mirrors into headers.
fn check_routing_headers(
    headers: &HeaderMap,
    req: &Request,
    core: &ServerCore,
) -> Result<(), ErrorObject> {
    let mismatch = |m: String| ErrorObject::new(era::codes::HEADER_MISMATCH, m);
    match header_str(headers, "mcp-method") {
        Some(m) if m == req.method => {}
        Some(m) => {
            return Err(mismatch(format!(
                "the Mcp-Method header `{m}` does not match the method `{}`",
                req.method
            )))
        }
        None => return Err(mismatch("the Mcp-Method header is required".into())),
    }
    let field = match req.method.as_str() {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return Ok(()),
    };
    let params = req.params.as_ref();
    let Some(expected) = params.and_then(|p| p.get(field)).and_then(Value::as_str) else {
        return Ok(()); // the method's own validation names the missing field
    };
    let Some(sent) = headers.get("mcp-name") else {
        return Err(mismatch(
            "the Mcp-Name header is required for this method".into(),
        ));
    };
    match mirrored::decode(sent) {
        Ok(n) if n == expected => {}
        Ok(n) => {
            return Err(mismatch(format!(
                "the Mcp-Name header `{n}` does not match `{field}` `{expected}`"
            )))
        }
        Err(e) => return Err(mismatch(format!("the Mcp-Name header {e}"))),
    }
    if req.method == "tools/call" {
        if let Some(tool) = core.shared.registry().tool(expected) {
            let arguments = params.and_then(|p| p.get("arguments"));
            mirrored::check_params(headers, &tool.tool().input_schema, arguments)
                .map_err(mismatch)?;
        }
    }
    Ok(())
}

async fn stateless_post(state: &Arc<HttpState>, headers: &HeaderMap, message: Message) -> Response {
    let Message::Request(req) = message else {
        // Notifications and responses have no meaning without a session; accept and drop them.
        return StatusCode::ACCEPTED.into_response();
    };
    let envelope = match era::validate(&req, Some(header_str(headers, VERSION_HEADER))) {
        Ok(e) => e,
        Err(e) => return stateless_error(req.id, e),
    };
    if let Err(e) = check_routing_headers(headers, &req, &state.core) {
        return stateless_error(req.id, e);
    }
    let id = req.id.clone();
    let (sink, mut rx) = Outbox::channel();
    let cancel = tokio_util::sync::CancellationToken::new();
    let permit = if req.method == "subscriptions/listen" {
        None
    } else {
        Arc::clone(&state.core.request_permits)
            .acquire_owned()
            .await
            .ok()
    };
    let core = Arc::clone(&state.core);
    let task = tokio::spawn(async move {
        let _permit = permit;
        stateless::serve(core, req, envelope, sink, cancel).await
    });
    // Closing the response (stream) cancels the request.
    let guard = AbortOnDrop(task.abort_handle());
    let Some(first) = rx.recv().await else {
        return StatusCode::ACCEPTED.into_response();
    };
    if is_response_to(&first, &id) {
        let status = serde_json::from_str::<Value>(&first)
            .ok()
            .and_then(|v| v["error"]["code"].as_i64())
            .map_or(StatusCode::OK, stateless_status);
        return (status, [(header::CONTENT_TYPE, "application/json")], first).into_response();
    }
    // Notifications first: stream them, then the response, as SSE (no resumption in this era).
    let rest = futures::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        rx.recv().await.map(|m| (m, (rx, guard)))
    });
    let events = futures::stream::once(async move { first })
        .chain(rest)
        .map(|m| Ok::<_, Infallible>(Event::default().data(m)));
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: Option<&'a RawValue>,
}

/// True when `frame` is the response to `id` (nothing may follow it on this request's stream).
fn is_response_to(frame: &str, id: &RequestId) -> bool {
    let Ok(peek) = serde_json::from_str::<Peek<'_>>(frame) else {
        return false;
    };
    peek.method.is_none()
        && peek.id.is_some_and(|raw| {
            serde_json::from_str::<RequestId>(raw.get()).ok().as_ref() == Some(id)
        })
}

/// Serve one request: a plain JSON response when its first message is its response; an SSE
/// stream when the handler sends anything first (logs, progress, requests to the client).
async fn run_request(session: &Arc<HttpSession>, req: Request, config: &HttpConfig) -> Response {
    let id = req.id.clone();
    let (sink, mut rx) = Outbox::channel();
    let permits = session.session.admit_request(&req).await;
    session.session.on_request(req, sink, permits);
    let Some(first) = rx.recv().await else {
        // Cancelled before it produced anything.
        return StatusCode::ACCEPTED.into_response();
    };
    if is_response_to(&first, &id) {
        return ([(header::CONTENT_TYPE, "application/json")], first).into_response();
    }
    let log = session.new_stream();
    log.push(first);
    let pump = Arc::clone(&log);
    tokio::spawn(async move {
        // Keeps collecting even if the client disconnects: disconnecting is not cancelling, and
        // the client may resume with Last-Event-ID.
        while let Some(m) = rx.recv().await {
            pump.push(m);
        }
        pump.finish();
    });
    sse(log, 0, config, None)
}

/// Resets the "standalone stream is open" flag when a GET stream ends.
struct OpenFlag(Arc<HttpSession>);

impl Drop for OpenFlag {
    fn drop(&mut self) {
        self.0.standalone_open.store(false, Ordering::Relaxed);
    }
}

/// An SSE response carrying `log` after sequence `after`, preceded by a priming event (an id and
/// empty data) with the `retry` advice.
fn sse(
    log: Arc<StreamLog>,
    after: u64,
    config: &HttpConfig,
    cursor: Option<(Arc<AtomicU64>, OpenFlag)>,
) -> Response {
    let priming = Event::default()
        .id(log.event_id(after))
        .retry(config.sse_retry)
        .data("");
    let events_log = Arc::clone(&log);
    let events = log.subscribe(after).map(move |(seq, message)| {
        if let Some((cursor, _)) = &cursor {
            cursor.store(seq, Ordering::Relaxed);
        }
        Ok::<_, Infallible>(
            Event::default()
                .id(events_log.event_id(seq))
                .data(&*message),
        )
    });
    let stream = futures::stream::once(async move { Ok::<_, Infallible>(priming) }).chain(events);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// GET and DELETE do not exist in the stateless era.
fn stateless_only(headers: &HeaderMap) -> Option<Response> {
    let v = header_str(headers, VERSION_HEADER)?;
    (!headers.contains_key(SESSION_HEADER) && !SUPPORTED_PROTOCOL_VERSIONS.contains(&v)).then(
        || {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                codes::METHOD_NOT_FOUND,
                "method not allowed: protocol 2026-07-28 uses POST only",
            )
        },
    )
}

async fn on_get(State(state): State<Arc<HttpState>>, headers: HeaderMap) -> Response {
    if let Err(r) = state.guard(&headers) {
        return r;
    }
    if let Some(r) = stateless_only(&headers) {
        return r;
    }
    if !accepts(&headers, "text/event-stream") {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            codes::INVALID_REQUEST,
            "not acceptable: the Accept header must list text/event-stream",
        );
    }
    let session = match state.session(&headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(last) = header_str(&headers, "last-event-id") {
        let Some((stream, seq)) = parse_event_id(last) else {
            return error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST,
                format!("bad request: malformed Last-Event-ID `{last}`"),
            );
        };
        let Some(log) = session.stream(stream) else {
            return error(
                StatusCode::NOT_FOUND,
                codes::INVALID_REQUEST,
                format!("stream of event `{last}` is gone; it cannot be resumed"),
            );
        };
        return sse(log, seq, &state.config, None);
    }
    if session.standalone_open.swap(true, Ordering::Relaxed) {
        return error(
            StatusCode::CONFLICT,
            codes::INVALID_REQUEST,
            "conflict: this session already has an open GET stream",
        );
    }
    let after = session.standalone_cursor.load(Ordering::Relaxed);
    let flag = OpenFlag(Arc::clone(&session));
    sse(
        Arc::clone(&session.standalone),
        after,
        &state.config,
        Some((Arc::clone(&session.standalone_cursor), flag)),
    )
}

async fn on_delete(State(state): State<Arc<HttpState>>, headers: HeaderMap) -> Response {
    if let Err(r) = state.guard(&headers) {
        return r;
    }
    if let Some(r) = stateless_only(&headers) {
        return r;
    }
    let session = match state.session(&headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    state.sessions.remove(&session.id);
    session.session.close().await;
    StatusCode::OK.into_response()
}
