//! Tools built from data at run time: an owned name, a JSON Schema given as a value, and an
//! async closure that receives the arguments as JSON and the [`Context`].

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;

use super::def::ToolDef;
use super::error::ToolError;
use crate::context::Context;
use crate::protocol::{CallToolResult, Tool, ToolAnnotations};

impl ToolDef {
    /// A tool built from data: its name, its input schema (a JSON Schema object, checked when
    /// it is registered by the rules that check `#[tool]`'s: an object schema, `x-mcp-header`
    /// designations, the tool name rule) and a closure run for each call with the
    /// arguments (a JSON object) and the call's [`Context`].
    ///
    /// The closure returns a boxed future, which may borrow the `Context`; register the
    /// result with [`Server::tool`](crate::Server::tool) or, while the server runs,
    /// [`ServerHandle::add_tool`](crate::ServerHandle::add_tool).
    ///
    /// ```
    /// use toolsmith::prelude::*;
    /// use toolsmith::ToolDef;
    /// use serde_json::json;
    ///
    /// let shout = ToolDef::dynamic(
    ///     "shout",
    ///     json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
    ///     |_ctx, args| Box::pin(async move {
    ///         let text = args["text"].as_str().ok_or_else(|| ToolError::new("`text` is missing"))?;
    ///         Ok(CallToolResult::text(text.to_uppercase()))
    ///     }),
    /// )
    /// .with_description("Repeat the text in capitals.");
    /// let server = Server::new("shouter", "1.0.0").tool(shout);
    /// # drop(server);
    /// ```
    pub fn dynamic<F>(name: impl Into<String>, input_schema: Value, handler: F) -> Self
    where
        F: for<'a> Fn(Context<'a>, Value) -> BoxFuture<'a, Result<CallToolResult, ToolError>>
            + Send
            + Sync
            + 'static,
    {
        let handler = Arc::new(handler);
        ToolDef {
            tool: Arc::new(Tool {
                name: name.into(),
                title: None,
                description: None,
                input_schema,
                output_schema: None,
                annotations: None,
                icons: Vec::new(),
                meta: None,
                execution: None,
            }),
            handler: Arc::new(move |ctx, args| {
                let handler = Arc::clone(&handler);
                Box::pin(async move {
                    match handler(ctx, args).await {
                        Ok(result) => result,
                        Err(e) => e.into_result(),
                    }
                })
            }),
            requires: &[],
            scopes: &[],
            escalate: false,
            context: true,
        }
    }

    /// Set what the tool does (its `description`).
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.tool).description = Some(description.into());
        self
    }

    /// Declare the tool's `outputSchema` (a JSON Schema of any type, checked at registration); its
    /// results then carry `structuredContent` matching it.
    pub fn with_output_schema(mut self, schema: Value) -> Self {
        Arc::make_mut(&mut self.tool).output_schema = Some(schema);
        self
    }

    /// Set the tool's behaviour hints.
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        Arc::make_mut(&mut self.tool).annotations =
            (!annotations.is_empty()).then_some(annotations);
        self
    }

    /// The client capabilities the tool cannot work without (`"sampling"`, `"elicitation"`,
    /// `"roots"`): a request that does not declare them is refused before the tool runs.
    pub fn with_requires(mut self, requires: &'static [&'static str]) -> Self {
        self.requires = requires;
        self
    }

    /// The OAuth scopes a caller's token must carry to call the tool (checked at registration
    /// by the scope rule, and before each call).
    pub fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }

    /// The same tool under another name (for [`Server::mount`](crate::Server::mount)).
    pub(crate) fn renamed(&self, name: String) -> Self {
        let mut def = self.clone();
        Arc::make_mut(&mut def.tool).name = name;
        def
    }
}
