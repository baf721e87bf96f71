//! The axum handlers: POST, GET and DELETE on the MCP endpoint.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use futures::StreamExt;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;

use super::accept::{accepts, accepts_all};
use super::busy;
use super::config::HttpConfig;
use super::event_stream_body::{event_stream, message_event, KEEP_ALIVE};
use super::oauth::step_up;
use super::parts_headers::PartsHeaders;
use super::post_body::{self, BodyError};
pub(super) use super::response_to::is_response_to;
use super::security::Refusal;
use super::session_sync;
use super::sessions::{caller_key, Activity, HttpSession, Refused, Sessions};
use super::shutdown::Draining;
use super::sse::{sse, GetStream, OpenFlag};
use super::stream_log::parse_event_id;
use super::stream_resume;
use crate::auth::AuthInfo;
use crate::jsonrpc::{
    codes, read_frame, ErrorObject, FrameError, Incoming, Message, Request, RequestId,
};
use crate::protocol::codes::{
    HEADER_MISMATCH, MISSING_CLIENT_CAPABILITY, SERVER_BUSY, UNSUPPORTED_PROTOCOL_VERSION,
};
use crate::protocol::{Era, SESSION_HEADER, SUPPORTED_PROTOCOL_VERSIONS, VERSION_HEADER};
use crate::transport::{AbortOnDrop, Dispatch, Headers, Outbox, RequestFacts};

impl Headers for HeaderMap {
    fn get(&self, name: &str) -> Option<&[u8]> {
        HeaderMap::get(self, name).map(HeaderValue::as_bytes)
    }
}

pub(crate) struct HttpState {
    dispatch: Arc<dyn Dispatch>,
    sessions: Sessions,
    config: HttpConfig,
    reaper_started: AtomicBool,
}

/// The MCP endpoint as an axum router (state included), ready to serve or nest.
pub(crate) fn router(dispatch: Arc<dyn Dispatch>, config: HttpConfig) -> Router {
    let body_limit = dispatch.limits().max_message_bytes;
    let path = config.path.clone();
    let bearer = config.bearer.clone();
    let oauth = config.oauth.clone();
    let health_path = config.health_path.clone();
    let state = Arc::new(HttpState {
        dispatch,
        sessions: Sessions::new(config.max_replay_bytes),
        config,
        reaper_started: AtomicBool::new(false),
    });
    let router = Router::new()
        .route(&path, post(on_post).get(on_get).delete(on_delete))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    // The health endpoint goes next to the protection, not under it.
    let router = match (oauth, bearer) {
        (Some(oauth), _) => oauth.protect(router, &path),
        (None, Some(auth)) => router.layer(auth),
        (None, None) => router,
    };
    match &health_path {
        Some(health) => router.merge(super::health::router(health)),
        None => router,
    }
}

/// The answer to an `initialize` (request `id`) refused for the number of sessions: the "server
/// busy" error, a 503 with `Retry-After` the soonest an idle new session expires.
fn too_many_sessions(id: RequestId, refused: Refused, config: &HttpConfig) -> Response {
    let message = match refused {
        Refused::Full(max) => {
            format!("too many sessions: the server holds its most ({max}); try again later")
        }
        Refused::CallerFull(max) => format!(
            "too many sessions for this caller: it holds its most ({max}); end some with DELETE \
             or let them expire, then try again"
        ),
    };
    let retry = config
        .new_session_idle_timeout
        .min(config.session_idle_timeout);
    let data = serde_json::json!({ "retryAfter": retry.as_secs().max(1) });
    let busy = ErrorObject::new(SERVER_BUSY, message).with_data(data);
    super::busy::refusal(&Message::error(Some(id), busy).to_json())
        .expect("the busy error is a refusal")
}

/// An error response with a JSON-RPC error body.
pub(super) fn error(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    let body = Message::error(None, ErrorObject::new(code, message)).to_json();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(super) fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
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
        let every = Sessions::reap_every(&self.config);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(state) = weak.upgrade() else { return };
                state.sessions.reap(&state.config);
            }
        });
    }

    /// The session named by the request's header, with its protocol version checked, if
    /// `caller` (the authenticated caller, if any) is the one that opened it; revived from the
    /// session store (counted against `count_as`) when another replica opened it.
    async fn session(
        &self,
        headers: &dyn Headers,
        caller: Option<&str>,
        count_as: Option<String>,
    ) -> Result<Arc<HttpSession>, Response> {
        let Some(id) = headers.get_str(SESSION_HEADER) else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST,
                "bad request: the Mcp-Session-Id header is required after initialization",
            ));
        };
        let found = session_sync::find(
            &self.sessions,
            self.dispatch.as_ref(),
            &self.config,
            id,
            caller,
            count_as,
        )
        .await?;
        let Some(session) = found else {
            return Err(error(
                StatusCode::NOT_FOUND,
                codes::INVALID_REQUEST,
                "session not found: it ended or never existed; initialize a new one",
            ));
        };
        if headers.contains(VERSION_HEADER) {
            let v = headers.get_str(VERSION_HEADER).unwrap_or("");
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
        Ok(session)
    }
}

async fn on_post(
    State(state): State<Arc<HttpState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    auth: Option<Extension<Arc<AuthInfo>>>,
    request: axum::extract::Request,
) -> Response {
    // The head as it came (no copy), the body read as the `Bytes` extractor reads it.
    let (parts, body) = post_body::read(request).await;
    let parts = Arc::new(parts);
    let headers = &parts.headers;
    state.start_reaper();
    if let Err(r) = state.guard(headers) {
        return r;
    }
    let body = match body {
        Ok(b) => b,
        // Over the body limit (or unreadable): a JSON-RPC error like every other refusal.
        Err(BodyError::TooLarge) => {
            let message = format!(
                "message too large: the limit is {} bytes",
                state.dispatch.limits().max_message_bytes
            );
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::INVALID_REQUEST,
                message,
            );
        }
        Err(BodyError::Unreadable(text)) => {
            let message = format!("the request body could not be read: {text}");
            return error(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message);
        }
    };
    if !accepts_all(headers, ["application/json", "text/event-stream"]) {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            codes::INVALID_REQUEST,
            "not acceptable: the Accept header must list application/json and text/event-stream",
        );
    }
    let json_body = header_str(headers, header::CONTENT_TYPE).is_some_and(|c| {
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
        Ok(text) => read_frame(text),
    };
    // A success response keeps its result as the frame's text (`answer`), delivered so to its
    // session; the message routing it stands for it with a null result.
    let (message, answer) = match parsed {
        Ok(Incoming::Message(m)) => (m, None),
        Ok(Incoming::Answer(a)) => (Message::result(a.id.clone(), Value::Null), Some(a)),
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

    let auth = auth.map(|Extension(a)| a);
    let facts = RequestFacts {
        headers: Some(Box::new(PartsHeaders(Arc::clone(&parts)))),
        peer_addr: peer.map(|Extension(ConnectInfo(addr))| addr),
        caller: auth.as_ref().map(|a| a.subject.clone()),
        auth,
        request: Some(parts),
    };
    let era = state.dispatch.era(&message, &facts);
    // A stateless-era request outside a session is served on its own; everything else belongs
    // to a session, an existing one or the one it opens.
    if era == Era::Stateless && !facts.contains(SESSION_HEADER) {
        return stateless_post(&state, facts, message).await;
    }
    if state.dispatch.opens_session(&message) {
        let Message::Request(req) = message else {
            return error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST,
                "bad request: only a request can open a session",
            );
        };
        let session = match state.sessions.create(
            state.dispatch.as_ref(),
            caller_key(&facts),
            &state.config,
            None,
        ) {
            Ok(session) => session,
            Err(refused) => return too_many_sessions(req.id, refused, &state.config),
        };
        let _ = session.owner.set(facts.caller.clone());
        let mut response = run_request(&session, req, era, facts, &state.config).await;
        let mut opened = response.status().is_success() && session.session.is_open();
        if opened {
            if let Err(refusal) = session_sync::save(&state.config, &session).await {
                tokio::spawn(Arc::clone(&session.session).close());
                (response, opened) = (refusal, false);
            }
        }
        if opened {
            response.headers_mut().insert(
                SESSION_HEADER,
                HeaderValue::from_str(&session.id).expect("hex ids are valid headers"),
            );
        } else {
            state.sessions.remove(&session.id);
        }
        return response;
    }

    // Whom a session revived from the store counts against: only a store revives one, so the
    // key (formatted per request otherwise) is built only with a store.
    let count_as = state
        .config
        .session_store
        .as_ref()
        .and_then(|_| caller_key(&facts));
    let found = state.session(&facts, facts.caller.as_deref(), count_as);
    let session = match found.await {
        Ok(s) => s,
        Err(r) => return r,
    };
    session.note(match &message {
        Message::Request(_) => Activity::Request,
        Message::Notification(_) => Activity::Notification,
        Message::Response(_) => Activity::Response,
    });
    let response = match message {
        Message::Request(req) => run_request(&session, req, era, facts, &state.config).await,
        Message::Notification(n) => {
            session.session.notification(n);
            StatusCode::ACCEPTED.into_response()
        }
        Message::Response(r) => {
            match answer {
                Some(a) => session.session.answer(a),
                None => session.session.response(r),
            }
            StatusCode::ACCEPTED.into_response()
        }
    };
    // Changed facts (answered inline, so already applied) reach the store before the client
    // hears the answer; a failure to write them is the answer then.
    match session_sync::save(&state.config, &session).await {
        Ok(()) => response,
        Err(refusal) => refusal,
    }
}

/// The HTTP status of a stateless-era error.
fn stateless_status(code: i64) -> StatusCode {
    match code {
        codes::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        codes::INVALID_PARAMS
        | codes::INVALID_REQUEST
        | codes::PARSE_ERROR
        | HEADER_MISMATCH
        | MISSING_CLIENT_CAPABILITY
        | UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Serve a stateless-era message outside any session: one request, its messages streamed as SSE
/// when anything precedes its response.
async fn stateless_post(state: &Arc<HttpState>, facts: RequestFacts, message: Message) -> Response {
    let Message::Request(req) = message else {
        // Notifications and responses have no meaning without a session; accept and drop them.
        return StatusCode::ACCEPTED.into_response();
    };
    let id = req.id.clone();
    let (sink, mut rx) = Outbox::channel();
    let task = tokio::spawn(state.dispatch.serve_stateless(req, facts, sink));
    // Closing the response (stream) cancels the request.
    let guard = AbortOnDrop(task.abort_handle());
    let Some(first) = rx.recv().await else {
        return StatusCode::ACCEPTED.into_response();
    };
    if is_response_to(&first, &id) {
        if let Some(busy) = busy::refusal(&first) {
            return busy;
        }
        if let Some(refusal) = step_up(&first, state.config.oauth.as_ref()) {
            return refusal;
        }
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
        .map(|m| message_event(None, &m));
    event_stream(events, KEEP_ALIVE)
}

/// Serve one request: a plain JSON response when its first message is its response; an SSE
/// stream when the handler sends anything first (logs, progress, requests to the client).
async fn run_request(
    session: &Arc<HttpSession>,
    req: Request,
    era: Era,
    facts: RequestFacts,
    config: &HttpConfig,
) -> Response {
    let id = req.id.clone();
    let (sink, mut rx) = Outbox::channel();
    Arc::clone(&session.session)
        .request(req, era, facts, sink)
        .await;
    let Some(first) = rx.recv().await else {
        // Cancelled before it produced anything.
        return StatusCode::ACCEPTED.into_response();
    };
    if is_response_to(&first, &id) {
        if let Some(busy) = busy::refusal(&first) {
            return busy;
        }
        if let Some(refusal) = step_up(&first, config.oauth.as_ref()) {
            return refusal;
        }
        return ([(header::CONTENT_TYPE, "application/json")], first).into_response();
    }
    let log = session.new_stream();
    if config.event_store.is_some() {
        let (session_id, pump) = (session.id.clone(), Arc::clone(&log));
        tokio::spawn(stream_resume::pump(
            config.clone(),
            session_id,
            pump,
            id,
            first,
            rx,
        ));
    } else {
        // In the log before the response starts, so the priming event and this one go out in
        // one write.
        log.push(first);
        tokio::spawn(stream_resume::forward(Arc::clone(&log), rx));
    }
    sse(log, 0, config, session.ended.clone(), None)
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

async fn on_get(
    State(state): State<Arc<HttpState>>,
    auth: Option<Extension<Arc<AuthInfo>>>,
    draining: Option<Extension<Draining>>,
    headers: HeaderMap,
) -> Response {
    let draining = draining.map(|Extension(d)| d);
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
    let caller = auth.as_ref().map(|Extension(a)| a.subject.as_str());
    let session = match state
        .session(&headers, caller, caller.map(str::to_owned))
        .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut after = None;
    if let Some(last) = header_str(&headers, "last-event-id") {
        let Some((stream, seq)) = parse_event_id(last) else {
            return error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST,
                format!("bad request: malformed Last-Event-ID `{last}`"),
            );
        };
        let Some(log) = session.stream(stream) else {
            let get = GetStream {
                draining,
                ..GetStream::default()
            };
            return stream_resume::from_store(&state.config, &session, last, (stream, seq), get)
                .await;
        };
        if !log.holds_all_after(seq) {
            return error(
                StatusCode::NOT_FOUND,
                codes::INVALID_REQUEST,
                format!(
                    "events after `{last}` were dropped (the replay buffer's bound); the stream \
                     cannot be resumed without loss"
                ),
            );
        }
        if stream != 0 {
            let get = GetStream {
                draining,
                ..GetStream::default()
            };
            return sse(log, seq, &state.config, session.ended.clone(), Some(get));
        }
        after = Some(seq);
    }
    // The standalone stream: one GET at a time, continuing where the last one stopped.
    if session.standalone_open.swap(true, Ordering::Relaxed) {
        return error(
            StatusCode::CONFLICT,
            codes::INVALID_REQUEST,
            "conflict: this session already has an open GET stream",
        );
    }
    let after = after.unwrap_or_else(|| session.standalone_cursor.load(Ordering::Relaxed));
    let get = GetStream {
        cursor: Some(Arc::clone(&session.standalone_cursor)),
        flag: Some(OpenFlag(Arc::clone(&session))),
        draining,
    };
    sse(
        Arc::clone(&session.standalone),
        after,
        &state.config,
        session.ended.clone(),
        Some(get),
    )
}

async fn on_delete(
    State(state): State<Arc<HttpState>>,
    auth: Option<Extension<Arc<AuthInfo>>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = state.guard(&headers) {
        return r;
    }
    if let Some(r) = stateless_only(&headers) {
        return r;
    }
    let caller = auth.as_ref().map(|Extension(a)| a.subject.as_str());
    let session = match state
        .session(&headers, caller, caller.map(str::to_owned))
        .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    state.sessions.remove(&session.id);
    let removed = session_sync::remove(&state.config, &session.id).await;
    Arc::clone(&session.session).close().await;
    match removed {
        Ok(()) => StatusCode::OK.into_response(),
        Err(refusal) => refusal,
    }
}
