//! Turning a `tools/call`, `resources/read` or `prompts/get` into a handler ready to run, the same
//! way for both protocol eras (only error details differ, and the era says which).

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::parse_params;
use super::registry::Registry;
use super::reply::Reply;
use super::request_state::{self, Binding};
use crate::auth::{AuthInfo, INSUFFICIENT_SCOPE};
use crate::context::{Context, PeerInfo};
use crate::jsonrpc::{codes, ErrorObject};
use crate::protocol::codes::MISSING_CLIENT_CAPABILITY;
use crate::protocol::{CallToolParams, CallToolResult, Era, TaskSupport};
use crate::tool::{needs_wrapping, unmask, unmask_error, url_required, wrap_result};
use crate::transport::RequestFacts;

/// A handler, given the request's context.
pub(crate) type Handler = Box<
    dyn for<'a> FnOnce(Context<'a>) -> BoxFuture<'a, Result<Reply, ErrorObject>> + Send + 'static,
>;

/// What a panicking handler answers, built only if one does.
pub(crate) type OnPanic = Box<dyn FnOnce() -> Result<Value, ErrorObject> + Send + 'static>;

/// A request ready to run.
pub(crate) struct Prepared {
    pub handler: Handler,
    /// What a panicking handler answers.
    pub on_panic: OnPanic,
    /// What `requestState` binds to (stateless era).
    pub binding: LazyBinding,
    pub meta: Option<Map<String, Value>>,
    /// Who is calling, for `ctx.auth()` and `ctx.http_request()`.
    pub caller: Caller,
    /// False when the handler never uses its context ([`crate::ToolDef::uses_context`]): it
    /// can ask nothing, so a stateless-era call of it needs no rounds.
    pub context: bool,
    /// A tool's task support and whether it escalates (for [`super::tasks::mode`], without
    /// looking the tool up again); `None` for the other methods.
    pub task: Option<(TaskSupport, bool)>,
}

/// What a handler may learn of its caller: the authenticated caller and the transport's view of
/// the request (see `RequestFacts`).
#[derive(Clone, Default)]
pub(crate) struct Caller {
    pub auth: Option<Arc<AuthInfo>>,
    pub request: Option<Arc<dyn Any + Send + Sync>>,
}

impl Caller {
    pub(crate) fn of(facts: &RequestFacts) -> Caller {
        Caller {
            auth: facts.auth.clone(),
            request: facts.request.clone(),
        }
    }
}

#[derive(Deserialize)]
struct UriParams {
    uri: String,
    #[serde(rename = "_meta", default)]
    meta: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct GetPromptParams {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
    #[serde(rename = "_meta", default)]
    meta: Option<Map<String, Value>>,
}

/// `tools/call`'s parameters, moved out of the frame's object: the arguments and `_meta` maps
/// are taken as they are, where decoding them would rebuild both. Any other shape goes through
/// [`parse_params`] for its precise error.
fn call_params(method: &str, params: Option<Value>) -> Result<CallToolParams, ErrorObject> {
    let object_or_null =
        |v: Option<&Value>| matches!(v, None | Some(Value::Null | Value::Object(_)));
    match params {
        Some(Value::Object(mut p))
            if matches!(p.get("name"), Some(Value::String(_)))
                && object_or_null(p.get("arguments"))
                && object_or_null(p.get("_meta")) =>
        {
            let object = |v: Option<Value>| match v {
                Some(Value::Object(m)) => Some(m),
                _ => None,
            };
            let Some(Value::String(name)) = p.remove("name") else {
                unreachable!("checked above")
            };
            Ok(CallToolParams {
                name,
                arguments: object(p.remove("arguments")),
                meta: object(p.remove("_meta")),
            })
        }
        other => parse_params(method, other),
    }
}

/// What `requestState` binds to, with the argument digest computed on first use
/// ([`LazyBinding::resolve`]): only a request that opens or seals a state needs it, and it
/// hashes the whole argument object, which is wasted work for a call that does neither.
pub(crate) struct LazyBinding {
    binding: Binding,
    /// The request's arguments (stateless era): digested when resolved, kept for
    /// [`LazyBinding::same_request`].
    args: Option<Value>,
    /// The length of the arguments' JSON text, once resolved.
    args_len: usize,
}

impl LazyBinding {
    /// The handler's name (tool, prompt or URI).
    pub(crate) fn name(&self) -> &str {
        &self.binding.name
    }

    /// The binding, its digest computed now if it was not yet.
    pub(crate) fn resolve(&mut self) -> &Binding {
        if let (Some(args), true) = (&self.args, self.binding.args.is_empty()) {
            (self.binding.args, self.args_len) =
                request_state::request_digest_counted(&self.binding.method, args);
        }
        &self.binding
    }

    /// The resolved binding, and the arguments with the length of their JSON text (what a
    /// handler kept in memory remembers of its request, [`LazyBinding::same_request`]).
    pub(crate) fn into_parts(mut self) -> (Binding, Option<Value>, usize) {
        self.resolve();
        (self.binding, self.args, self.args_len)
    }

    /// True when this request is the one `binding` and `args` (a kept handler's, from
    /// [`LazyBinding::into_parts`]) describe: the same method and name, and equal arguments.
    /// Comparing the arguments themselves spares their digest: equal values write the same JSON
    /// text (but for the sign of a zero float), so they have the same digest.
    pub(crate) fn same_request(&self, binding: &Binding, args: Option<&Value>) -> bool {
        self.binding.method == binding.method
            && self.binding.name == binding.name
            && self.args.as_ref() == args
    }
}

/// What `requestState` binds to. The argument digest is only needed in the stateless era, and
/// there only once a state is opened or sealed; the arguments are kept for it only for a handler
/// that uses its context (`context`): any other can ask nothing, so it never seals a state, and
/// a state presented to it binds to no arguments of it.
pub(super) fn binding(
    era: Era,
    context: bool,
    method: &str,
    name: &str,
    args: impl FnOnce() -> Value,
) -> LazyBinding {
    LazyBinding {
        binding: Binding {
            method: match method {
                "tools/call" => Cow::Borrowed("tools/call"),
                "prompts/get" => Cow::Borrowed("prompts/get"),
                "resources/read" => Cow::Borrowed("resources/read"),
                other => Cow::Owned(other.to_owned()),
            },
            name: name.to_owned(),
            args: String::new(),
        },
        args_len: 0,
        args: match era {
            Era::Stateless if context => Some(args()),
            Era::Stateless | Era::Handshake => None,
        },
    }
}

/// The capabilities a tool requires that `peer` did not declare, as a `ClientCapabilities` object.
pub(crate) fn missing_capabilities(requires: &[&str], peer: &PeerInfo) -> Option<Value> {
    let caps = &peer.capabilities;
    let missing: Map<String, Value> = requires
        .iter()
        .filter(|r| match **r {
            "sampling" => caps.sampling.is_none(),
            "elicitation" => caps.elicitation.is_none(),
            "roots" => caps.roots.is_none(),
            _ => false,
        })
        .map(|r| ((*r).to_owned(), json!({})))
        .collect();
    (!missing.is_empty()).then_some(Value::Object(missing))
}

/// Refuse a caller whose token lacks a scope of `required` (the handler `what`'s). Callers
/// without authentication are not restricted (see the `auth` module's docs).
fn check_scopes(
    required: &[&str],
    auth: Option<&Arc<AuthInfo>>,
    what: impl FnOnce() -> String,
) -> Result<(), ErrorObject> {
    let Some(auth) = auth else { return Ok(()) };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|s| !auth.has_scope(s))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ErrorObject::new(
        INSUFFICIENT_SCOPE,
        format!(
            "insufficient scope: {} needs the scopes {missing:?}",
            what()
        ),
    )
    .with_data(json!({ "requiredScopes": required })))
}

/// Prepare `method` (one of the three that run user handlers) for `peer`, called by `caller`.
pub(crate) fn prepare(
    registry: &Arc<Registry>,
    method: &str,
    params: Option<Value>,
    peer: &PeerInfo,
    era: Era,
    expose_errors: bool,
    caller: &Caller,
) -> Result<Prepared, ErrorObject> {
    let auth = caller.auth.as_ref();
    let prepared = prepare_handler(registry, method, params, peer, era, expose_errors, auth)?;
    Ok(Prepared {
        caller: caller.clone(),
        ..prepared
    })
}

fn prepare_handler(
    registry: &Arc<Registry>,
    method: &str,
    params: Option<Value>,
    peer: &PeerInfo,
    era: Era,
    expose_errors: bool,
    auth: Option<&Arc<AuthInfo>>,
) -> Result<Prepared, ErrorObject> {
    match method {
        "tools/call" => {
            let call = call_params(method, params)?;
            let Some(tool) = registry.tool(&call.name).cloned() else {
                return Err(ErrorObject::invalid_params(format!(
                    "unknown tool: `{}`",
                    call.name
                )));
            };
            check_scopes(tool.scopes(), auth, || format!("tool `{}`", call.name))?;
            let context = tool.uses_context();
            let task = Some((tool.task_support(), tool.escalates()));
            let binding = binding(era, context, method, &call.name, || {
                Value::Object(call.arguments.clone().unwrap_or_default())
            });
            if let Some(missing) = missing_capabilities(tool.requires(), peer) {
                let names: Vec<&String> = missing.as_object().expect("object").keys().collect();
                let msg = format!(
                    "tool `{}` needs the client capabilities {names:?}, which this request did not declare",
                    call.name
                );
                return match era {
                    Era::Stateless => Err(ErrorObject::new(MISSING_CLIENT_CAPABILITY, msg)
                        .with_data(json!({ "requiredCapabilities": missing }))),
                    Era::Handshake => {
                        let result =
                            serde_json::to_value(CallToolResult::error(msg)).expect("serialisable");
                        Ok(Prepared {
                            handler: Box::new(move |_| {
                                Box::pin(async move { Ok(Reply::Value(result)) })
                            }),
                            on_panic: Box::new(|| Err(ErrorObject::internal("unreachable"))),
                            binding,
                            meta: call.meta,
                            caller: Caller::default(),
                            context: false,
                            task: None,
                        })
                    }
                };
            }
            let name = call.name.clone();
            let on_panic: OnPanic = Box::new(move || {
                Ok(serde_json::to_value(CallToolResult::error(format!(
                    "tool `{}` failed unexpectedly",
                    call.name
                )))
                .expect("serialisable"))
            });
            let arguments = call.arguments;
            let url_mode =
                crate::context::elicitation_mode(peer.capabilities.elicitation.as_ref(), "url");
            // 2025-11-25 allows only object output: a non-object one goes out wrapped.
            let wrap = (era == Era::Handshake).then(|| {
                tool.tool()
                    .output_schema
                    .as_ref()
                    .is_some_and(needs_wrapping)
            });
            Ok(Prepared {
                handler: Box::new(move |ctx| {
                    Box::pin(async move {
                        let result = unmask(tool.call(ctx, arguments).await, &name, expose_errors);
                        let result = url_required(result, url_mode)?;
                        let result = match wrap {
                            Some(schema_wrapped) => wrap_result(result, schema_wrapped),
                            None => result,
                        };
                        // Written out once, as text, unless it has a `_meta` the stateless era's
                        // tags would have to merge into.
                        Ok(if result.meta.is_none() {
                            Reply::Json(serde_json::to_string(&result).expect("results serialise"))
                        } else {
                            Reply::Value(serde_json::to_value(result).expect("results serialise"))
                        })
                    })
                }),
                on_panic,
                binding,
                meta: call.meta,
                caller: Caller::default(),
                context,
                task,
            })
        }
        "resources/read" => {
            let p: UriParams = parse_params(method, params)?;
            let Some((def, request)) = registry.resource(&p.uri) else {
                let code = match era {
                    Era::Handshake => codes::RESOURCE_NOT_FOUND,
                    Era::Stateless => codes::INVALID_PARAMS,
                };
                return Err(
                    ErrorObject::new(code, format!("resource not found: `{}`", p.uri))
                        .with_data(json!({ "uri": p.uri })),
                );
            };
            check_scopes(def.scopes(), auth, || format!("resource `{}`", p.uri))?;
            let handler = def.handler.clone();
            let uri = p.uri.clone();
            let binding = binding(era, true, method, &p.uri, || Value::Null);
            Ok(Prepared {
                handler: Box::new(move |ctx| {
                    Box::pin(async move {
                        let result = handler(ctx, request)
                            .await
                            .map_err(|e| unmask_error(e, &uri, expose_errors))?;
                        Ok(Reply::Value(
                            serde_json::to_value(result).expect("results serialise"),
                        ))
                    })
                }),
                on_panic: Box::new(move || {
                    Err(ErrorObject::internal(format!(
                        "reading `{}` failed unexpectedly",
                        p.uri
                    )))
                }),
                binding,
                meta: p.meta,
                caller: Caller::default(),
                context: true,
                task: None,
            })
        }
        "prompts/get" => {
            let p: GetPromptParams = parse_params(method, params)?;
            let Some(prompt) = registry.prompt(&p.name).cloned() else {
                return Err(ErrorObject::invalid_params(format!(
                    "unknown prompt: `{}`",
                    p.name
                )));
            };
            check_scopes(prompt.scopes(), auth, || format!("prompt `{}`", p.name))?;
            let args = p.arguments.unwrap_or_default();
            let binding = binding(era, true, method, &p.name, || Value::Object(args.clone()));
            let prompt_name = p.name.clone();
            Ok(Prepared {
                handler: Box::new(move |ctx| {
                    Box::pin(async move {
                        let result = prompt
                            .get(ctx, args)
                            .await
                            .map_err(|e| unmask_error(e, &prompt_name, expose_errors))?;
                        Ok(Reply::Value(
                            serde_json::to_value(result).expect("results serialise"),
                        ))
                    })
                }),
                on_panic: Box::new(move || {
                    Err(ErrorObject::internal(format!(
                        "prompt `{}` failed unexpectedly",
                        p.name
                    )))
                }),
                binding,
                meta: p.meta,
                caller: Caller::default(),
                context: true,
                task: None,
            })
        }
        "completion/complete" => super::completion::prepare(registry, params, era),
        other => Err(ErrorObject::method_not_found(other)),
    }
}
