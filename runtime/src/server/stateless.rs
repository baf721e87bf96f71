//! Serving stateless-era (2026-07-28) requests: no session, capabilities per request, results
//! tagged with `resultType`, and `ctx.sample()`/`elicit()`/`list_roots()` answered over multi
//! round-trip requests instead of server-to-client requests.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::builder::ServerEvent;
use super::era::{
    self, Envelope, META_SERVER_INFO, META_SUBSCRIPTION, STATELESS_PROTOCOL_VERSIONS,
};
use super::prepare::{complete, prepare, Caller, Prepared};
use super::request_state::{self, Binding, Owner, RoundState};
use super::runner::{self, Answers};
use super::tasks::{self, Escalation, Mode};
use super::{http_rules, parse_params, subscriptions, ServerCore};
use crate::context::{LogFilter, Round};
use crate::jsonrpc::{ErrorObject, Message, Request, RequestId, Response};
use crate::protocol::Era;
use crate::transport::{Outbox, RequestFacts};

/// An admitted stateless-era request: its envelope, and whom its `requestState` belongs to.
pub(crate) struct Admitted {
    envelope: Envelope,
    owner: Owner,
    /// Whom a listen stream counts against ([`subscriptions::listener_key`]).
    listener: Option<String>,
    /// Who is calling, for scope checks, `ctx.auth()` and `ctx.http_request()`.
    caller: Caller,
}

/// Admit a stateless-era request: its `_meta` envelope (with the version header on HTTP outside a
/// session), then, there, the headers that mirror its body.
pub(crate) fn accept(
    core: &ServerCore,
    req: &Request,
    facts: &RequestFacts,
) -> Result<Admitted, ErrorObject> {
    let http = era::sessionless_http(facts);
    let envelope = era::validate(req, http)?;
    if let Some(headers) = http {
        http_rules::check(headers, req, &core.shared.registry())?;
    }
    tracing::debug!(method = %req.method, peer = ?facts.peer_addr, "stateless request");
    let owner = Owner {
        protocol_version: envelope.peer.protocol_version.clone(),
        caller: facts.caller.clone(),
    };
    Ok(Admitted {
        envelope,
        owner,
        listener: subscriptions::listener_key(facts),
        caller: Caller::of(facts),
    })
}

/// True when serving `req` runs a handler or other work that takes a concurrency permit (a
/// `subscriptions/listen` stream waits for changes, and holds none).
pub(crate) fn takes_permit(req: &Request) -> bool {
    req.method != "subscriptions/listen"
}

/// Serve one stateless-era request that was [`accept`]ed; its messages and its response go to
/// `sink`. Returns when the response was sent (a `subscriptions/listen` stream: when it is
/// cancelled or its reader is gone).
pub(crate) async fn serve(
    core: Arc<ServerCore>,
    req: Request,
    admitted: Admitted,
    sink: Outbox,
    cancel: CancellationToken,
) {
    let Admitted {
        envelope,
        owner,
        listener,
        caller,
    } = admitted;
    let Request { id, method, params } = req;
    let registry = core.shared.registry();
    let outcome = match method.as_str() {
        "server/discover" => Ok(discover(&core)),
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
            #[derive(Deserialize)]
            struct ListParams {
                #[serde(default)]
                cursor: Option<String>,
            }
            match parse_params::<ListParams>(&method, params)
                .and_then(|p| registry.list(&method, p.cursor.as_deref(), core.page_size))
            {
                Ok(listing) => {
                    let extra = format!(
                        r#""resultType":"complete","ttlMs":{},"cacheScope":"public","_meta":{}"#,
                        core.limits.list_ttl.as_millis(),
                        server_meta(&core)
                    );
                    sink.send_raw_result(&id, &splice(&listing, &extra));
                    return;
                }
                Err(e) => Err(e),
            }
        }
        "completion/complete" => complete(&registry, params).map(|v| finish(&core, v, None)),
        "tools/call" | "resources/read" | "prompts/get" => {
            let cache = (method == "resources/read").then_some(core.limits.read_ttl.as_millis());
            let inputs = take_inputs(params);
            match inputs {
                Err(e) => Err(e),
                Ok((params, responses, state)) => match prepare(
                    &registry,
                    &method,
                    params,
                    &envelope.peer,
                    Era::Stateless,
                    core.expose_errors,
                    &caller,
                ) {
                    Err(e) => Err(e),
                    Ok(prepared) => match tasks::mode(
                        &registry,
                        (method == "tools/call").then_some(prepared.binding.name.as_str()),
                        &envelope.peer.capabilities,
                    ) {
                        Err(e) => Err(e),
                        Ok(Mode::Task) => {
                            let start = tasks::Start {
                                id: id.clone(),
                                peer: Arc::clone(&envelope.peer),
                                log_filter: Arc::new(LogFilter::for_request(envelope.log_level)),
                                owner: tasks::owner(owner.caller.as_deref()),
                            };
                            core.tasks.start(&core, prepared, start).await
                        }
                        Ok(mode) => run_rounds(
                            &core,
                            &id,
                            envelope,
                            &owner,
                            prepared,
                            responses,
                            state,
                            sink.clone(),
                            cancel,
                            (mode == Mode::Escalating).then(Escalation::new),
                        )
                        .await
                        .map(|v| {
                            let tag = v.get("resultType").and_then(Value::as_str);
                            if matches!(tag, Some("input_required" | "task")) {
                                v
                            } else {
                                finish(&core, v, cache)
                            }
                        }),
                    },
                },
            }
        }
        m if tasks::METHODS.contains(&m) => match tasks::gate(m, &envelope.peer.capabilities) {
            Ok(()) => {
                let owner = tasks::owner(owner.caller.as_deref());
                core.tasks.serve(m, &owner, params).await
            }
            Err(e) => Err(e),
        },
        "subscriptions/listen" => {
            let task_owner = tasks::declared(&envelope.peer.capabilities)
                .then(|| tasks::owner(owner.caller.as_deref()));
            let watch = core.tasks.watch(task_owner);
            listen(&core, &id, params, listener, &sink, cancel, watch).await;
            return;
        }
        _ => Err(ErrorObject::method_not_found(&method)),
    };
    sink.send(&Message::Response(Response {
        id: Some(id),
        outcome,
    }));
}

fn server_meta(core: &ServerCore) -> Value {
    json!({ META_SERVER_INFO: core.info })
}

/// Tag a complete result: `resultType`, the server's identity, and cache hints where required.
fn finish(core: &ServerCore, mut v: Value, cache_ttl_ms: Option<u128>) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.insert("resultType".into(), json!("complete"));
        let meta = obj.entry("_meta").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert(
                META_SERVER_INFO.into(),
                serde_json::to_value(&core.info).expect("serialisable"),
            );
        }
        if let Some(ttl) = cache_ttl_ms {
            obj.insert("ttlMs".into(), json!(ttl as u64));
            obj.insert("cacheScope".into(), json!("private"));
        }
    }
    v
}

/// Insert `extra` members into the JSON object `listing`.
fn splice(listing: &str, extra: &str) -> String {
    let body = listing.strip_suffix('}').expect("listings are objects");
    format!("{body},{extra}}}")
}

fn discover(core: &ServerCore) -> Value {
    let mut capabilities = serde_json::to_value(core.capabilities()).expect("serialisable");
    if let Some(caps) = capabilities.as_object_mut() {
        // Logging and subscriptions are per request in this era.
        caps.remove("logging");
        if let Some(r) = caps.get_mut("resources").and_then(Value::as_object_mut) {
            r.remove("subscribe");
        }
    }
    let mut result = json!({
        "supportedVersions": STATELESS_PROTOCOL_VERSIONS,
        "capabilities": capabilities,
        "ttlMs": 0,
        "cacheScope": "private",
    });
    if let Some(i) = &core.instructions {
        result["instructions"] = json!(i);
    }
    finish(core, result, None)
}

/// Split `inputResponses` and `requestState` off the params, checking their shapes.
#[allow(clippy::type_complexity)]
fn take_inputs(
    params: Option<Value>,
) -> Result<(Option<Value>, Map<String, Value>, Option<String>), ErrorObject> {
    let Some(Value::Object(mut p)) = params else {
        return Ok((params, Map::new(), None));
    };
    let responses = match p.remove("inputResponses") {
        None => Map::new(),
        Some(Value::Object(m)) => {
            if let Some((k, _)) = m.iter().find(|(_, v)| !v.is_object()) {
                return Err(ErrorObject::invalid_params(format!("`inputResponses.{k}` must be an object (the client's result for that input request)")));
            }
            m
        }
        Some(_) => {
            return Err(ErrorObject::invalid_params(
                "`inputResponses` must be an object keyed by input request",
            ))
        }
    };
    let state = match p.remove("requestState") {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            return Err(ErrorObject::invalid_params(
                "`requestState` must be the string the server sent",
            ))
        }
    };
    Ok((Some(Value::Object(p)), responses, state))
}

/// Run the handler for one round: to completion when every ask has an answer, or until it is
/// blocked only on unanswered asks, which are then sent as `input_required`.
#[allow(clippy::too_many_arguments)]
async fn run_rounds(
    core: &Arc<ServerCore>,
    id: &RequestId,
    envelope: Envelope,
    owner: &Owner,
    prepared: Prepared,
    responses: Map<String, Value>,
    state: Option<String>,
    sink: Outbox,
    cancel: CancellationToken,
    escalation: Option<Arc<Escalation>>,
) -> Result<Value, ErrorObject> {
    let previous = match &state {
        Some(token) => Some(
            request_state::open(&core.state_keys, token, &prepared.binding, owner)
                .map_err(|e| ErrorObject::invalid_params(e.to_string()))?,
        ),
        None => None,
    };
    let rounds = previous.as_ref().map_or(0, |s| s.rounds);
    let mut answers: Map<String, Value> = previous
        .as_ref()
        .map(|s| s.answers.clone().into_iter().collect())
        .unwrap_or_default();
    let asked: HashMap<String, String> = previous
        .as_ref()
        .map(|s| s.asked.clone().into_iter().collect())
        .unwrap_or_default();
    // Only answers to what the last round asked count: an answer to an ask the server never made
    // (or made in no round this state proves) is ignored, never handed to the handler.
    for (key, response) in responses {
        if asked.contains_key(&key) {
            answers.insert(key, response);
        } else {
            tracing::debug!(%key, "ignoring an answer to an ask this request did not make");
        }
    }
    let memos: Map<String, Value> = previous
        .map(|s| s.memos.into_iter().collect())
        .unwrap_or_default();
    let round = Round::new(answers, asked, memos);

    let (run, binding) = runner::run(
        core,
        prepared,
        runner::ScopeParts {
            id: id.clone(),
            peer: envelope.peer,
            log_filter: Arc::new(LogFilter::for_request(envelope.log_level)),
            sink,
            answers: match &escalation {
                None => Answers::Replay(Arc::clone(&round)),
                Some(e) => Answers::Task(e.answers(Arc::clone(&round))),
            },
            cancel,
        },
    );
    let mut run: BoxFuture<'static, _> = Box::pin(run);
    // Run until done or until the handler asks something unanswered (or, escalating, to become
    // a task: then it goes on as one, unless none can be made)...
    loop {
        tokio::select! {
            biased;
            outcome = &mut run => return outcome,
            _ = round.new_ask.notified() => break,
            _ = escalation_requested(escalation.as_deref()) => {
                let e = escalation.as_deref().expect("only with an escalation");
                let task_owner = tasks::owner(owner.caller.as_deref());
                match core.tasks.adopt(e, task_owner, run).await {
                    Ok(created) => return Ok(created),
                    Err(back) => run = back,
                }
            }
        }
    }
    // ...then let it settle, so that asks made concurrently land in the same round.
    let grace = core.limits.input_round_grace;
    loop {
        tokio::select! {
            biased;
            outcome = &mut run => return outcome,
            _ = round.new_ask.notified() => continue,
            _ = settle(grace) => break,
        }
    }
    let open = round.open_asks();
    if rounds + 1 > core.limits.max_input_rounds {
        return Err(ErrorObject::internal(format!(
            "gave up after {} rounds of input; the request still needs: {}",
            rounds,
            open.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    let next = RoundState {
        binding: Binding { ..binding },
        owner: owner.clone(),
        expires_ms: request_state::expiry(core.limits.request_state_ttl),
        rounds: rounds + 1,
        answers: round.used_answers(),
        asked: open
            .iter()
            .map(|(k, a)| (k.clone(), a.digest.clone()))
            .collect(),
        memos: round.all_memos(),
    };
    let input_requests: Map<String, Value> = open
        .into_iter()
        .map(|(k, a)| (k, json!({ "method": a.method, "params": a.params })))
        .collect();
    Ok(json!({
        "resultType": "input_required",
        "inputRequests": input_requests,
        "requestState": request_state::seal(&core.state_keys, &next),
        "_meta": server_meta(core),
    }))
}

/// Completes when the handler asks to become a task; never without an escalation.
async fn escalation_requested(escalation: Option<&Escalation>) {
    match escalation {
        Some(e) => e.requested().await,
        None => std::future::pending().await,
    }
}

/// How long a handler blocked on an unanswered ask may keep going before the round ends. With no
/// grace, a few scheduler turns: asks made concurrently (`join!`) register in the same poll, and
/// answered asks resolve at once, so the handler reaches its next unanswered ask without waiting
/// on a clock; a timer racing an ask is simply redone next round.
async fn settle(grace: std::time::Duration) {
    if grace.is_zero() {
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
    } else {
        tokio::time::sleep(grace).await;
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Filter {
    #[serde(default)]
    tools_list_changed: bool,
    #[serde(default)]
    prompts_list_changed: bool,
    #[serde(default)]
    resources_list_changed: bool,
    #[serde(default)]
    resource_subscriptions: Vec<String>,
}

#[derive(Deserialize)]
struct ListenParams {
    #[serde(default)]
    notifications: Option<Filter>,
}

/// `subscriptions/listen`: acknowledge, then forward the changes the filter asks for (and, to a
/// caller that declared the tasks extension, its tasks' status changes), each tagged with the
/// subscription id, until cancelled or the reader is gone.
async fn listen(
    core: &Arc<ServerCore>,
    id: &RequestId,
    params: Option<Value>,
    listener: Option<String>,
    sink: &Outbox,
    cancel: CancellationToken,
    mut tasks: tasks::Watch,
) {
    let filter = match parse_params::<ListenParams>("subscriptions/listen", params) {
        Ok(p) => p.notifications.unwrap_or_default(),
        Err(e) => {
            sink.send(&Message::error(Some(id.clone()), e));
            return;
        }
    };
    // Held until the stream ends.
    let _open = match core
        .listens
        .open(listener, &filter.resource_subscriptions, &core.limits)
    {
        Ok(guard) => guard,
        Err(e) => {
            sink.send(&Message::error(Some(id.clone()), e));
            return;
        }
    };
    let mut events = core.shared.events.subscribe();
    let registry = core.shared.registry();
    let tag = json!({ META_SUBSCRIPTION: id });
    // Acknowledge what will be honoured.
    let mut granted = Map::new();
    if filter.tools_list_changed {
        granted.insert("toolsListChanged".into(), json!(true));
    }
    if filter.prompts_list_changed && registry.has_prompts() {
        granted.insert("promptsListChanged".into(), json!(true));
    }
    if filter.resources_list_changed && registry.has_resources() {
        granted.insert("resourcesListChanged".into(), json!(true));
    }
    if !filter.resource_subscriptions.is_empty() && registry.has_resources() {
        granted.insert(
            "resourceSubscriptions".into(),
            json!(filter.resource_subscriptions),
        );
    }
    if !sink.send(&Message::notification(
        "notifications/subscriptions/acknowledged",
        Some(json!({ "_meta": tag, "notifications": granted })),
    )) {
        return;
    }
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return,
            mut task = tasks.next() => {
                task["_meta"] = tag.clone();
                if !sink.send(&Message::notification(tasks::NOTIFICATION, Some(task))) {
                    return;
                }
                continue;
            }
            e = events.recv() => e,
        };
        let (method, extra) = match event {
            Ok(ServerEvent::ToolsChanged) if filter.tools_list_changed => {
                ("notifications/tools/list_changed", None)
            }
            Ok(ServerEvent::PromptsChanged) if filter.prompts_list_changed => {
                ("notifications/prompts/list_changed", None)
            }
            Ok(ServerEvent::ResourcesChanged) if filter.resources_list_changed => {
                ("notifications/resources/list_changed", None)
            }
            Ok(ServerEvent::ResourceUpdated(uri))
                if filter.resource_subscriptions.contains(&uri) =>
            {
                ("notifications/resources/updated", Some(uri))
            }
            Ok(_) => continue,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "a listen stream fell behind; some notifications were dropped"
                );
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let mut params = json!({ "_meta": tag });
        if let Some(uri) = extra {
            params["uri"] = json!(uri);
        }
        if !sink.send(&Message::notification(method, Some(params))) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_members_into_listings() {
        assert_eq!(
            splice(r#"{"tools":[]}"#, r#""a":1"#),
            r#"{"tools":[],"a":1}"#
        );
    }
}
