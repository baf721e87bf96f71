//! Serving stateless-era (2026-07-28) requests: no session, capabilities per request, results
//! tagged with `resultType`, and `ctx.sample()`/`elicit()`/`list_roots()` answered over multi
//! round-trip requests instead of server-to-client requests.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::builder::ServerEvent;
use super::era::{
    self, Envelope, META_SERVER_INFO, META_SUBSCRIPTION, STATELESS_PROTOCOL_VERSIONS,
};
use super::middleware::{self, Watch};
use super::prepare::{prepare, Caller};
use super::reply::{splice_into, Reply};
use super::request_state::Owner;
use super::rounds::{self, Ended, Retry};
use super::tasks::{self, Escalation, Mode};
use super::{http_rules, parse_params, runner, subscriptions, ServerCore};
use crate::context::LogFilter;
use crate::jsonrpc::{ErrorObject, Message, Request, RequestId, Response};
use crate::protocol::Era;
use crate::transport::{Outbox, RequestFacts};

/// The prefix of the envelope's `_meta` keys.
const ENVELOPE_PREFIX: &str = "io.modelcontextprotocol/";

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
    let envelope = era::validate(req, http, &core.peers)?;
    if let Some(headers) = http {
        http_rules::check(headers, req, &core.shared.registry())?;
    }
    tracing::debug!(method = %req.method, peer = ?facts.peer_addr, "stateless request");
    let version = &envelope.peer.protocol_version;
    let owner = Owner {
        protocol_version: match STATELESS_PROTOCOL_VERSIONS.iter().find(|v| *v == version) {
            Some(v) => (*v).into(),
            None => version.clone().into(),
        },
        caller: facts.caller.clone(),
    };
    Ok(Admitted {
        envelope,
        owner,
        // Only a listen stream counts against its caller (over HTTP the key is a new string).
        listener: if req.method == "subscriptions/listen" {
            subscriptions::listener_key(facts)
        } else {
            None
        },
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
/// cancelled or its reader is gone). `watch`: the middleware watching it, ended with its outcome.
pub(crate) async fn serve(
    core: Arc<ServerCore>,
    req: Request,
    admitted: Admitted,
    sink: Outbox,
    cancel: CancellationToken,
    watch: Option<Watch>,
) {
    // One future either way (a disabled span costs a check on each poll): two, one per arm,
    // would make every stateless request's future the size of both.
    use tracing::Instrument;
    let span = watch.as_ref().map_or_else(tracing::Span::none, Watch::span);
    serve_watched(core, req, admitted, sink, cancel, watch)
        .instrument(span)
        .await
}

async fn serve_watched(
    core: Arc<ServerCore>,
    req: Request,
    admitted: Admitted,
    sink: Outbox,
    cancel: CancellationToken,
    watch: Option<Watch>,
) {
    let Admitted {
        envelope,
        owner,
        listener,
        caller,
    } = admitted;
    let Request {
        id, method, params, ..
    } = req;
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
                        core.result_meta
                    );
                    middleware::finish(watch, Ok(None));
                    sink.send_raw_result_with(&id, &listing, &[&extra]);
                    return;
                }
                Err(e) => Err(e),
            }
        }
        "tools/call" | "resources/read" | "prompts/get" | "completion/complete" => {
            let cache = (method == "resources/read").then_some(core.limits.read_ttl.as_millis());
            // Set up in one expression, so that nothing of it is held while the handler runs.
            let setup = take_inputs(params).and_then(|(params, retry)| {
                let prepared = prepare(
                    &registry,
                    &method,
                    params,
                    &envelope.peer,
                    Era::Stateless,
                    core.expose_errors,
                    &caller,
                )?;
                let tool = prepared
                    .task
                    .map(|(support, escalates)| (prepared.binding.name(), support, escalates));
                let mode = tasks::mode(tool, &envelope.peer.capabilities)?;
                Ok((prepared, mode, retry))
            });
            match setup {
                Err(e) => Err(e),
                Ok((prepared, Mode::Task, _)) => {
                    let start = tasks::Start {
                        id: id.clone(),
                        peer: Arc::clone(&envelope.peer),
                        log_filter: Arc::new(LogFilter::for_request(envelope.log_level)),
                        owner: tasks::owner(owner.caller.as_deref()),
                    };
                    // Boxed, as every rare arm: the request's future stays small.
                    Box::pin(core.tasks.start(&core, prepared, start)).await
                }
                Ok((prepared, mode, retry)) => match rounds::run_rounds(
                    &core,
                    &id,
                    envelope,
                    &owner,
                    prepared,
                    retry,
                    sink.clone(),
                    cancel,
                    (mode == Mode::Escalating).then(Escalation::new),
                )
                .await
                {
                    Ok(Ended::InputRequired(result)) => {
                        middleware::finish(watch, Ok(None));
                        sink.send_raw_result(&id, &result);
                        return;
                    }
                    // A result written as text is complete; it goes out tagged, as text
                    // (written into the frame with its tags, unless middleware reads it).
                    Ok(Ended::Done(Reply::Json(text))) => {
                        let ttl = cache.map(|ttl| {
                            format!(r#","ttlMs":{},"cacheScope":"private""#, ttl as u64)
                        });
                        let tags = [COMPLETE, &core.result_meta, ttl.as_deref().unwrap_or("")];
                        if watch.is_none() {
                            sink.send_raw_result_with(&id, &text, &tags);
                        } else {
                            let reply = Reply::Json(splice_into(text, &tags));
                            middleware::finish_reply(watch, Ok(&reply));
                            runner::reply_with(&sink, id, Ok(reply));
                        }
                        return;
                    }
                    Ok(Ended::Done(Reply::Value(v))) => {
                        let tag = v.get("resultType").and_then(Value::as_str);
                        Ok(if matches!(tag, Some("input_required" | "task")) {
                            v
                        } else {
                            finish(&core, v, cache)
                        })
                    }
                    Err(e) => Err(e),
                },
            }
        }
        m if tasks::METHODS.contains(&m) => match tasks::gate(m, &envelope.peer.capabilities) {
            Ok(()) => {
                let owner = tasks::owner(owner.caller.as_deref());
                Box::pin(core.tasks.serve(m, &owner, params)).await
            }
            Err(e) => Err(e),
        },
        "subscriptions/listen" => {
            let task_owner = tasks::declared(&envelope.peer.capabilities)
                .then(|| tasks::owner(owner.caller.as_deref()));
            let task_watch = core.tasks.watch(task_owner);
            Box::pin(listen(
                &core, &id, params, listener, &sink, cancel, task_watch,
            ))
            .await;
            middleware::finish(watch, Ok(None));
            return;
        }
        m if core.skills.serves(m) => {
            // Cacheable results: the read's time to live for one entry, the list's for listings.
            let ttl = if m == "skills/get" {
                core.limits.read_ttl
            } else {
                core.limits.list_ttl
            };
            core.skills
                .serve(m, params)
                .map(|v| finish(&core, v, Some(ttl.as_millis())))
        }
        _ => Err(ErrorObject::method_not_found(&method)),
    };
    middleware::finish(watch, outcome.as_ref().map(Some));
    sink.send(&Message::Response(Response {
        id: Some(id),
        outcome,
    }));
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

/// The first tags of a complete result written as text (which has no `_meta` of its own): the
/// server's identity follows, then the cache hints where required.
const COMPLETE: &str = r#""resultType":"complete","_meta":"#;

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

/// Split `inputResponses` and `requestState` off the params, checking their shapes, and the
/// envelope's keys off `_meta` (validated already; what is left, such as `progressToken`, is the
/// request's own).
fn take_inputs(params: Option<Value>) -> Result<(Option<Value>, Retry), ErrorObject> {
    let Some(Value::Object(mut p)) = params else {
        let retry = Retry {
            responses: Map::new(),
            state: None,
        };
        return Ok((params, retry));
    };
    if let Some(Value::Object(meta)) = p.get_mut("_meta") {
        meta.retain(|k, _| !k.starts_with(ENVELOPE_PREFIX));
        if meta.is_empty() {
            p.remove("_meta");
        }
    }
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
    Ok((Some(Value::Object(p)), Retry { responses, state }))
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
