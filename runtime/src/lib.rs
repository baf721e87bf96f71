//! # Toolsmith
//!
//! Write Model Context Protocol servers with plain async functions, and the clients that answer
//! them.
//!
//! ```no_run
//! use toolsmith::prelude::*;
//!
//! #[derive(Serialize, JsonSchema)]
//! struct Sentiment {
//!     label: String,
//! }
//!
//! /// Classify the sentiment of a text.
//! #[tool]
//! async fn analyze_sentiment(text: String, ctx: Context<'_>) -> Result<Sentiment, ToolError> {
//!     let reply = ctx
//!         .sample(format!("Classify: {text}"))
//!         .system_prompt("Answer positive, negative or neutral.")
//!         .model_preferences(["custom_model", "gpt-4o"])
//!         .temperature(0.0)
//!         .max_tokens(5)
//!         .await?;
//!     Ok(Sentiment { label: reply.text().trim().to_lowercase() })
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), toolsmith::Error> {
//!     Server::new("sentiment", "1.0.0").tool(analyze_sentiment).serve_stdio().await
//! }
//! ```
//!
//! A parameter of type [`Context`] (any name, any position) is injected per request and left out
//! of the input schema; every other parameter becomes an input property.

#![warn(missing_docs)]

pub mod client;
mod context;
mod error;
pub mod jsonrpc;
mod params;
mod prompt;
pub mod protocol;
mod resource;
mod schema;
mod server;
mod tool;
mod transport;

pub use context::{
    Context, IntoModelPreferences, IntoSamplingMessages, Sample, SampleError, SampleResult,
};
pub use error::Error;
pub use params::Params;
pub use prompt::{
    IntoPrompt, PromptArgMeta, PromptArgs, PromptDef, PromptFn, PromptMeta, PromptOutput,
};
pub use protocol::{
    CallToolResult, Content, LoggingLevel, ModelPreferences, SamplingMessage, StopReason,
};
pub use resource::{
    Blob, IntoResource, Json, ResourceDef, ResourceFn, ResourceMeta, ResourceOutput,
    ResourceRequest, UriTemplate,
};
pub use server::{Completer, CompletionRef, Limits, Server, ServerHandle};
pub use tool::{
    IntoTool, IntoToolError, ResultOutput, ToolBox, ToolDef, ToolError, ToolFn, ToolMeta,
    ToolMethod, ToolOutput,
};
pub use toolsmith_macros::{tool, tools};

/// Everything a server author needs in scope: `use toolsmith::prelude::*;`.
pub mod prelude {
    pub use crate::{
        tool, tools, CallToolResult, Content, Context, LoggingLevel, ModelPreferences, Params,
        SampleError, SamplingMessage, Server, ToolError,
    };
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}

/// Paths used by the macro expansion. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use futures::future::BoxFuture;
    pub use schemars;
    pub use serde;
    pub use serde_json::Value;

    pub use crate::protocol::{CallToolResult, ToolAnnotations};
    pub use crate::tool::{IntoTool, ResultOutput, ToolBox, ToolDef, ToolMeta, ToolOutput};

    /// Convert a tool's plain return value into its result.
    pub fn output<T: ToolOutput>(value: T) -> CallToolResult {
        crate::tool::ToolOutput::into_call_tool_result(value)
    }

    /// Convert a tool's `Result` return value into its result.
    pub fn result_output<R: ResultOutput>(value: R) -> CallToolResult {
        match value.into_result() {
            Ok(v) => v.into_call_tool_result(),
            Err(e) => CallToolResult::error(crate::tool::IntoToolError::into_message(e)),
        }
    }

    /// The `outputSchema` of a plain return type.
    pub fn output_schema<T: ToolOutput>() -> Option<Value> {
        T::output_schema()
    }

    /// The `outputSchema` of a `Result` return type.
    pub fn result_output_schema<R: ResultOutput>() -> Option<Value> {
        <R::Ok as ToolOutput>::output_schema()
    }

    /// Compile-time check that a plain return type is a tool output (spanned at the type).
    pub fn assert_output<T: ToolOutput>() {}

    /// Compile-time check that a `Result` return type is a tool output (spanned at the type).
    pub fn assert_result_output<R: ResultOutput>() {}
}
