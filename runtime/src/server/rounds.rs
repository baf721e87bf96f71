//! The rounds of a stateless-era request that runs a handler (`tools/call`, `resources/read`,
//! `prompts/get`): run it until it completes or is blocked only on asks the client has not
//! answered, then end the round with `input_required` and a sealed `requestState`.
//!
//! A retry either resumes the handler kept in memory ([`super::continuations`]), feeding it the new
//! answers, or, when this process does not hold it, replays it from the start with the answers
//! the `requestState` carries. Both give the handler the same answers.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures::future::Either;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::continuations::{Suspended, SuspendedRun};
use super::era::Envelope;
use super::prepare::{LazyBinding, Prepared};
use super::reply::Reply;
use super::request_state::{self, Binding, Owner, RoundState};
use super::runner::{self, Answers};
use super::tasks::{self, Escalation};
use super::ServerCore;
use crate::context::{LogFilter, OpenAsk, Round};
use crate::jsonrpc::{push_json_str, ErrorObject, RequestId};
use crate::transport::{Outbox, Relay};

/// What one request brings to its handler's rounds.
pub(crate) struct Retry {
    /// This request's `inputResponses`, by ask key.
    pub responses: Map<String, Value>,
    /// This request's `requestState`, if it is a retry.
    pub state: Option<String>,
}

/// How a round ended.
pub(crate) enum Ended {
    /// The handler's result (or, escalated, the task it became).
    Done(Reply),
    /// `input_required`: the whole result, as JSON text (built as text: no `Value` tree of the
    /// asks' parameters is made only to be serialised and dropped).
    InputRequired(String),
}

/// Run the handler for one round: to completion when every ask has an answer, or until it is
/// blocked only on unanswered asks, which are then sent as `input_required`.
///
/// Everything up to the handler's first poll happens here, before the returned future is
/// polled ([`start`]), so that nothing of it (the opened state, the prepared request) is held in
/// the future while the handler runs: a request's future is moved and copied as a whole.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_rounds<'a>(
    core: &'a Arc<ServerCore>,
    id: &RequestId,
    envelope: Envelope,
    owner: &'a Owner,
    prepared: Prepared,
    retry: Retry,
    sink: Outbox,
    cancel: CancellationToken,
    escalation: Option<Arc<Escalation>>,
) -> impl Future<Output = Result<Ended, ErrorObject>> + Send + 'a {
    // A handler that cannot use its context can ask nothing: without a state there is nothing to
    // resume or replay (and answers can only be to asks the server never made, which a first
    // round ignores too), so it runs as a plain call: no round, no relay, what it sends goes to
    // the response. With a state it goes the whole way, and is refused: it never issued one, and
    // its binding keeps no arguments.
    if !prepared.context && retry.state.is_none() && escalation.is_none() {
        let parts = scope_parts(id, envelope, sink, Answers::None, cancel);
        let (run, _) = runner::run(core, prepared, parts);
        return Either::Left(async move { run.await.map(Ended::Done) });
    }
    let started = start(
        core,
        id,
        envelope,
        owner,
        prepared,
        retry,
        cancel,
        escalation.as_ref(),
    );
    Either::Right(async move {
        match started? {
            Start::Resumed {
                handler,
                rounds,
                kept,
            } => drive(core, handler, rounds, move || kept, owner, &sink, None).await,
            Start::Fresh {
                handler,
                rounds,
                binding,
            } => {
                // The argument digest is computed only if the round ends with `input_required`.
                let sealed_binding = move || binding.into_parts();
                drive(
                    core,
                    handler,
                    rounds,
                    sealed_binding,
                    owner,
                    &sink,
                    escalation,
                )
                .await
            }
        }
    })
}

/// A round about to be driven ([`start`]).
enum Start {
    /// A handler kept in memory, resumed with this request's answers; what it was started for.
    Resumed {
        handler: Running,
        rounds: u32,
        kept: (Binding, Option<Value>, usize),
    },
    /// The handler run from the start (a first round, or a replay).
    Fresh {
        handler: Running,
        rounds: u32,
        binding: LazyBinding,
    },
}

/// Resume the handler this process keeps for the request's state, if any; otherwise open the
/// state and start the handler with the answers it carries.
#[allow(clippy::too_many_arguments)]
fn start(
    core: &Arc<ServerCore>,
    id: &RequestId,
    envelope: Envelope,
    owner: &Owner,
    mut prepared: Prepared,
    retry: Retry,
    cancel: CancellationToken,
    escalation: Option<&Arc<Escalation>>,
) -> Result<Start, ErrorObject> {
    let Retry { responses, state } = retry;
    // The handler may still be suspended here: resume it with the new answers. A kept handler is
    // found by the very token issued for it, from the same owner, unexpired (what opening the
    // token would prove: this process sealed it, so it is not opened again); this request must
    // be the one it was started for, which comparing the arguments proves without digesting
    // them. One that is not (other arguments) is dropped, and the state refused below.
    let kept = state.as_deref().and_then(|token| {
        core.continuations
            .take(&core.state_keys, token, owner)
            .filter(|k| prepared.binding.same_request(&k.binding, k.args.as_ref()))
    });
    if let Some(Suspended {
        run,
        round,
        binding,
        args,
        args_len,
        relay,
        rounds,
        ..
    }) = kept
    {
        let answered = round.supply(responses);
        tracing::debug!(%id, answered, "resuming a suspended handler in memory");
        return Ok(Start::Resumed {
            handler: Running { run, round, relay },
            rounds,
            kept: (binding, args, args_len),
        });
    }
    let previous = match &state {
        Some(token) => Some(
            request_state::open_for(&core.state_keys, token, owner)
                .map_err(|e| ErrorObject::invalid_params(e.to_string()))?,
        ),
        None => None,
    };
    let rounds = previous.as_ref().map_or(0, |s| s.rounds);
    // Replayed: the state must be this request's.
    if let Some(s) = &previous {
        request_state::check_binding(s, prepared.binding.resolve())
            .map_err(|e| ErrorObject::invalid_params(e.to_string()))?;
    }
    // The opened state is not needed past here: its maps are moved, not copied.
    let (mut answers, asked, memos): (Map<String, Value>, HashMap<String, String>, _) =
        match previous {
            Some(s) => (
                s.answers.into_iter().collect(),
                s.asked.into_iter().collect(),
                s.memos.into_iter().collect(),
            ),
            None => Default::default(),
        };
    // Only answers to what the last round asked count: an answer to an ask the server never made
    // (or made in no round this state proves) is ignored, never handed to the handler.
    for (key, response) in responses {
        if asked.contains_key(&key) {
            answers.insert(key, response);
        } else {
            tracing::debug!(%key, "ignoring an answer to an ask this request did not make");
        }
    }
    let round = Round::new(answers, asked, memos);

    // The handler's notifications go through a relay of its own to this request's response (or,
    // if it is resumed, to the response of the request that resumes it).
    let (relay, relay_sink) = Relay::new();
    let answers = match escalation {
        None => Answers::Replay(Arc::clone(&round)),
        Some(e) => Answers::Task(e.answers(Arc::clone(&round))),
    };
    let (run, binding) = runner::run(
        core,
        prepared,
        scope_parts(id, envelope, relay_sink, answers, cancel),
    );
    Ok(Start::Fresh {
        handler: Running {
            run: Box::pin(run),
            round,
            relay,
        },
        rounds,
        binding,
    })
}

/// What a stateless-era request contributes to its handler's scope.
fn scope_parts(
    id: &RequestId,
    envelope: Envelope,
    sink: Outbox,
    answers: Answers,
    cancel: CancellationToken,
) -> runner::ScopeParts {
    runner::ScopeParts {
        id: id.clone(),
        peer: envelope.peer,
        log_filter: Arc::new(LogFilter::for_request(envelope.log_level)),
        sink,
        answers,
        cancel,
    }
}

/// A handler being run: its future, its round, and the relay its frames go through.
struct Running {
    run: SuspendedRun,
    round: Arc<Round>,
    relay: Arc<Relay>,
}

/// Poll the handler until it completes, or until it is blocked only on unanswered asks (after
/// letting it settle, so that asks made concurrently land in the same round); then end the round
/// with `input_required`, keeping the suspended handler in memory when that is allowed.
/// Escalating (`ctx.run_as_task()`), the handler may instead ask to become a task: then it goes on
/// as one and this request is answered with the task (unless none can be made).
async fn drive(
    core: &Arc<ServerCore>,
    handler: Running,
    rounds: u32,
    binding: impl FnOnce() -> (Binding, Option<Value>, usize),
    owner: &Owner,
    sink: &Outbox,
    escalation: Option<Arc<Escalation>>,
) -> Result<Ended, ErrorObject> {
    let Running {
        mut run,
        round,
        relay,
    } = handler;
    // What the handler sends goes to this request's response, until this round ends.
    let attached = relay.attach(sink);
    let grace = core.limits.input_round_grace;
    // Running while the handler is blocked on an unanswered ask; a new ask starts it again.
    let mut settling: Option<Pin<Box<dyn Future<Output = ()> + Send>>> = None;
    loop {
        if settling.is_none() && round.has_open_asks() {
            settling = Some(Box::pin(settle(grace)));
        }
        tokio::select! {
            biased;
            // What the handler sent before its result is in the sink before it.
            outcome = &mut run => return outcome.map(Ended::Done),
            _ = round.new_ask.notified() => settling = None,
            _ = async { settling.as_mut().expect("settling").await }, if settling.is_some() => break,
            _ = escalation_requested(escalation.as_deref()) => {
                let e = escalation.as_deref().expect("only with an escalation");
                let task_owner = tasks::owner(owner.caller.as_deref());
                match core.tasks.adopt(e, task_owner, run).await {
                    Ok(created) => return Ok(Ended::Done(Reply::Value(created))),
                    Err(back) => run = back,
                }
            }
        }
    }
    drop(attached);
    if rounds + 1 > core.limits.max_input_rounds {
        return Err(ErrorObject::internal(format!(
            "gave up after {} rounds of input; the request still needs: {}",
            rounds,
            round.with_open_asks(|open| open.keys().cloned().collect::<Vec<_>>().join(", "))
        )));
    }
    let (binding, args, args_len) = binding();
    // An escalating handler is not kept: its answers watch this request's escalation, which a
    // retry does not carry; the retry replays it with its own.
    let keep = escalation.is_none() && core.continuations.enabled();
    let next = RoundState {
        binding,
        owner: owner.clone(),
        expires_ms: request_state::expiry(core.limits.request_state_ttl),
        rounds: rounds + 1,
        answers: round.used_answers(),
        asked: round.with_open_asks(|open| {
            open.iter()
                .map(|(k, a)| (k.clone(), a.digest.clone()))
                .collect()
        }),
        memos: round.all_memos(),
    };
    let token = request_state::seal(&core.state_keys, &next);
    let result = round.with_open_asks(|open| input_required(open, &token, core));
    if keep {
        // The kept handler takes over what was sealed (moved, not copied).
        let RoundState {
            binding,
            owner,
            rounds,
            expires_ms,
            ..
        } = next;
        let bytes = std::mem::size_of_val(&*run) + token.len() + args_len;
        core.continuations.insert(Suspended {
            run,
            round,
            owner,
            binding,
            args,
            args_len,
            relay,
            bytes,
            rounds,
            expires_ms,
            token,
        });
    }
    Ok(Ended::InputRequired(result))
}

/// The `input_required` result, as JSON text: the open asks (their parameters already JSON
/// text), the sealed state, the server's identity.
fn input_required(
    open: &std::collections::BTreeMap<String, OpenAsk>,
    token: &str,
    core: &ServerCore,
) -> String {
    let mut out = String::with_capacity(
        160 + token.len()
            + open
                .iter()
                .map(|(k, a)| k.len() + a.params_json.len() + 48)
                .sum::<usize>(),
    );
    out.push_str(r#"{"resultType":"input_required","inputRequests":{"#);
    for (i, (key, ask)) in open.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, key);
        out.push_str(r#":{"method":"#);
        push_json_str(&mut out, ask.method);
        out.push_str(r#","params":"#);
        out.push_str(&ask.params_json);
        out.push('}');
    }
    out.push_str(r#"},"requestState":"#);
    // A key id (`A-Z a-z 0-9 _ -`), a dot and base64url: nothing to escape.
    debug_assert!(!token.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20));
    out.push('"');
    out.push_str(token);
    out.push('"');
    out.push_str(r#","_meta":"#);
    out.push_str(&core.result_meta);
    out.push('}');
    out
}

/// Completes when the handler asks to become a task; never without an escalation.
async fn escalation_requested(escalation: Option<&Escalation>) {
    match escalation {
        Some(e) => e.requested().await,
        None => std::future::pending().await,
    }
}

/// How long a handler blocked on an unanswered ask may keep going before the round ends. With no
/// grace, one scheduler turn (every task already woken runs before this one is polled again):
/// asks made concurrently (`join!`) register in the same poll, and answered asks resolve at once,
/// so the handler reaches its next unanswered ask without waiting on a clock; a timer racing an
/// ask is simply redone next round. (Each turn re-polls the whole request: more turns cost every
/// multi round-trip call.)
async fn settle(grace: std::time::Duration) {
    if grace.is_zero() {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(grace).await;
    }
}
