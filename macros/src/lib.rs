//! Attribute macros for [Toolsmith](https://docs.rs/toolsmith). Use them through the `toolsmith`
//! crate, which re-exports them; the expansion calls into `toolsmith::__private`.
//!
//! Each macro parses its input into a small model (`parse`), checks what needs the whole model
//! (`validate`), then generates code (`expand`). Errors are collected and spanned at the user's
//! tokens.

use proc_macro::TokenStream;

mod errors;
mod expand;
mod parse;
mod validate;

/// Turn an `async fn` into an MCP tool.
///
/// ```ignore
/// /// Classify the sentiment of a text.
/// #[tool]
/// async fn analyze_sentiment(text: String, ctx: Context<'_>) -> Result<Sentiment, ToolError> { .. }
/// ```
///
/// Options: `name = ".."`, `description = ".."` (default: the doc comment), `title = ".."`,
/// and the annotations `read_only`, `destructive`, `idempotent`, `open_world` (each a flag, or
/// `= true`/`= false`). Parameters take `#[arg(description = "..")]`. A parameter of type
/// `Context<'_>` is injected; every other one becomes an input property (`Option<T>` optional).
///
/// The function becomes a unit value of the same name: register it with `Server::tool(name)`,
/// and call the original with `name::call(..)`.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_fn(attr.into(), item.into()).into()
}

/// Collect the `#[tool]` methods of an impl block; register them with `Server::tools(state)`.
///
/// ```ignore
/// #[tools]
/// impl Counter {
///     /// Add one and return the new count.
///     #[tool]
///     async fn increment(&self) -> u64 { .. }
/// }
/// ```
#[proc_macro_attribute]
pub fn tools(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_impl(attr.into(), item.into()).into()
}
