use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{broadcast, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::admission::Permits;
use super::builder::ServerEvent;
use super::era;
use super::middleware::{self, Watch};
use super::prepare::{prepare, Caller, Prepared};
use super::roots_changed::RootsChanged;
use super::runner::{self, reply, Answers};
use super::stateless;
use super::subscriptions;
use super::{parse_params, ServerCore};
use crate::context::{LogFilter, PeerInfo};
use crate::jsonrpc::{
    codes, Answer, ErrorObject, FrameError, Message, Notification, Pending, Request, RequestId,
    ResultJson,
};
use crate::protocol::{
    Era, InitializeParams, InitializeResult, LoggingLevel, LATEST_PROTOCOL_VERSION,
    SUPPORTED_PROTOCOL_VERSIONS,
};
#[cfg(feature = "http-server")]
use crate::transport::http::SessionFacts;
use crate::transport::CallerKey;
use crate::transport::{Endpoint, FrameReceiver, Outbox, RequestFacts};

mod peer_answers;

/// One client connection in the handshake era: its negotiated state, the requests it has in
/// flight, the requests the server is waiting on it for, and its resource subscriptions.
pub(crate) struct Session {
    core: Arc<ServerCore>,
    peer: OnceLock<Arc<PeerInfo>>,
    log_filter: Arc<LogFilter>,
    /// The level `logging/setLevel` set, for a session store.
    level: Mutex<Option<LoggingLevel>>,
    /// Bumped whenever the facts a session store keeps change.
    changes: AtomicU64,
    pending: Arc<Pending<ResultJson>>,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    subscriptions: Mutex<HashSet<String>>,
    tasks: TaskTracker,
    /// Messages not tied to a request (list changes, resource updates).
    outbox: Outbox,
    /// Bounds the handlers running for this session.
    permits: Arc<Semaphore>,
    /// The era decided, and the permits taken (or the busy error), by `admit` for the request
    /// the transport hands over next (byte streams).
    admitted: Mutex<Option<(Era, Admitted)>>,
    closed: CancellationToken,
}

/// What admission gave a request: the permits its handler runs under (none for requests
/// answered inline), or the "server busy" error.
pub(crate) type Admitted = Result<Option<Permits>, ErrorObject>;

/// Removes a request from the in-flight map however its task ends.
struct InFlight {
    session: Arc<Session>,
    id: RequestId,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.session
            .in_flight
            .lock()
            .expect("in-flight lock")
            .remove(&self.id);
    }
}

#[derive(Deserialize)]
struct CancelledParams {
    #[serde(rename = "requestId")]
    request_id: RequestId,
}

#[derive(Deserialize)]
struct SetLevelParams {
    level: LoggingLevel,
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct UriParams {
    uri: String,
}

impl Session {
    pub(crate) fn new(core: Arc<ServerCore>) -> (Arc<Session>, FrameReceiver) {
        let (outbox, rx) = Outbox::channel();
        let events = core.shared.events.subscribe();
        let pending_cap = core.limits.max_pending_client_requests;
        let pending_bytes = core.limits.max_pending_client_request_bytes;
        let session_permits = core.limits.max_concurrent_requests_per_session;
        let session = Arc::new(Session {
            core,
            peer: OnceLock::new(),
            log_filter: Arc::new(LogFilter::default()),
            level: Mutex::new(None),
            changes: AtomicU64::new(0),
            pending: Arc::new(Pending::with_limits(pending_cap, pending_bytes)),
            in_flight: Mutex::new(HashMap::new()),
            subscriptions: Mutex::new(HashSet::new()),
            tasks: TaskTracker::new(),
            permits: Arc::new(Semaphore::new(session_permits)),
            admitted: Mutex::new(None),
            outbox,
            closed: CancellationToken::new(),
        });
        tokio::spawn(forward_events(
            Arc::downgrade(&session),
            events,
            session.closed.clone(),
        ));
        (session, rx)
    }

    fn peer(&self) -> Arc<PeerInfo> {
        self.peer
            .get()
            .cloned()
            .unwrap_or_else(PeerInfo::before_initialize)
    }

    /// True while requests are being served (an idle session is not expired then).
    #[cfg(feature = "http-server")]
    pub(crate) fn is_busy(&self) -> bool {
        !self.in_flight.lock().expect("in-flight lock").is_empty()
    }

    /// True once `initialize` succeeded.
    pub(crate) fn is_initialized(&self) -> bool {
        self.peer.get().is_some()
    }

    /// The facts a session store keeps; `None` before `initialize`.
    #[cfg(feature = "http-server")]
    pub(crate) fn facts(&self) -> Option<SessionFacts> {
        let peer = self.peer.get()?;
        let mut subscriptions: Vec<String> = self
            .subscriptions
            .lock()
            .expect("subscriptions lock")
            .iter()
            .cloned()
            .collect();
        subscriptions.sort_unstable();
        Some(SessionFacts {
            protocol_version: peer.protocol_version.clone(),
            capabilities: peer.capabilities.clone(),
            client_info: peer.client_info.clone(),
            log_level: *self.level.lock().expect("level lock"),
            subscriptions,
        })
    }

    /// How many times the facts a session store keeps changed.
    #[cfg(feature = "http-server")]
    pub(crate) fn changes(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    /// Take on facts from a session store (not counted as a change).
    #[cfg(feature = "http-server")]
    pub(crate) fn restore(&self, facts: SessionFacts) {
        let _ = self.peer.set(Arc::new(PeerInfo {
            protocol_version: facts.protocol_version,
            capabilities: facts.capabilities,
            client_info: facts.client_info,
        }));
        if let Some(level) = facts.log_level {
            self.log_filter.set(level);
        }
        *self.level.lock().expect("level lock") = facts.log_level;
        *self.subscriptions.lock().expect("subscriptions lock") =
            facts.subscriptions.into_iter().collect();
    }

    /// Wait until a request that runs a handler may start (back-pressure: the caller stops
    /// reading meanwhile), at most `Limits::max_admission_wait`; then, or when its caller is at
    /// its cap, the busy error. Cheap requests answered inline need no permit.
    pub(crate) async fn admit_request(
        &self,
        req: &Request,
        era: Era,
        facts: &RequestFacts,
    ) -> Admitted {
        let runs_handler = match era {
            Era::Handshake => matches!(
                req.method.as_str(),
                "tools/call" | "resources/read" | "prompts/get" | "completion/complete"
            ),
            Era::Stateless => stateless::takes_permit(req),
        };
        if !runs_handler {
            return Ok(None);
        }
        self.core
            .admission
            .admit(CallerKey::of(facts), Some(&self.permits), req)
            .await
            .map(Some)
    }

    /// Serve a request of era `era` (decided by [`era::decide`]). Its response, and every
    /// message sent while handling it, go to `sink` (stdout for stdio; the request's own stream
    /// for HTTP).
    pub(crate) fn on_request(
        self: &Arc<Self>,
        req: Request,
        era: Era,
        facts: &RequestFacts,
        sink: Outbox,
        permits: Option<Permits>,
    ) {
        let Some(watch) = middleware::start_or_refuse(&self.core, &req, era, facts, &sink) else {
            return;
        };
        if era == Era::Stateless {
            match stateless::accept(&self.core, &req, facts) {
                Ok(envelope) => {
                    let core = Arc::clone(&self.core);
                    let id = req.id.clone();
                    let job_sink = sink.clone();
                    // A listen stream is not work to finish: it ends with the connection.
                    let cancel = if req.method == "subscriptions/listen" {
                        self.closed.child_token()
                    } else {
                        CancellationToken::new()
                    };
                    let watch = watch.take();
                    self.spawn_job(id, sink, permits, cancel, move |cancel| {
                        Box::pin(stateless::serve(
                            core, req, envelope, job_sink, cancel, watch,
                        ))
                    });
                }
                Err(e) => middleware::reply(&watch, &sink, req.id, Err(e)),
            }
            return;
        }
        let Request {
            id, method, params, ..
        } = req;
        let reply = |outcome| middleware::reply(&watch, &sink, id.clone(), outcome);
        match method.as_str() {
            "initialize" => reply(self.initialize(params)),
            "ping" => reply(Ok(json!({}))),
            "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
                let page = parse_params::<ListParams>(&method, params).and_then(|p| {
                    self.core.shared.registry().list_handshake(
                        &method,
                        p.cursor.as_deref(),
                        self.core.page_size,
                    )
                });
                middleware::send_page(&watch, &sink, id, page);
            }
            "logging/setLevel" => reply(parse_params::<SetLevelParams>(&method, params).map(|p| {
                self.log_filter.set(p.level);
                *self.level.lock().expect("level lock") = Some(p.level);
                self.changes.fetch_add(1, Ordering::Relaxed);
                json!({})
            })),
            "tools/call" | "resources/read" | "prompts/get" | "completion/complete" => {
                let registry = self.core.shared.registry();
                match prepare(
                    &registry,
                    &method,
                    params,
                    &self.peer(),
                    era,
                    self.core.expose_errors,
                    &Caller::of(facts),
                ) {
                    Ok(p) => self.spawn_handler(id, p, sink, permits, watch.take()),
                    Err(e) => reply(Err(e)),
                }
            }
            "resources/subscribe" | "resources/unsubscribe" => {
                reply(parse_params::<UriParams>(&method, params).and_then(|p| {
                    let mut subs = self.subscriptions.lock().expect("subscriptions lock");
                    if method == "resources/subscribe" {
                        let known = self.core.shared.registry().resource(&p.uri).is_some();
                        let max = self.core.limits.max_subscription_bytes;
                        subscriptions::subscribe(&mut subs, p.uri, known, max)?;
                    } else {
                        subs.remove(&p.uri);
                    }
                    self.changes.fetch_add(1, Ordering::Relaxed);
                    Ok(json!({}))
                }))
            }
            m if self.core.skills.serves(m) => reply(self.core.skills.serve(m, params)),
            _ => reply(Err(ErrorObject::method_not_found(&method))),
        }
    }

    fn initialize(&self, params: Option<Value>) -> Result<Value, ErrorObject> {
        let p: InitializeParams = parse_params("initialize", params)?;
        let version = if SUPPORTED_PROTOCOL_VERSIONS.contains(&p.protocol_version.as_str()) {
            p.protocol_version
        } else {
            LATEST_PROTOCOL_VERSION.to_owned()
        };
        let peer = Arc::new(PeerInfo {
            protocol_version: version.clone(),
            capabilities: p.capabilities,
            client_info: Some(p.client_info),
        });
        if self.peer.set(peer).is_err() {
            return Err(ErrorObject::new(
                codes::INVALID_REQUEST,
                "this session is already initialized",
            ));
        }
        self.changes.fetch_add(1, Ordering::Relaxed);
        let result = InitializeResult {
            protocol_version: version,
            capabilities: self.core.capabilities(),
            server_info: self.core.info.clone(),
            instructions: self.core.instructions.clone(),
        };
        Ok(serde_json::to_value(result).expect("serialisable"))
    }

    /// Run `job` on its own task, registered as in flight under `id` so that
    /// `notifications/cancelled` (or the session closing) drops it.
    fn spawn_job(
        self: &Arc<Self>,
        id: RequestId,
        sink: Outbox,
        permits: Option<Permits>,
        cancel: CancellationToken,
        job: impl FnOnce(CancellationToken) -> BoxFuture<'static, ()> + Send + 'static,
    ) {
        {
            let mut in_flight = self.in_flight.lock().expect("in-flight lock");
            if in_flight.contains_key(&id) {
                drop(in_flight);
                let e = ErrorObject::new(
                    codes::INVALID_REQUEST,
                    format!("request id {id} is already in use by a request in flight"),
                );
                reply(&sink, id, Err(e));
                return;
            }
            in_flight.insert(id.clone(), cancel.clone());
        }
        let guard = InFlight {
            session: Arc::clone(self),
            id: id.clone(),
        };
        self.tasks.spawn(async move {
            let _permits = permits;
            let run = job(cancel.clone());
            tokio::select! {
                biased;
                _ = cancel.cancelled() => tracing::debug!(%id, "request cancelled; its handler was dropped"),
                _ = run => {}
            }
            drop(guard);
        });
    }

    /// Run a prepared handler with a live request scope: asks become requests to the client on
    /// `sink`, the response goes to `sink`.
    fn spawn_handler(
        self: &Arc<Self>,
        id: RequestId,
        prepared: Prepared,
        sink: Outbox,
        permits: Option<Permits>,
        watch: Option<Watch>,
    ) {
        let session = Arc::clone(self);
        let job_id = id.clone();
        let slot = permits.as_ref().map(Permits::slot);
        self.spawn_job(
            id,
            sink.clone(),
            permits,
            CancellationToken::new(),
            move |cancel| {
                let (run, _) = runner::run(
                    &session.core,
                    prepared,
                    runner::ScopeParts {
                        id: job_id.clone(),
                        peer: session.peer(),
                        log_filter: Arc::clone(&session.log_filter),
                        sink: sink.clone(),
                        answers: Answers::Live(
                            Arc::clone(&session.pending),
                            slot,
                            session.outbox.clone(),
                        ),
                        cancel,
                    },
                );
                middleware::answer(watch, sink, job_id, run)
            },
        );
    }

    pub(crate) fn on_notification(&self, n: Notification) {
        match n.method.as_str() {
            "notifications/initialized" => {}
            "notifications/roots/list_changed" => {
                if let Some(f) = &self.core.on_roots_changed {
                    let peer = self.peer();
                    f(RootsChanged {
                        client: peer.client_info.clone(),
                        protocol_version: peer.protocol_version.clone(),
                    });
                }
            }
            "notifications/cancelled" => {
                match parse_params::<CancelledParams>(&n.method, n.params) {
                    Ok(p) => {
                        let token = self
                            .in_flight
                            .lock()
                            .expect("in-flight lock")
                            .get(&p.request_id)
                            .cloned();
                        match token {
                            Some(t) => t.cancel(),
                            None => {
                                tracing::debug!(id = %p.request_id, "cancellation for a request not in flight")
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "malformed cancellation ignored"),
                }
            }
            other => tracing::debug!(method = other, "notification ignored"),
        }
    }

    fn on_event(&self, event: ServerEvent) {
        // Only a handshake-era session hears of changes unasked; before `initialize`, and on a
        // connection speaking 2026-07-28 (where changes travel on `subscriptions/listen`
        // streams only), nothing is sent.
        if !self.is_initialized() {
            return;
        }
        let (method, params) = match event {
            ServerEvent::ToolsChanged => ("notifications/tools/list_changed", None),
            ServerEvent::ResourcesChanged => ("notifications/resources/list_changed", None),
            ServerEvent::PromptsChanged => ("notifications/prompts/list_changed", None),
            ServerEvent::ResourceUpdated(uri) => {
                if !self
                    .subscriptions
                    .lock()
                    .expect("subscriptions lock")
                    .contains(&uri)
                {
                    return;
                }
                (
                    "notifications/resources/updated",
                    Some(json!({ "uri": uri })),
                )
            }
        };
        self.outbox.send(&Message::notification(method, params));
    }

    /// End the session: waiting asks fail at once, running handlers get the grace period to
    /// finish and answer, then are cancelled.
    pub(crate) async fn close(&self) {
        self.closed.cancel();
        self.pending.close();
        self.tasks.close();
        let grace = self.core.limits.shutdown_grace;
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            let tokens: Vec<_> = self
                .in_flight
                .lock()
                .expect("in-flight lock")
                .values()
                .cloned()
                .collect();
            tracing::warn!(
                count = tokens.len(),
                "cancelling requests still running at shutdown"
            );
            tokens.iter().for_each(CancellationToken::cancel);
            self.tasks.wait().await;
        }
    }
}

async fn forward_events(
    session: Weak<Session>,
    mut events: broadcast::Receiver<ServerEvent>,
    closed: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            _ = closed.cancelled() => return,
            e = events.recv() => e,
        };
        let Some(session) = session.upgrade() else {
            return;
        };
        match event {
            Ok(e) => session.on_event(e),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "session fell behind on server events; sending list changes"
                );
                for e in [
                    ServerEvent::ToolsChanged,
                    ServerEvent::ResourcesChanged,
                    ServerEvent::PromptsChanged,
                ] {
                    session.on_event(e);
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

impl Endpoint for Session {
    fn on_message(self: &Arc<Self>, message: Message) {
        match message {
            Message::Request(r) => {
                let facts = RequestFacts::default();
                // `admit` decided the era; a transport that did not call it gets it decided here.
                let admitted = self.admitted.lock().expect("admitted lock").take();
                let (era, permits) =
                    admitted.unwrap_or_else(|| (era::decide_request(&r, &facts), Ok(None)));
                match permits {
                    Ok(permits) => self.on_request(r, era, &facts, self.outbox.clone(), permits),
                    Err(busy) => reply(&self.outbox, r.id, Err(busy)),
                }
            }
            Message::Notification(n) => self.on_notification(n),
            Message::Response(r) => self.on_response(r),
        }
    }

    fn on_answer(self: &Arc<Self>, answer: Answer) {
        Session::on_answer(self, answer)
    }

    fn on_frame_error(&self, error: FrameError) {
        tracing::warn!(code = error.error.code, message = %error.error.message, "bad frame");
        self.outbox.send(&Message::error(error.id, error.error));
    }

    fn on_close(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move { self.close().await })
    }

    fn admit<'a>(&'a self, message: &'a Message) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Message::Request(r) = message {
                // A peer that does not read its answers gets no new work done: stop reading
                // until what is queued for it drains.
                self.outbox
                    .room(self.core.limits.max_queued_output_bytes)
                    .await;
                let facts = RequestFacts::default();
                let era = era::decide(message, &facts);
                let permits = self.admit_request(r, era, &facts).await;
                *self.admitted.lock().expect("admitted lock") = Some((era, permits));
            }
        })
    }
}
