//! The one handler runner of both eras: it builds the request scope (with the handler's name and
//! the sampling policy, so no entry point can forget them), runs the handler, and turns a panic
//! into the prepared fallback answer.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::prepare::{LazyBinding, Prepared};
use super::reply::Reply;
use super::ServerCore;
use crate::context::{
    AnswerSource, Context, ExecutionSlot, LiveAnswers, LogFilter, NoAnswers, PeerInfo,
    ReplayAnswers, RequestScope, Round,
};
use crate::jsonrpc::{ErrorObject, Message, Pending, RequestId, Response, ResultJson};
use crate::transport::Outbox;

/// Where the answers to the handler's asks come from.
pub(crate) enum Answers {
    /// Handshake era: live requests to the client on the request's own sink, the handler's
    /// server-wide execution slot (lent back while an ask waits on the client), and the
    /// session's own outgoing queue (where an elicitation's completion goes).
    Live(Arc<Pending<ResultJson>>, Option<Arc<ExecutionSlot>>, Outbox),
    /// Stateless era: the retried request's answers, or the end of the round.
    Replay(Arc<Round>),
    /// A task (either era): asks wait for the client's `tasks/update`.
    Task(Box<dyn AnswerSource>),
    /// None: the handler cannot use its context ([`Prepared::context`]).
    None,
}

/// What a request contributes to its handler's scope.
pub(crate) struct ScopeParts {
    pub id: RequestId,
    pub peer: Arc<PeerInfo>,
    pub log_filter: Arc<LogFilter>,
    /// Where the handler's notifications (and live asks) go.
    pub sink: Outbox,
    pub answers: Answers,
    pub cancel: CancellationToken,
}

/// Run `prepared` in a scope made of `parts`. The returned future owns the scope and borrows nothing, so a
/// caller may race it against other events (the stateless era ends a round that way) or spawn
/// it. Also returns what the `requestState` of a next round binds to.
pub(crate) fn run(
    core: &ServerCore,
    prepared: Prepared,
    parts: ScopeParts,
) -> (
    impl Future<Output = Result<Reply, ErrorObject>> + Send + 'static,
    LazyBinding,
) {
    let Prepared {
        handler,
        on_panic,
        binding,
        meta,
        caller,
        context: _,
        task: _,
    } = prepared;
    let progress_token = progress_token(meta.as_ref());
    let limits = Arc::clone(&core.limits);
    let sampling = Arc::clone(&core.sampling);
    let url_elicitations = Arc::clone(&core.shared.url_elicitations);
    let name = binding.name().to_owned();
    let run = async move {
        let ScopeParts {
            id,
            peer,
            log_filter,
            sink,
            answers,
            cancel,
        } = parts;
        let session = match &answers {
            Answers::Live(_, _, outbox) => Some((url_elicitations, outbox.clone())),
            Answers::Replay(_) | Answers::Task(_) | Answers::None => None,
        };
        let mut scope = RequestScope::new(
            id.clone(),
            progress_token,
            peer,
            limits,
            log_filter,
            sink.clone(),
            match answers {
                Answers::Live(pending, slot, _) => Box::new(LiveAnswers {
                    pending,
                    sink,
                    slot,
                }),
                Answers::Replay(round) => Box::new(ReplayAnswers(round)),
                Answers::Task(source) => source,
                Answers::None => Box::new(NoAnswers),
            },
            cancel,
        );
        scope.handler = Some(name);
        scope.sampling = sampling;
        scope.auth = caller.auth;
        scope.request = caller.request;
        scope.url_elicitations = session;
        AssertUnwindSafe(handler(Context::new(&scope)))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                tracing::error!(%id, panic = %panic_message(&*panic), "handler panicked");
                on_panic().map(Reply::Value)
            })
    };
    (run, binding)
}

/// The `progressToken` of a request's `_meta`, when it is a string or an integer.
fn progress_token(meta: Option<&Map<String, Value>>) -> Option<Value> {
    meta?
        .get("progressToken")
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        .cloned()
}

/// Send the response to request `id`: its result (as text when the handler wrote it so) or its
/// error.
pub(crate) fn reply_with(sink: &Outbox, id: RequestId, outcome: Result<Reply, ErrorObject>) {
    match outcome {
        Ok(Reply::Json(text)) => {
            sink.send_raw_result(&id, &text);
        }
        other => reply(sink, id, other.map(Reply::into_value)),
    }
}

/// Send the response to request `id`: its result or its error.
pub(crate) fn reply(sink: &Outbox, id: RequestId, outcome: Result<Value, ErrorObject>) {
    sink.send(&Message::Response(Response {
        id: Some(id),
        outcome,
    }));
}

/// The text of a panic's payload.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_read_from_str_and_string_payloads() {
        let text = |f: fn()| panic_message(&*std::panic::catch_unwind(f).unwrap_err());
        assert_eq!(text(|| panic!("plain")), "plain");
        assert_eq!(text(|| panic!("formatted {}", 1)), "formatted 1");
        assert_eq!(
            text(|| std::panic::panic_any(7_u8)),
            "non-string panic payload"
        );
    }
}
