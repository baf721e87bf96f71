use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};

use futures::future::BoxFuture;
use futures::FutureExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{parse_params, Outbox, ServerCore};
use crate::context::{Context, LiveAnswers, LogFilter, PeerInfo, RequestScope};
use crate::jsonrpc::{
    codes, ErrorObject, FrameError, Message, Notification, Pending, Request, RequestId, Response,
};
use crate::protocol::{
    CallToolParams, CallToolResult, InitializeParams, InitializeResult, LoggingLevel,
    LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS,
};
use crate::transport::Endpoint;

/// One client connection in the handshake era: its negotiated state, the requests it has in
/// flight, and the requests the server is waiting on it for.
pub(crate) struct Session {
    core: Arc<ServerCore>,
    peer: OnceLock<Arc<PeerInfo>>,
    log_filter: Arc<LogFilter>,
    pending: Arc<Pending>,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    tasks: TaskTracker,
    outbox: Outbox,
}

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

fn pre_initialize_peer() -> Arc<PeerInfo> {
    static PEER: OnceLock<Arc<PeerInfo>> = OnceLock::new();
    PEER.get_or_init(|| {
        Arc::new(PeerInfo {
            protocol_version: LATEST_PROTOCOL_VERSION.to_owned(),
            ..Default::default()
        })
    })
    .clone()
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

impl Session {
    pub(crate) fn new(core: Arc<ServerCore>) -> (Arc<Session>, mpsc::UnboundedReceiver<String>) {
        let (outbox, rx) = Outbox::channel();
        let session = Arc::new(Session {
            core,
            peer: OnceLock::new(),
            log_filter: Arc::new(LogFilter::default()),
            pending: Arc::new(Pending::new()),
            in_flight: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            outbox,
        });
        (session, rx)
    }

    fn peer(&self) -> Arc<PeerInfo> {
        self.peer.get().cloned().unwrap_or_else(pre_initialize_peer)
    }

    /// Requests still being served.
    #[cfg(test)]
    pub(crate) fn in_flight_count(&self) -> usize {
        self.in_flight.lock().expect("in-flight lock").len()
    }

    fn reply(&self, id: RequestId, outcome: Result<Value, ErrorObject>) {
        self.outbox.send(&Message::Response(Response {
            id: Some(id),
            outcome,
        }));
    }

    fn on_request(self: &Arc<Self>, req: Request) {
        let Request { id, method, params } = req;
        match method.as_str() {
            "initialize" => {
                let outcome = self.initialize(params);
                self.reply(id, outcome);
            }
            "ping" => self.reply(id, Ok(json!({}))),
            "tools/list" => {
                self.outbox.send_raw_result(&id, &self.core.tools_list_json);
            }
            "logging/setLevel" => {
                let outcome = parse_params::<SetLevelParams>(&method, params).map(|p| {
                    self.log_filter.set(p.level);
                    json!({})
                });
                self.reply(id, outcome);
            }
            "tools/call" => match parse_params::<CallToolParams>(&method, params) {
                Ok(call) => self.call_tool(id, call),
                Err(e) => self.reply(id, Err(e)),
            },
            _ => self.reply(id, Err(ErrorObject::method_not_found(&method))),
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
        let result = InitializeResult {
            protocol_version: version,
            capabilities: self.core.capabilities.clone(),
            server_info: self.core.info.clone(),
            instructions: self.core.instructions.clone(),
        };
        Ok(serde_json::to_value(result).expect("serialisable"))
    }

    fn call_tool(self: &Arc<Self>, id: RequestId, call: CallToolParams) {
        let Some(tool) = self.core.tools.get(&call.name).cloned() else {
            self.reply(
                id,
                Err(ErrorObject::invalid_params(format!(
                    "unknown tool: `{}`",
                    call.name
                ))),
            );
            return;
        };
        let cancel = CancellationToken::new();
        {
            let mut in_flight = self.in_flight.lock().expect("in-flight lock");
            if in_flight.contains_key(&id) {
                drop(in_flight);
                self.reply(
                    id.clone(),
                    Err(ErrorObject::new(
                        codes::INVALID_REQUEST,
                        format!("request id {id} is already in use by a request in flight"),
                    )),
                );
                return;
            }
            in_flight.insert(id.clone(), cancel.clone());
        }
        let progress_token = progress_token(call.meta.as_ref());
        let guard = InFlight {
            session: Arc::clone(self),
            id: id.clone(),
        };
        self.tasks.spawn(async move {
            let session = &guard.session;
            let scope = RequestScope::new(
                id.clone(),
                progress_token,
                session.peer(),
                Arc::clone(&session.core.limits),
                Arc::clone(&session.log_filter),
                session.outbox.clone(),
                Box::new(LiveAnswers {
                    pending: Arc::clone(&session.pending),
                    sink: session.outbox.clone(),
                }),
                cancel.clone(),
            );
            let ctx = Context::new(&scope);
            let run = AssertUnwindSafe(tool.call(ctx, call.arguments)).catch_unwind();
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    tracing::debug!(%id, "request cancelled; its handler was dropped");
                    return;
                }
                outcome = run => outcome,
            };
            let result = outcome.unwrap_or_else(|panic| {
                let why = panic_message(&panic);
                tracing::error!(tool = %call.name, panic = %why, "tool panicked");
                CallToolResult::error(format!("tool `{}` failed unexpectedly", call.name))
            });
            session.reply(
                id,
                Ok(serde_json::to_value(result).expect("results serialise")),
            );
            drop(guard);
        });
    }

    fn on_notification(&self, n: Notification) {
        match n.method.as_str() {
            "notifications/initialized" => {}
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

    fn on_response(&self, r: Response) {
        let Some(id) = r.id else {
            tracing::warn!(error = ?r.outcome.err(), "the client reported an error about an unreadable message");
            return;
        };
        if !self.pending.resolve(&id, r.outcome) {
            tracing::warn!(%id, "ignored a response to a request that is not pending (late, duplicate or unknown id)");
        }
    }
}

fn progress_token(meta: Option<&Map<String, Value>>) -> Option<Value> {
    meta?
        .get("progressToken")
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        .cloned()
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

impl Endpoint for Session {
    fn on_message(self: &Arc<Self>, message: Message) {
        match message {
            Message::Request(r) => self.on_request(r),
            Message::Notification(n) => self.on_notification(n),
            Message::Response(r) => self.on_response(r),
        }
    }

    fn on_frame_error(&self, error: FrameError) {
        tracing::warn!(code = error.error.code, message = %error.error.message, "bad frame");
        self.outbox.send(&Message::error(error.id, error.error));
    }

    fn on_close(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            // Nothing more can arrive: waiting asks fail at once, running handlers get a grace
            // period to finish and answer, then are cancelled.
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
        })
    }
}
