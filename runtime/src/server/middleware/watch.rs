//! The dispatcher's side of middleware: a [`Watch`] runs the chain's `before`s when a request is
//! taken and their `after`s when it ends, however it ends.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;
use tracing::Instrument;

use super::{Middleware, Outcome, RequestInfo};
use crate::jsonrpc::{ErrorObject, Request, RequestId};
use crate::protocol::Era;
use crate::server::reply::Reply;
use crate::server::{runner, ServerCore};
use crate::transport::Outbox;
use crate::transport::RequestFacts;

/// The middleware registered on a server, in order.
pub(crate) type Chain = Arc<[Arc<dyn Middleware>]>;

/// One request under watch: the middleware whose `before` passed, owed an `after`.
pub(crate) struct Watch {
    chain: Chain,
    /// Boxed: a request's future holds its watch (or `None`) across every await, so the watch is
    /// kept small.
    info: Box<RequestInfo>,
    /// How many of the chain's `before`s returned `Ok` (their `after`s are owed).
    passed: usize,
    done: bool,
}

impl Watch {
    /// Run the `before`s of `chain` for `req`: `Ok(None)` without middleware (nothing to do),
    /// `Err` when one refused the request (the `after`s of those before it have run).
    pub(crate) fn start(
        chain: Option<&Chain>,
        req: &Request,
        era: Era,
        facts: &RequestFacts,
    ) -> Result<Option<Watch>, ErrorObject> {
        let Some(chain) = chain else { return Ok(None) };
        let mut watch = Watch {
            chain: Arc::clone(chain),
            info: Box::new(RequestInfo::of(req, era, facts)),
            passed: 0,
            done: false,
        };
        for m in watch.chain.iter() {
            if let Err(e) = m.before(&mut watch.info) {
                watch.end(None, Some(&e), true);
                return Err(e);
            }
            watch.passed += 1;
        }
        Ok(Some(watch))
    }

    /// The span the request is served in.
    pub(crate) fn span(&self) -> tracing::Span {
        self.info.span().clone()
    }

    fn end(&mut self, result: Option<&Value>, error: Option<&ErrorObject>, completed: bool) {
        self.done = true;
        let outcome = Outcome {
            elapsed: self.info.started().elapsed(),
            result,
            error,
            completed,
        };
        for m in self.chain[..self.passed].iter().rev() {
            m.after(&self.info, &outcome);
        }
    }
}

impl Drop for Watch {
    /// A request dropped before its response (cancelled, its connection gone).
    fn drop(&mut self) {
        if !self.done {
            self.end(None, None, false);
        }
    }
}

/// End `watch` (if any) with the response the client is about to get: a result (`Ok(None)` for
/// one sent pre-serialised) or an error.
pub(crate) fn finish(watch: Option<Watch>, outcome: Result<Option<&Value>, &ErrorObject>) {
    if let Some(mut w) = watch {
        match outcome {
            Ok(result) => w.end(result, None, true),
            Err(e) => w.end(None, Some(e), true),
        }
    }
}

/// The watch of a request being dispatched, taken by whichever path answers it.
pub(crate) type Slot = Cell<Option<Watch>>;

/// Start watching `req` ([`Watch::start`]); when a middleware refuses it, answer it on `sink`
/// with the refusal and return `None`.
pub(crate) fn start_or_refuse(
    core: &ServerCore,
    req: &Request,
    era: Era,
    facts: &RequestFacts,
    sink: &Outbox,
) -> Option<Slot> {
    match Watch::start(core.middleware.as_ref(), req, era, facts) {
        Ok(watch) => Some(Cell::new(watch)),
        Err(e) => {
            runner::reply(sink, req.id.clone(), Err(e));
            None
        }
    }
}

/// Answer request `id` on `sink` with `outcome`, ending its watch first.
pub(crate) fn reply(
    watch: &Slot,
    sink: &Outbox,
    id: RequestId,
    outcome: Result<Value, ErrorObject>,
) {
    finish(watch.take(), outcome.as_ref().map(Some));
    runner::reply(sink, id, outcome)
}

/// Answer request `id` on `sink` with a listing page (serialised already) or the error, ending
/// its watch first.
pub(crate) fn send_page(
    watch: &Slot,
    sink: &Outbox,
    id: RequestId,
    page: Result<String, ErrorObject>,
) {
    match page {
        Ok(json) => {
            finish(watch.take(), Ok(None));
            sink.send_raw_result(&id, &json);
        }
        Err(e) => reply(watch, sink, id, Err(e)),
    }
}

/// Run `run` (in the watch's span, if any), end the watch with its outcome, and answer request
/// `id` on `sink` with it.
pub(crate) fn answer(
    watch: Option<Watch>,
    sink: Outbox,
    id: RequestId,
    run: impl Future<Output = Result<Reply, ErrorObject>> + Send + 'static,
) -> BoxFuture<'static, ()> {
    let span = watch.as_ref().map(Watch::span);
    in_span(span, async move {
        let outcome = run.await;
        finish_reply(watch, outcome.as_ref());
        runner::reply_with(&sink, id, outcome)
    })
}

/// [`finish`] with a handler's [`Reply`]: a result written as text is read back for the
/// middleware only when there is one.
pub(crate) fn finish_reply(watch: Option<Watch>, outcome: Result<&Reply, &ErrorObject>) {
    let Some(watch) = watch else { return };
    match outcome {
        Ok(reply) => {
            let read_back = reply.watched(true);
            let result = match reply {
                Reply::Value(v) => Some(v),
                Reply::Json(_) => read_back.as_ref(),
            };
            finish(Some(watch), Ok(result));
        }
        Err(e) => finish(Some(watch), Err(e)),
    }
}

/// `fut` as a boxed future, run inside `span` when there is one.
fn in_span<'a, F>(span: Option<tracing::Span>, fut: F) -> BoxFuture<'a, F::Output>
where
    F: Future + Send + 'a,
{
    match span {
        Some(span) => Box::pin(fut.instrument(span)),
        None => Box::pin(fut),
    }
}
