//! The seam between "a handler asks the client something" and "where the answer comes from".
//!
//! In the legacy era (up to 2025-11-25) an ask is a live server-to-client request on the same
//! connection ([`LiveAnswers`]). In the stateless era an ask is answered from the retried request's
//! `inputResponses`, or ends the round with `input_required`; that source plugs in here without
//! any change to `Context` or to user code.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;

use super::slot::ExecutionSlot;
use crate::jsonrpc::{
    json_len, CancelOnDrop, ErrorObject, Message, PeerError, Pending, RegisterError, Request,
    RequestId, ResultJson,
};
use crate::transport::Outbox;

/// Why an ask produced no answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnswerError {
    /// The client answered with an error.
    Rpc(ErrorObject),
    /// No answer within the time allowed.
    Timeout(Duration),
    /// The connection is gone.
    Closed,
    /// Too many requests to the client are already waiting for answers.
    Busy,
}

/// Where the answers to a request's asks come from.
pub(crate) trait AnswerSource: Send + Sync {
    /// Ask the client `method` with `params`, waiting at most `timeout`. `key` is the author's
    /// name for the ask (used by multi round-trip requests; ignored by live requests).
    fn ask<'a>(
        &'a self,
        method: &'static str,
        params: Value,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>>;

    /// True when the source uses an ask's params as JSON text (a live ask sends them as they
    /// are, a replayed one digests them and sends them in `input_required`): then they are better
    /// given as text ([`AnswerSource::ask_text`]) than built into a value first.
    fn takes_text(&self) -> bool {
        false
    }

    /// [`AnswerSource::ask`] with the params as JSON text, and the answer as it came: a live
    /// answer is the text of the client's frame, for the asker to decode once
    /// ([`ResultJson::decode`]). Only called when [`AnswerSource::takes_text`]; any other source
    /// reads the text into a value.
    fn ask_text<'a>(
        &'a self,
        method: &'static str,
        params: String,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<ResultJson, AnswerError>> {
        match serde_json::from_str(&params) {
            Ok(value) => {
                let ask = self.ask(method, value, key, timeout);
                Box::pin(async move { ask.await.map(ResultJson::Value) })
            }
            Err(e) => Box::pin(std::future::ready(Err(AnswerError::Rpc(
                ErrorObject::internal(format!("unreadable params for `{method}`: {e}")),
            )))),
        }
    }

    /// A memoised value from an earlier round, with the key to store a new one under.
    fn recall(&self, _name: &str) -> (String, Option<Value>) {
        (String::new(), None)
    }

    /// Store a memoised value for later rounds.
    fn remember(&self, _key: String, _value: Value) {}

    /// Turn the rest of the request into a task (the tasks extension); true once it is one.
    /// Sources that cannot (no task-capable caller) answer false at once.
    fn escalate(&self) -> BoxFuture<'_, bool> {
        Box::pin(std::future::ready(false))
    }
}

/// The answers of a handler that is never given access to its context (`#[tool]` on a function
/// without one, stateless era): it can ask nothing, so no round is kept to answer it. Were an ask
/// to come anyway, it would fail at once rather than wait for a round that never ends.
pub(crate) struct NoAnswers;

impl AnswerSource for NoAnswers {
    fn ask<'a>(
        &'a self,
        method: &'static str,
        _params: Value,
        _key: Option<&'a str>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>> {
        Box::pin(std::future::ready(Err(AnswerError::Rpc(
            ErrorObject::internal(format!(
                "`{method}` asked by a handler registered as taking no context"
            )),
        ))))
    }
}

/// Live server-to-client requests on the connection the request came in on.
pub(crate) struct LiveAnswers {
    pub pending: Arc<Pending<ResultJson>>,
    pub sink: Outbox,
    /// The handler's server-wide execution slot, lent back to the server while an ask waits on
    /// the client (none when the request runs without one).
    pub slot: Option<Arc<ExecutionSlot>>,
}

impl AnswerSource for LiveAnswers {
    fn ask<'a>(
        &'a self,
        method: &'static str,
        params: Value,
        _key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>> {
        Box::pin(async move {
            let bytes = json_len(&params);
            let send = move |sink: &Outbox, id: &RequestId| {
                sink.send(&Message::Request(Request::new(
                    id.clone(),
                    method,
                    Some(params),
                )))
            };
            let answer = self.ask_live(bytes, send, timeout).await?;
            answer
                .into_value()
                .map_err(|e| AnswerError::Rpc(e.into_error()))
        })
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn ask_text<'a>(
        &'a self,
        method: &'static str,
        params: String,
        _key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<ResultJson, AnswerError>> {
        Box::pin(async move {
            // The params go into the frame as they are: serialised once, never a value.
            let bytes = params.len();
            let send =
                move |sink: &Outbox, id: &RequestId| sink.send_raw_request(id, method, &params);
            self.ask_live(bytes, send, timeout).await
        })
    }
}

impl LiveAnswers {
    /// Register an ask of `bytes` of params, `send` it under its id, and wait for the answer.
    async fn ask_live(
        &self,
        bytes: usize,
        send: impl FnOnce(&Outbox, &RequestId) -> bool,
        timeout: Duration,
    ) -> Result<ResultJson, AnswerError> {
        {
            // The guard removes the pending entry however this future ends (answer, timeout,
            // or being dropped on cancellation), so a late answer is ignored.
            let mut guard = self.pending.try_register(bytes).map_err(|e| match e {
                RegisterError::Closed => AnswerError::Closed,
                RegisterError::Full | RegisterError::FullBytes => AnswerError::Busy,
            })?;
            let sent = send(&self.sink, guard.id());
            if !sent {
                return Err(AnswerError::Closed);
            }
            // If this future ends without an answer (timeout, or dropped because the request was
            // cancelled or a sibling future failed), tell the client to stop working on it.
            let mut cancel = CancelOnDrop {
                sink: &self.sink,
                id: Some(guard.id().clone()),
                reason: "the server no longer needs the answer".into(),
            };
            // Waiting on the client holds no server-wide slot: a client that never answers
            // cannot starve the others. The slot is taken back before the handler goes on.
            let lent = self.slot.as_ref().map(ExecutionSlot::lend);
            let answer = tokio::time::timeout(timeout, guard.answer()).await;
            if let Some(lent) = lent {
                lent.retake().await;
            }
            let outcome = match answer {
                Err(_) => {
                    cancel.reason = "the server stopped waiting for the answer (timeout)".into();
                    Err(AnswerError::Timeout(timeout))
                }
                Ok(Ok(v)) => Ok(v),
                Ok(Err(PeerError::Rpc(e))) => Err(AnswerError::Rpc(e)),
                Ok(Err(PeerError::Closed)) => Err(AnswerError::Closed),
            };
            if !matches!(outcome, Err(AnswerError::Timeout(_))) {
                cancel.id = None; // answered (or the connection is gone): nothing to cancel
            }
            outcome
        }
    }
}
