//! Asking the client for input other than completions: elicitation and roots. Like samples, these
//! are lazy futures whose answers come from the request's answer source, so they work unchanged
//! on live connections and over multi round-trip requests.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::future::{BoxFuture, FusedFuture};
use serde::Deserialize;
use serde_json::{json, Value};

use super::answers::AnswerError;
use super::sample::Run;
use super::Context;
use crate::protocol::{ElicitResult, Root};

/// Why asking the client (elicitation, roots) produced no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AskError {
    /// The client did not declare the capability this needs; nothing was sent.
    #[error("the client does not support {0} (it did not declare the capability)")]
    NotSupported(&'static str),
    /// The client answered with an error.
    #[error("the client refused: {message} (code {code})")]
    Client {
        /// The JSON-RPC error code.
        code: i64,
        /// The client's message.
        message: String,
    },
    /// The client's answer has the wrong shape.
    #[error("the client's answer is malformed: {0}")]
    InvalidResponse(String),
    /// No answer within the time allowed.
    #[error("the client did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection closed before the answer came.
    #[error("the connection closed before the client answered")]
    ConnectionClosed,
    /// The request was cancelled.
    #[error("the request was cancelled")]
    Cancelled,
    /// Too many requests to the client are already waiting for answers.
    #[error("too many requests to the client are waiting for answers; try again later")]
    Busy,
}

/// The capability name of URL-mode elicitation (in [`AskError::NotSupported`]).
const URL_ELICITATION: &str = "URL-mode elicitation";

/// True when the client's `elicitation` capability covers `mode`: `{}` (a client of 2025-06-18
/// or one that names no mode) is form mode only; otherwise the modes it names.
pub(crate) fn elicitation_mode(capability: Option<&Value>, mode: &str) -> bool {
    match capability {
        None => false,
        Some(Value::Object(modes)) if modes.is_empty() => mode == "form",
        Some(Value::Object(modes)) => modes.contains_key(mode),
        Some(_) => mode == "form",
    }
}

/// A value an [`Ask`] produces from the client's answer.
pub trait AskOutput: Sized {
    /// Read the client's result.
    fn from_answer(answer: Value) -> Result<Self, String>;
}

impl AskOutput for ElicitResult {
    fn from_answer(answer: Value) -> Result<Self, String> {
        serde_json::from_value(answer).map_err(|e| e.to_string())
    }
}

impl AskOutput for Vec<Root> {
    fn from_answer(answer: Value) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct RootsResult {
            roots: Vec<Root>,
        }
        serde_json::from_value::<RootsResult>(answer)
            .map(|r| r.roots)
            .map_err(|e| e.to_string())
    }
}

/// A request to the client being built; `.await` it for the answer.
///
/// Like [`Sample`](crate::Sample) it is lazy and fused: polled again after it completed, it
/// returns `Poll::Pending` (never panics, never asks again) and
/// [`FusedFuture::is_terminated`] is true.
#[must_use = "an ask does nothing until it is awaited"]
pub struct Ask<'a, T> {
    ctx: Context<'a>,
    method: &'static str,
    capability: &'static str,
    params: Value,
    key: Option<String>,
    timeout: Option<Duration>,
    running: Run<'a, Result<T, AskError>>,
    _t: PhantomData<fn() -> T>,
}

impl<'a, T: AskOutput + Send + 'a> Ask<'a, T> {
    pub(crate) fn new(
        ctx: Context<'a>,
        method: &'static str,
        capability: &'static str,
        params: Value,
    ) -> Self {
        Ask {
            ctx,
            method,
            capability,
            params,
            key: None,
            timeout: None,
            running: Run::Idle,
            _t: PhantomData,
        }
    }

    /// Name this ask for multi round-trip requests (the `inputRequests` key).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// How long to wait for the client (default: the server's `Limits::sample_timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn start(&mut self) -> BoxFuture<'a, Result<T, AskError>> {
        let scope = self.ctx.scope();
        let (method, capability) = (self.method, self.capability);
        let params = std::mem::take(&mut self.params);
        let key = self.key.take();
        let timeout = self.timeout.unwrap_or(scope.limits.sample_timeout);
        Box::pin(async move {
            let caps = &scope.peer.capabilities;
            let declared = match capability {
                "elicitation" => elicitation_mode(caps.elicitation.as_ref(), "form"),
                URL_ELICITATION => elicitation_mode(caps.elicitation.as_ref(), "url"),
                "roots" => caps.roots.is_some(),
                _ => false,
            };
            if !declared {
                return Err(AskError::NotSupported(capability));
            }
            if let (URL_ELICITATION, Some((registry, outbox))) =
                (capability, &scope.url_elicitations)
            {
                if let Some(id) = params.get("elicitationId").and_then(Value::as_str) {
                    registry.register(id.to_owned(), outbox.clone());
                }
            }
            let ask = scope.answers.ask(method, params, key.as_deref(), timeout);
            let answer = tokio::select! {
                biased;
                _ = scope.cancel.cancelled() => return Err(AskError::Cancelled),
                answer = ask => answer,
            };
            let value = answer.map_err(|e| match e {
                AnswerError::Rpc(e) => AskError::Client {
                    code: e.code,
                    message: e.message,
                },
                AnswerError::Timeout(d) => AskError::Timeout(d),
                AnswerError::Closed => AskError::ConnectionClosed,
                AnswerError::Busy => AskError::Busy,
            })?;
            T::from_answer(value).map_err(AskError::InvalidResponse)
        })
    }
}

impl<'a, T: AskOutput + Send + 'a> Future for Ask<'a, T> {
    type Output = Result<T, AskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        if self.running.is_idle() {
            let fut = self.start();
            self.running.begin(fut);
        }
        self.running.poll(cx)
    }
}

impl<'a, T: AskOutput + Send + 'a> FusedFuture for Ask<'a, T> {
    fn is_terminated(&self) -> bool {
        self.running.is_done()
    }
}

impl<'a> Context<'a> {
    /// Ask the user for structured input (`elicitation/create`, form mode) with a JSON Schema for
    /// the form (a flat object of primitive properties).
    pub fn elicit(
        &self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Ask<'a, ElicitResult> {
        Ask::new(
            *self,
            "elicitation/create",
            "elicitation",
            json!({ "mode": "form", "message": message.into(), "requestedSchema": requested_schema }),
        )
    }

    /// Ask the user to visit a URL (`elicitation/create`, URL mode, protocol 2025-11-25), e.g.
    /// to authorise access or enter a secret the client must not see. The answer's action says
    /// whether the user agreed to open it (`accept`); what happens there happens out of band.
    /// When it is done, tell the client with [`Context::elicitation_complete`] (within this
    /// request) or [`ServerHandle::elicitation_complete`](crate::ServerHandle::elicitation_complete)
    /// (later, e.g. from the page's callback). Fails with [`AskError::NotSupported`] unless the
    /// client declared URL mode (`"elicitation": {"url": {}}`).
    pub fn elicit_url(
        &self,
        message: impl Into<String>,
        url: impl Into<String>,
        elicitation_id: impl Into<String>,
    ) -> Ask<'a, ElicitResult> {
        Ask::new(
            *self,
            "elicitation/create",
            URL_ELICITATION,
            json!({ "mode": "url", "message": message.into(), "url": url.into(), "elicitationId": elicitation_id.into() }),
        )
    }

    /// Tell the client that the URL-mode elicitation `elicitation_id` is complete
    /// (`notifications/elicitation/complete`), so it can retry what waited on it. In the
    /// handshake era the notification goes to the session's client even after this request
    /// ends; otherwise on this request's stream.
    pub async fn elicitation_complete(&self, elicitation_id: &str) {
        let scope = self.scope();
        let sent = match &scope.url_elicitations {
            Some((registry, _)) => registry.complete(elicitation_id),
            None => false,
        };
        if !sent {
            scope
                .sink
                .send(&super::url_elicitations::completion(elicitation_id));
        }
    }

    /// The client's roots (`roots/list`).
    pub fn list_roots(&self) -> Ask<'a, Vec<Root>> {
        Ask::new(*self, "roots/list", "roots", json!({}))
    }
}
