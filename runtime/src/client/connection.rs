//! The client's side of one connection: the [`Endpoint`] the transport feeds, the requests the
//! client is waiting on, and the server's requests the client is answering.

mod answer;
mod notifications;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::sync::{oneshot, Notify};
use tokio::task::AbortHandle;

use super::error::ClientError;
use super::handlers::{DynApproval, DynElicitation, DynRoots, DynSampling, LogFn, ProgressFn};
use super::limits::ClientLimits;
use super::listen::NotificationFn;
use super::router::ModelRouter;
use crate::jsonrpc::{
    CancelOnDrop, ErrorObject, FrameError, Message, MessageSink, PeerError, Pending, Request,
    RequestId, Response,
};
use crate::protocol::{ClientCapabilities, Implementation, SamplingCapability};
use crate::transport::{frame_queue, Endpoint, FrameReceiver, FrameSender};

/// What the client does with what the server sends.
#[derive(Default, Clone)]
pub(crate) struct Handlers {
    pub sampling: Option<DynSampling>,
    pub approval: Option<DynApproval>,
    pub elicitation: Option<DynElicitation>,
    pub roots: Option<DynRoots>,
    pub log: Option<LogFn>,
    pub notification: Option<NotificationFn>,
    pub router: Option<Arc<ModelRouter>>,
    /// What the sampling capability declares beyond `{}` (`tools`, `context`).
    pub sampling_capability: SamplingCapability,
    /// Declare the tasks extension (`ClientBuilder::tasks`).
    pub tasks: bool,
}

impl Handlers {
    /// The capabilities these handlers let the client declare: each kind only with a handler.
    pub(crate) fn capabilities(&self) -> ClientCapabilities {
        ClientCapabilities {
            sampling: self
                .sampling
                .is_some()
                .then(|| self.sampling_capability.clone()),
            elicitation: self
                .elicitation
                .is_some()
                .then(|| json!({ "form": {}, "url": {} })),
            roots: self.roots.is_some().then(|| json!({ "listChanged": true })),
            extra: super::tasks::declared(self.tasks),
            ..Default::default()
        }
    }

    /// True when a server-to-client request of this method has a handler here.
    pub(crate) fn answers(&self, method: &str) -> bool {
        match method {
            "sampling/createMessage" => self.sampling.is_some(),
            "elicitation/create" => self.elicitation.is_some(),
            "roots/list" => self.roots.is_some(),
            _ => false,
        }
    }
}

/// A progress callback and the signal that resets its request's timeout.
struct ProgressSink {
    callback: ProgressFn,
    activity: Arc<Notify>,
}

/// One connection to a server, shared by the [`Client`](super::Client) and the transport.
pub(crate) struct Connection {
    pending: Pending,
    /// The only sender of the transport's outbox: dropping it ends the writer, which closes the
    /// write half (the child's stdin). Never cloned, so closing it here is final.
    outbox: Mutex<Option<FrameSender>>,
    handlers: Handlers,
    limits: ClientLimits,
    progress: Mutex<HashMap<i64, ProgressSink>>,
    next_progress_token: AtomicI64,
    /// Server-to-client requests being answered, by id.
    incoming: Mutex<HashMap<RequestId, AbortHandle>>,
    /// The server's identity, once the handshake (or discovery) told it.
    server: Mutex<Option<Implementation>>,
    /// Requests the transport failed (rather than the server), with why.
    failed: Mutex<HashMap<RequestId, TransportFailure>>,
    /// `subscriptions/listen` requests waiting for the server's acknowledgment, oldest first.
    acknowledgments: Mutex<std::collections::VecDeque<oneshot::Sender<Value>>>,
}

impl MessageSink for Connection {
    fn send_message(&self, message: &Message) -> bool {
        self.send(message)
    }
}

/// Why a transport could not deliver a request or its answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TransportFailure {
    pub status: Option<u16>,
    pub reason: String,
}

/// Unregisters a progress token when the request it belongs to ends.
pub(crate) struct ProgressRegistration<'a> {
    connection: &'a Connection,
    token: i64,
    activity: Arc<Notify>,
}

impl ProgressRegistration<'_> {
    pub(crate) fn token(&self) -> i64 {
        self.token
    }
}

impl Drop for ProgressRegistration<'_> {
    fn drop(&mut self) {
        self.connection
            .progress
            .lock()
            .expect("progress lock")
            .remove(&self.token);
    }
}

/// Decode a message's params, naming the offending field.
fn decode<T: DeserializeOwned>(method: &str, params: Option<Value>) -> Result<T, ErrorObject> {
    let params = params.unwrap_or_else(|| json!({}));
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ErrorObject::invalid_params(if path == "." {
            format!("invalid params for `{method}`: {inner}")
        } else {
            format!("invalid params for `{method}`: `{path}`: {inner}")
        })
    })
}

/// Completes when `activity` is signalled; never when there is none.
async fn activity(activity: Option<&Notify>) {
    match activity {
        Some(n) => n.notified().await,
        None => std::future::pending().await,
    }
}

/// Completes at `deadline`; never when there is none.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl Connection {
    pub(crate) fn new(handlers: Handlers, limits: ClientLimits) -> (Arc<Self>, FrameReceiver) {
        let (tx, rx) = frame_queue();
        let connection = Arc::new(Connection {
            pending: Pending::new(),
            outbox: Mutex::new(Some(tx)),
            handlers,
            limits,
            progress: Mutex::new(HashMap::new()),
            next_progress_token: AtomicI64::new(1),
            incoming: Mutex::new(HashMap::new()),
            server: Mutex::new(None),
            failed: Mutex::new(HashMap::new()),
            acknowledgments: Mutex::new(std::collections::VecDeque::new()),
        });
        (connection, rx)
    }

    pub(crate) fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    /// What the server may make this client do.
    pub(crate) fn limits(&self) -> &ClientLimits {
        &self.limits
    }

    /// Remember which server this is, for the handlers' requests.
    pub(crate) fn set_server(&self, server: Implementation) {
        *self.server.lock().expect("server lock") = Some(server);
    }

    fn server(&self) -> Option<Implementation> {
        self.server.lock().expect("server lock").clone()
    }

    /// The transport could not complete request `id`: its waiter fails with
    /// [`ClientError::Transport`] at once instead of at its timeout.
    #[cfg(feature = "http-client")]
    pub(crate) fn fail_request(&self, id: &RequestId, failure: TransportFailure) {
        self.failed
            .lock()
            .expect("failures lock")
            .insert(id.clone(), failure.clone());
        let placeholder = ErrorObject::internal(failure.reason);
        if !self.pending.resolve(id, Err(placeholder)) {
            self.failed.lock().expect("failures lock").remove(id);
        }
    }

    /// Queue a frame. False when the connection is closing or closed.
    fn send(&self, message: &Message) -> bool {
        match &*self.outbox.lock().expect("outbox lock") {
            Some(tx) => tx.send(message.to_json()),
            None => false,
        }
    }

    fn reply(&self, id: RequestId, outcome: Result<Value, ErrorObject>) {
        if !self.send(&Message::Response(Response {
            id: Some(id.clone()),
            outcome,
        })) {
            tracing::debug!(%id, "the connection closed before the answer could be sent");
        }
    }

    /// Stop sending: frames already queued are written, then the write half is closed.
    pub(crate) fn close_outbox(&self) {
        self.outbox.lock().expect("outbox lock").take();
    }

    /// The connection is over: waiting requests fail, handlers still running are stopped.
    pub(crate) fn shut_down(&self) {
        self.close_outbox();
        self.pending.close();
        let running: Vec<AbortHandle> = self
            .incoming
            .lock()
            .expect("incoming lock")
            .drain()
            .map(|(_, h)| h)
            .collect();
        running.iter().for_each(AbortHandle::abort);
        self.progress.lock().expect("progress lock").clear();
    }

    /// True once nothing more can be sent.
    pub(crate) fn is_closed(&self) -> bool {
        self.outbox.lock().expect("outbox lock").is_none()
    }

    /// Register a progress callback under a fresh token, for as long as the registration lives.
    pub(crate) fn register_progress(&self, callback: ProgressFn) -> ProgressRegistration<'_> {
        let token = self.next_progress_token.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Notify::new());
        self.progress.lock().expect("progress lock").insert(
            token,
            ProgressSink {
                callback,
                activity: Arc::clone(&activity),
            },
        );
        ProgressRegistration {
            connection: self,
            token,
            activity,
        }
    }

    /// Send a request and wait for its answer. With `progress`, every progress notification for
    /// it restarts the timeout, but the request never lasts longer than the limits'
    /// `max_request_time`. A `timeout` of `Duration::MAX` marks a long-lived request (a listen
    /// stream): no timeout and no overall deadline. A request that times out is cancelled with
    /// `notifications/cancelled` (except `initialize`, which may not be cancelled).
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Option<Value>,
        timeout: Duration,
        progress: Option<&ProgressRegistration<'_>>,
    ) -> Result<Value, ClientError> {
        let closed = || ClientError::ConnectionClosed {
            method: method.to_owned(),
        };
        let mut guard = self.pending.register().ok_or_else(closed)?;
        let id = guard.id().clone();
        let sent = self.send(&Message::Request(Request::new(id.clone(), method, params)));
        if !sent {
            return Err(closed());
        }
        // Dropped before its answer (the caller gave up: a `select!`, a closed subscription)
        // or timed out, the request is cancelled on the server (`initialize` may not be).
        let mut abandoned = CancelOnDrop {
            sink: self,
            id: Some(id.clone()).filter(|_| method != "initialize"),
            reason: "the client stopped waiting".into(),
        };
        let signal = progress.map(|p| &*p.activity);
        let deadline = (timeout != Duration::MAX)
            .then(|| tokio::time::Instant::now().checked_add(self.limits.max_request_time))
            .flatten();
        let mut waited = timeout;
        loop {
            tokio::select! {
                biased;
                answer = guard.answer() => {
                    abandoned.id = None;
                    return answer.map_err(|e| match e {
                        PeerError::Rpc(error) => match self.failed.lock().expect("failures lock").remove(&id) {
                            Some(f) => ClientError::Transport { method: method.to_owned(), status: f.status, reason: f.reason },
                            None => ClientError::Rpc { method: method.to_owned(), error },
                        },
                        PeerError::Closed => closed(),
                    });
                }
                // Before progress, so that a flood of it cannot starve the deadline.
                _ = until(deadline) => {
                    waited = self.limits.max_request_time;
                    break;
                }
                _ = activity(signal) => continue,
                _ = tokio::time::sleep(timeout) => break,
            }
        }
        drop(guard);
        abandoned.reason = format!("the client stopped waiting after {waited:?}").into();
        drop(abandoned);
        Err(ClientError::Timeout {
            method: method.to_owned(),
            timeout: waited,
        })
    }

    /// Send a notification.
    pub(crate) fn notify(&self, method: &str, params: Option<Value>) -> Result<(), ClientError> {
        if self.send(&Message::notification(method, params)) {
            Ok(())
        } else {
            Err(ClientError::ConnectionClosed {
                method: method.to_owned(),
            })
        }
    }

    /// Be told (oldest first) when the server acknowledges a `subscriptions/listen`.
    pub(crate) fn await_acknowledgment(&self, waiter: oneshot::Sender<Value>) {
        self.acknowledgments
            .lock()
            .expect("acknowledgments lock")
            .push_back(waiter);
    }

    fn on_response(&self, response: Response) {
        let Some(id) = response.id else {
            tracing::warn!(error = ?response.outcome.err(), "the server reported an error about an unreadable message");
            return;
        };
        if !self.pending.resolve(&id, response.outcome) {
            tracing::warn!(%id, "ignored a response to a request that is not pending (late, duplicate or unknown id)");
        }
    }
}

impl Endpoint for Connection {
    fn on_message(self: &Arc<Self>, message: Message) {
        match message {
            Message::Request(r) => self.on_request(r),
            Message::Notification(n) => self.on_notification(n),
            Message::Response(r) => self.on_response(r),
        }
    }

    fn on_frame_error(&self, error: FrameError) {
        tracing::warn!(code = error.error.code, message = %error.error.message, "bad frame from the server");
        // A malformed answer to one of our requests fails that request now rather than at its
        // timeout; anything else is reported to the server, as JSON-RPC asks.
        if let Some(id) = &error.id {
            let mut e = error.error.clone();
            e.message = format!("the server sent a malformed message: {}", e.message);
            if self.pending.resolve(id, Err(e)) {
                return;
            }
        }
        self.send(&Message::error(error.id, error.error));
    }

    fn on_close(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move { self.shut_down() })
    }
}
