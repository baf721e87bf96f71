//! `completion/complete`: completers (synchronous functions, or async ones that get the request's
//! [`Context`]), and the request turned into a handler run like any other (both eras, through
//! the one runner, so an async completer can sample, elicit or read the caller).

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::prepare::{binding, Caller, OnPanic, Prepared};
use super::registry::Registry;
use super::reply::Reply;
use super::{parse_params, Completer, CompletionRef};
use crate::context::Context;
use crate::jsonrpc::ErrorObject;
use crate::protocol::Era;
use crate::Server;

/// The most values one completion result holds (the spec's cap).
const MAX_VALUES: usize = 100;

/// An async completer: given the request and its context, the candidate values.
pub(crate) type AsyncCompleter = Arc<
    dyn for<'a> Fn(
            CompletionRequest,
            Context<'a>,
        ) -> BoxFuture<'a, Result<Vec<String>, ErrorObject>>
        + Send
        + Sync,
>;

/// A completer as registered.
#[derive(Clone)]
pub(crate) enum CompleterFn {
    Sync(Completer),
    Async(AsyncCompleter),
}

/// A `completion/complete` request, as an async completer receives it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CompletionRequest {
    /// What is being completed: a prompt's argument or a resource template's variable.
    pub reference: CompletionRef,
    /// The argument (or template variable) being completed.
    pub argument: String,
    /// What the user typed so far.
    pub value: String,
    /// The other arguments already given (`context.arguments`).
    pub arguments: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum CompleteRef {
    #[serde(rename = "ref/prompt")]
    Prompt { name: String },
    #[serde(rename = "ref/resource")]
    Resource { uri: String },
}

#[derive(Deserialize)]
struct CompleteArgument {
    name: String,
    value: String,
}

#[derive(Deserialize, Default)]
struct CompleteContext {
    #[serde(default)]
    arguments: Map<String, Value>,
}

#[derive(Deserialize)]
struct CompleteParams {
    #[serde(rename = "ref")]
    reference: CompleteRef,
    argument: CompleteArgument,
    #[serde(default)]
    context: Option<CompleteContext>,
    #[serde(rename = "_meta", default)]
    meta: Option<Map<String, Value>>,
}

/// Prepare `completion/complete`: find the completer (an unknown prompt or template is `-32602`;
/// an argument without a completer completes to nothing) and wrap it as a handler.
pub(crate) fn prepare(
    registry: &Registry,
    params: Option<Value>,
    era: Era,
) -> Result<Prepared, ErrorObject> {
    let method = "completion/complete";
    let p: CompleteParams = parse_params(method, params)?;
    let reference = match p.reference {
        CompleteRef::Prompt { name } => CompletionRef::Prompt(name),
        CompleteRef::Resource { uri } => CompletionRef::Resource(uri),
    };
    let completer = registry.completer(&reference, &p.argument.name)?;
    let request = CompletionRequest {
        reference,
        argument: p.argument.name,
        value: p.argument.value,
        arguments: p.context.unwrap_or_default().arguments,
    };
    let name = match &request.reference {
        CompletionRef::Prompt(n) | CompletionRef::Resource(n) => n.clone(),
    };
    // A synchronous completer is given no context.
    let context = matches!(completer, Some(CompleterFn::Async(_)));
    let binding = binding(
        era,
        context,
        method,
        &name,
        || json!({ "argument": request.argument, "value": request.value, "arguments": request.arguments }),
    );
    let argument = request.argument.clone();
    let on_panic: OnPanic = Box::new(move || {
        Err(ErrorObject::internal(format!(
            "completing `{argument}` failed unexpectedly"
        )))
    });
    Ok(Prepared {
        handler: Box::new(move |ctx| {
            Box::pin(async move {
                let mut values = match completer {
                    None => Vec::new(),
                    Some(CompleterFn::Sync(f)) => f(&request.value, &request.arguments),
                    Some(CompleterFn::Async(f)) => f(request, ctx).await?,
                };
                let total = values.len();
                values.truncate(MAX_VALUES);
                Ok(Reply::Value(json!({ "completion": {
                    "values": values, "total": total, "hasMore": total > MAX_VALUES
                } })))
            })
        }),
        on_panic,
        binding,
        meta: p.meta,
        caller: Caller::default(),
        context,
        task: None,
    })
}

impl Server {
    /// Complete values of a prompt argument with an async function that gets the request's
    /// [`Context`] (so it can query a database, read the caller with `ctx.auth()`, or even ask
    /// the client); declares the `completions` capability. The closure returns a boxed future:
    ///
    /// ```
    /// use toolsmith::jsonrpc::ErrorObject;
    /// use toolsmith::prelude::*;
    ///
    /// /// Greet someone.
    /// #[prompt]
    /// async fn greet(name: String) -> String {
    ///     format!("Say hello to {name}.")
    /// }
    ///
    /// let server = Server::new("people", "1.0.0").prompt(greet).complete_prompt_argument_async(
    ///     "greet",
    ///     "name",
    ///     |req, ctx| {
    ///         Box::pin(async move {
    ///             ctx.debug(format!("completing `{}`", req.value)).await;
    ///             let names = ["Ada", "Alan", "Grace"];
    ///             Ok::<_, ErrorObject>(
    ///                 names.iter().filter(|n| n.starts_with(&req.value)).map(|n| n.to_string()).collect(),
    ///             )
    ///         })
    ///     },
    /// );
    /// # let _ = server;
    /// ```
    ///
    /// It runs like a handler: within the server's concurrency limits, cancelled with its
    /// request, a panic answered with an internal error. At most 100 values are sent (`total`
    /// and `hasMore` say how many there were).
    pub fn complete_prompt_argument_async<F>(
        self,
        prompt: &str,
        argument: &str,
        completer: F,
    ) -> Self
    where
        F: for<'a> Fn(
                CompletionRequest,
                Context<'a>,
            ) -> BoxFuture<'a, Result<Vec<String>, ErrorObject>>
            + Send
            + Sync
            + 'static,
    {
        let c = CompleterFn::Async(Arc::new(completer));
        let (p, a) = (prompt.to_owned(), argument.to_owned());
        self.register(move |r| {
            r.add_completer(CompletionRef::Prompt(p), a, c);
            Ok(())
        })
    }

    /// Complete values of a resource template variable with an async function that gets the
    /// request's [`Context`]; as [`Server::complete_prompt_argument_async`].
    pub fn complete_resource_variable_async<F>(
        self,
        uri_template: &str,
        variable: &str,
        completer: F,
    ) -> Self
    where
        F: for<'a> Fn(
                CompletionRequest,
                Context<'a>,
            ) -> BoxFuture<'a, Result<Vec<String>, ErrorObject>>
            + Send
            + Sync
            + 'static,
    {
        let c = CompleterFn::Async(Arc::new(completer));
        let (u, v) = (uri_template.to_owned(), variable.to_owned());
        self.register(move |r| {
            r.add_completer(CompletionRef::Resource(u), v, c);
            Ok(())
        })
    }
}
