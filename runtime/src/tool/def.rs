use std::sync::Arc;

use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::prompt::PromptDef;
use crate::protocol::{
    check_icons, CallToolResult, Icon, TaskSupport, Tool, ToolAnnotations, ToolExecution,
};
use crate::resource::{ResourceDef, TemplateError};
use crate::schema;

/// A type-erased tool handler: decodes the arguments, runs the user's function, encodes the result.
pub(crate) type ErasedHandler =
    Arc<dyn for<'a> Fn(Context<'a>, Value) -> BoxFuture<'a, CallToolResult> + Send + Sync>;

/// A tool function after argument decoding: what `#[tool]` generates for a free `async fn`.
pub type ToolFn<A> = for<'a> fn(Context<'a>, A) -> BoxFuture<'a, CallToolResult>;

/// A tool method after argument decoding: what `#[tools]` generates for a `&self` method.
pub type ToolMethod<S, A> = for<'a> fn(&'a S, Context<'a>, A) -> BoxFuture<'a, CallToolResult>;

/// What a tool says about itself, besides its schemas.
#[derive(Debug, Clone, Default)]
pub struct ToolMeta {
    /// The tool's name.
    pub name: &'static str,
    /// Human-readable title.
    pub title: Option<&'static str>,
    /// What it does (from the doc comment or `description = ".."`).
    pub description: Option<&'static str>,
    /// Behaviour hints.
    pub annotations: ToolAnnotations,
    /// Client capabilities the tool cannot work without (`"sampling"`, `"elicitation"`,
    /// `"roots"`): a request that does not declare them is refused before the tool runs.
    pub requires: &'static [&'static str],
    /// OAuth scopes a caller's token must carry to call the tool (`scopes = [..]`; default
    /// none): checked before it runs, for authenticated callers (see [`crate::auth`]).
    pub scopes: &'static [&'static str],
    /// Icon sources (`icons = [..]`): `https:` URLs or `data:image/...` URIs. For icons with a
    /// MIME type, sizes or theme, use `with_icons` on the built definition.
    pub icons: &'static [&'static str],
    /// Whether the tool runs as a task (`task = "optional" | "required"`; the tasks extension):
    /// a call answers at once with the task, and the tool runs in the background.
    pub task: TaskSupport,
    /// With task support: the call starts as a plain request and becomes a task when the
    /// handler calls [`Context::run_as_task`] (`#[tool(task = "..", escalate)]`).
    pub escalate: bool,
}

/// A registered tool: its listing and its handler. Built by `#[tool]`/`#[tools]`, or by hand.
#[derive(Clone)]
pub struct ToolDef {
    /// Shared: a call clones the definition, which must not copy its schemas.
    pub(crate) tool: Arc<Tool>,
    pub(crate) handler: ErasedHandler,
    pub(super) requires: &'static [&'static str],
    pub(super) scopes: &'static [&'static str],
    pub(super) escalate: bool,
    /// False when the handler cannot use its [`Context`]: `#[tool]` on a function without one.
    pub(super) context: bool,
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("tool", &self.tool)
            .finish_non_exhaustive()
    }
}

/// Check what registration requires of a tool, with the rules `#[tool]` checks at compile time
/// (the `toolsmith-rules` crate): its name, and its `x-mcp-header` designations and output schema
/// (which `#[tool]` can't see: they come from the argument and return types' schemas).
pub(crate) fn validate_tool(tool: &Tool, scopes: &[&str]) -> Result<(), String> {
    toolsmith_rules::check_tool_name(&tool.name).map_err(|e| e.to_string())?;
    check_icons(&format!("tool `{}`", tool.name), &tool.icons)?;
    for scope in scopes {
        toolsmith_rules::check_scope(scope).map_err(|e| format!("tool `{}`: {e}", tool.name))?;
    }
    toolsmith_rules::designations(&tool.input_schema)
        .map_err(|e| format!("tool `{}`: {e}", tool.name))?;
    super::schema_shape::check_schema_shape(&tool.input_schema)
        .map_err(|e| format!("the input schema of tool `{}` {e}", tool.name))?;
    // An output schema may be of any type (2026-07-28; wrapped for 2025-11-25).
    if let Some(schema) = &tool.output_schema {
        toolsmith_rules::check_output_schema(schema)
            .map_err(|e| format!("tool `{}`: {e}", tool.name))?;
    }
    Ok(())
}

/// Decode a tool's arguments, naming the offending field on failure.
///
/// The arguments are first decoded from the borrowed value with plain serde: that is the path of
/// every valid call, and it costs less than `serde_path_to_error`'s tracking (which keeps a copy
/// of every key it passes). Only when that fails are they decoded again, by value and tracked, for
/// the error that names the field (or for the rare type that decodes only from an owned value).
fn decode<A: DeserializeOwned>(tool: &str, args: Value) -> Result<A, String> {
    if let Ok(a) = A::deserialize(&args) {
        return Ok(a);
    }
    serde_path_to_error::deserialize(args).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            format!("invalid arguments for tool `{tool}`: {inner}")
        } else {
            format!("invalid arguments for tool `{tool}`: `{path}`: {inner}")
        }
    })
}

impl ToolDef {
    pub(super) fn listing(
        meta: &ToolMeta,
        input_schema: Value,
        output_schema: Option<Value>,
    ) -> Tool {
        Tool {
            name: meta.name.to_owned(),
            title: meta.title.map(str::to_owned),
            description: meta.description.map(str::to_owned),
            input_schema,
            output_schema,
            annotations: (!meta.annotations.is_empty()).then(|| meta.annotations.clone()),
            icons: meta.icons.iter().map(|&src| Icon::new(src)).collect(),
            execution: (meta.task != TaskSupport::Forbidden).then_some(ToolExecution {
                task_support: meta.task,
            }),
            meta: None,
        }
    }

    /// A definition from its parts: the one non-generic place every constructor ends in.
    pub(super) fn built(
        meta: &ToolMeta,
        input_schema: Value,
        output_schema: Option<Value>,
        handler: ErasedHandler,
    ) -> Self {
        ToolDef {
            tool: Arc::new(Self::listing(meta, input_schema, output_schema)),
            requires: meta.requires,
            scopes: meta.scopes,
            escalate: meta.escalate,
            context: true,
            handler,
        }
    }

    /// Mark the handler as never using its [`Context`] (`#[tool]` on a function without a
    /// `Context` parameter, through `__private::without_context`).
    pub(crate) fn without_context(mut self) -> Self {
        self.context = false;
        self
    }

    /// Whether the handler may use its [`Context`]: false for `#[tool]` on a function without a
    /// `Context` parameter (which can ask the client nothing, so a protocol 2026-07-28 call of it
    /// runs without the multi round-trip machinery), true for every other definition.
    pub fn uses_context(&self) -> bool {
        self.context
    }

    /// A tool from a function taking decoded arguments `A` (an object type: the user's own
    /// `Params<T>` type).
    pub fn from_fn<A>(meta: ToolMeta, output_schema: Option<Value>, f: ToolFn<A>) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
    {
        let name = meta.name;
        Self::built(
            &meta,
            schema::input_schema::<A>(),
            output_schema,
            Arc::new(move |ctx, args| match decode::<A>(name, args) {
                Ok(a) => f(ctx, a),
                Err(msg) => Box::pin(std::future::ready(CallToolResult::error(msg))),
            }),
        )
    }

    /// A tool from a method on shared state `S`.
    pub fn from_method<S, A>(
        state: Arc<S>,
        meta: ToolMeta,
        output_schema: Option<Value>,
        f: ToolMethod<S, A>,
    ) -> Self
    where
        S: Send + Sync + 'static,
        A: DeserializeOwned + JsonSchema + Send + 'static,
    {
        let name = meta.name;
        Self::built(
            &meta,
            schema::input_schema::<A>(),
            output_schema,
            Arc::new(move |ctx, args| match decode::<A>(name, args) {
                Ok(a) => {
                    let state = Arc::clone(&state);
                    Box::pin(async move { f(&state, ctx, a).await })
                }
                Err(msg) => Box::pin(std::future::ready(CallToolResult::error(msg))),
            }),
        )
    }

    /// Replace the tool's icons (checked at registration).
    pub fn with_icons(mut self, icons: impl IntoIterator<Item = Icon>) -> Self {
        Arc::make_mut(&mut self.tool).icons = icons.into_iter().collect();
        self
    }

    /// Set the tool's human-readable title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.tool).title = Some(title.into());
        self
    }

    /// Set the tool's `_meta` (listed with it by `tools/list`).
    pub fn with_meta(mut self, meta: Map<String, Value>) -> Self {
        Arc::make_mut(&mut self.tool).meta = Some(meta);
        self
    }

    /// The listing (`tools/list` entry).
    pub fn tool(&self) -> &Tool {
        &self.tool
    }

    /// The client capabilities the tool requires.
    pub fn requires(&self) -> &'static [&'static str] {
        self.requires
    }

    /// The OAuth scopes a caller needs to call the tool.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// Whether the tool runs as a task (its listing's `execution.taskSupport`).
    pub fn task_support(&self) -> TaskSupport {
        self.tool
            .execution
            .map(|e| e.task_support)
            .unwrap_or_default()
    }

    /// True when a task call starts as a plain request and becomes a task on
    /// [`Context::run_as_task`].
    pub fn escalates(&self) -> bool {
        self.escalate
    }

    /// Set whether the tool runs as a task.
    pub fn with_task_support(mut self, task: TaskSupport) -> Self {
        Arc::make_mut(&mut self.tool).execution =
            (task != TaskSupport::Forbidden).then_some(ToolExecution { task_support: task });
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.tool.name
    }

    pub(crate) fn call<'a>(
        &self,
        ctx: Context<'a>,
        args: Option<Map<String, Value>>,
    ) -> BoxFuture<'a, CallToolResult> {
        (self.handler)(ctx, Value::Object(args.unwrap_or_default()))
    }
}

/// Anything `Server::tool` accepts: what `#[tool]` generates for a free function, or a [`ToolDef`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool",
    label = "expected a function annotated with `#[tool]`",
    note = "annotate the function with `#[toolsmith::tool]`; for methods, use `#[toolsmith::tools]` on the impl block and `Server::tools(state)`"
)]
pub trait IntoTool {
    /// Build the definition.
    fn into_tool(self) -> ToolDef;
}

impl IntoTool for ToolDef {
    fn into_tool(self) -> ToolDef {
        self
    }
}

/// Proof that a function was made by `#[tool]`: only the runtime can build one.
pub struct ToolMarker(());

impl<F: FnOnce(ToolMarker) -> ToolDef> IntoTool for F {
    fn into_tool(self) -> ToolDef {
        self(ToolMarker(()))
    }
}

/// A type whose `impl` block is annotated with `#[tools]`: its `#[tool]`, `#[resource]` and
/// `#[prompt]` methods, bound to state.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no tools",
    note = "annotate its impl block with `#[toolsmith::tools]` and its methods with `#[tool]`, `#[resource(uri = \"..\")]` or `#[prompt]`"
)]
pub trait ToolBox: Send + Sync + Sized + 'static {
    /// The tools, each holding a reference to `state`.
    fn tool_defs(state: Arc<Self>) -> Vec<ToolDef>;

    /// The `#[resource]` methods, each holding a reference to `state` (`Err`: why the runtime
    /// refuses one, reported when the server starts).
    fn resource_defs(state: Arc<Self>) -> Vec<Result<ResourceDef, TemplateError>> {
        let _ = state;
        Vec::new()
    }

    /// The `#[prompt]` methods, each holding a reference to `state`.
    fn prompt_defs(state: Arc<Self>) -> Vec<PromptDef> {
        let _ = state;
        Vec::new()
    }
}
