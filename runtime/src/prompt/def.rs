use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::jsonrpc::ErrorObject;
use crate::protocol::{GetPromptResult, Icon, Prompt, PromptArgument};

/// The arguments of a `prompts/get`, by name.
#[derive(Debug, Clone, Default)]
pub struct PromptArgs {
    prompt: Cow<'static, str>,
    values: Map<String, Value>,
}

impl PromptArgs {
    pub(crate) fn new(prompt: Cow<'static, str>, values: Map<String, Value>) -> Self {
        PromptArgs { prompt, values }
    }

    /// Every argument given, by name, as sent.
    pub fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    fn raw(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// A required argument, parsed with `FromStr`; -32602 naming it when missing or invalid.
    pub fn required<T: FromStr>(&self, name: &str) -> Result<T, ErrorObject>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self.raw(name).ok_or_else(|| {
            ErrorObject::invalid_params(format!(
                "missing required argument `{name}` for prompt `{}`",
                self.prompt
            ))
        })?;
        self.parse(name, &raw)
    }

    /// An optional argument, parsed with `FromStr` when present.
    pub fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, ErrorObject>
    where
        T::Err: std::fmt::Display,
    {
        self.raw(name).map(|raw| self.parse(name, &raw)).transpose()
    }

    fn parse<T: FromStr>(&self, name: &str, raw: &str) -> Result<T, ErrorObject>
    where
        T::Err: std::fmt::Display,
    {
        raw.parse().map_err(|e: T::Err| {
            ErrorObject::invalid_params(format!(
                "invalid argument `{name}` for prompt `{}`: {e}",
                self.prompt
            ))
        })
    }
}

/// A prompt handler after argument collection: what `#[prompt]` generates.
pub type PromptFn =
    for<'a> fn(Context<'a>, PromptArgs) -> BoxFuture<'a, Result<GetPromptResult, ErrorObject>>;

/// A prompt method after argument collection: what `#[prompt]` generates for a `&self` method
/// in a `#[tools]` impl block, given the shared state.
pub type PromptMethod<S> = for<'a> fn(
    &'a S,
    Context<'a>,
    PromptArgs,
) -> BoxFuture<'a, Result<GetPromptResult, ErrorObject>>;

/// A type-erased prompt handler (a function, or a method bound to its state).
pub(super) type ErasedPromptHandler = Arc<
    dyn for<'a> Fn(Context<'a>, PromptArgs) -> BoxFuture<'a, Result<GetPromptResult, ErrorObject>>
        + Send
        + Sync,
>;

/// One argument of a prompt.
#[derive(Debug, Clone)]
pub struct PromptArgMeta {
    /// The argument's name.
    pub name: &'static str,
    /// What it is for.
    pub description: Option<&'static str>,
    /// Whether it must be given.
    pub required: bool,
}

/// What a prompt says about itself.
#[derive(Debug, Clone, Default)]
pub struct PromptMeta {
    /// The prompt's name.
    pub name: &'static str,
    /// Human-readable title.
    pub title: Option<&'static str>,
    /// What it does.
    pub description: Option<&'static str>,
    /// Its arguments.
    pub arguments: Vec<PromptArgMeta>,
    /// OAuth scopes a caller's token must carry to get it (`scopes = [..]`; default none):
    /// checked before the handler runs, for authenticated callers (see [`crate::auth`]).
    pub scopes: &'static [&'static str],
    /// Icon sources (`icons = [..]`): `https:` URLs or `data:image/...` URIs. For icons with a
    /// MIME type, sizes or theme, use `with_icons` on the built definition.
    pub icons: &'static [&'static str],
}

/// A registered prompt. Built by `#[prompt]`.
#[derive(Clone)]
pub struct PromptDef {
    pub(crate) prompt: Prompt,
    /// The name `PromptArgs` report in errors: borrowed for `#[prompt]`s (no allocation per call).
    pub(super) name: Cow<'static, str>,
    pub(super) handler: ErasedPromptHandler,
    pub(super) scopes: &'static [&'static str],
}

impl std::fmt::Debug for PromptDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptDef")
            .field("prompt", &self.prompt)
            .finish_non_exhaustive()
    }
}

impl PromptDef {
    /// A prompt from its description and handler.
    pub fn new(meta: PromptMeta, handler: PromptFn) -> Self {
        Self::build(meta, Arc::new(handler))
    }

    /// A prompt answered by a method on shared state `S` (a `#[prompt]` method in a `#[tools]`
    /// impl block).
    pub fn from_method<S: Send + Sync + 'static>(
        state: Arc<S>,
        meta: PromptMeta,
        f: PromptMethod<S>,
    ) -> Self {
        Self::build(
            meta,
            Arc::new(move |ctx, args| {
                let state = Arc::clone(&state);
                Box::pin(async move { f(&state, ctx, args).await })
            }),
        )
    }

    fn build(meta: PromptMeta, handler: ErasedPromptHandler) -> Self {
        PromptDef {
            prompt: Prompt {
                name: meta.name.to_owned(),
                title: meta.title.map(str::to_owned),
                description: meta.description.map(str::to_owned),
                arguments: meta
                    .arguments
                    .iter()
                    .map(|a| PromptArgument {
                        name: a.name.to_owned(),
                        title: None,
                        description: a.description.map(str::to_owned),
                        required: Some(a.required),
                    })
                    .collect(),
                icons: meta.icons.iter().map(|&src| Icon::new(src)).collect(),
                meta: None,
            },
            name: Cow::Borrowed(meta.name),
            handler,
            scopes: meta.scopes,
        }
    }

    /// Replace the prompt's icons (checked at registration).
    pub fn with_icons(mut self, icons: impl IntoIterator<Item = Icon>) -> Self {
        self.prompt.icons = icons.into_iter().collect();
        self
    }

    /// Set the prompt's `_meta` (listed with it by `prompts/list`).
    pub fn with_meta(mut self, meta: Map<String, Value>) -> Self {
        self.prompt.meta = Some(meta);
        self
    }

    /// The OAuth scopes a caller needs to get it.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.prompt.name
    }

    pub(crate) fn get<'a>(
        &self,
        ctx: Context<'a>,
        args: Map<String, Value>,
    ) -> BoxFuture<'a, Result<GetPromptResult, ErrorObject>> {
        (self.handler)(ctx, PromptArgs::new(self.name.clone(), args))
    }
}

/// Anything `Server::prompt` accepts: what `#[prompt]` generates.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a prompt",
    label = "expected a function annotated with `#[prompt]`",
    note = "annotate the function with `#[toolsmith::prompt]`; for methods, put it in a `#[toolsmith::tools]` impl block and register the state with `Server::tools(state)`"
)]
pub trait IntoPrompt {
    /// Build the definition.
    fn into_prompt(self) -> PromptDef;
}

impl IntoPrompt for PromptDef {
    fn into_prompt(self) -> PromptDef {
        self
    }
}

/// Proof that a function was made by `#[prompt]`: only the runtime can build one.
pub struct PromptMarker(());

impl<F: FnOnce(PromptMarker) -> PromptDef> IntoPrompt for F {
    fn into_prompt(self) -> PromptDef {
        self(PromptMarker(()))
    }
}
