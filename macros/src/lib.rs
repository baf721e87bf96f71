//! Attribute macros for [Toolsmith](https://docs.rs/toolsmith). Use them through the `toolsmith`
//! crate, which re-exports them; the expansion calls into `toolsmith::__private` (or
//! `<path>::__private` under `crate = "<path>"`, for crates that re-export Toolsmith).
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
/// ```
/// use toolsmith::prelude::*;
/// use toolsmith::IntoTool;
///
/// #[derive(Serialize, JsonSchema)]
/// struct Sentiment {
///     label: String,
/// }
///
/// /// Classify the sentiment of a text.
/// #[tool(read_only)]
/// async fn analyze_sentiment(
///     #[arg(description = "The text to classify")] text: String,
///     ctx: Context<'_>,
/// ) -> Result<Sentiment, ToolError> {
///     let reply = ctx.sample(format!("Classify: {text}")).max_tokens(5).await?;
///     Ok(Sentiment { label: reply.text().trim().to_lowercase() })
/// }
///
/// let def = analyze_sentiment.into_tool();
/// let tool = def.tool();
/// assert_eq!(tool.name, "analyze_sentiment");
/// assert_eq!(tool.description.as_deref(), Some("Classify the sentiment of a text."));
/// // `text` is an input property; the context is not.
/// assert_eq!(tool.input_schema["required"], serde_json::json!(["text"]));
/// assert!(tool.input_schema["properties"].get("ctx").is_none());
/// assert!(tool.output_schema.is_some()); // from `Sentiment`'s JsonSchema
/// let server = Server::new("sentiment", "1.0.0").tool(analyze_sentiment);
/// # drop(server);
/// ```
///
/// Options: `name = ".."`, `description = ".."` (default: the doc comment), `title = ".."`,
/// the annotations `read_only`, `destructive`, `idempotent`, `open_world` (each a flag, or
/// `= true`/`= false`), `icons = ["https://.."]` (icon sources: `https:`/`http:` URLs or
/// `data:image/...` URIs, checked here and at registration by the same rule), `scopes = [..]`,
/// and `crate = "path::to::toolsmith"` for a crate that re-exports
/// Toolsmith (the expansion names `::toolsmith` by default). Parameters take `#[arg(description = "..")]`. A parameter of type
/// `Context<'_>` is injected; every other one becomes an input property (`Option<T>` optional).
///
/// The name then refers to a function that builds the tool: register it with
/// `Server::tool(name)`. (A function, unlike a generated type of the same name, never captures a
/// local variable that happens to share the tool's name.)
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_fn(attr.into(), item.into()).into()
}

/// Collect the `#[tool]`, `#[resource]` and `#[prompt]` methods of an impl block; register them
/// all with `Server::tools(state)`. Each takes `&self`, so they share the state.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// use toolsmith::prelude::*;
///
/// struct Counter {
///     count: AtomicU64,
/// }
///
/// #[tools]
/// impl Counter {
///     /// Add one and return the new count.
///     #[tool]
///     async fn increment(&self) -> u64 {
///         self.count.fetch_add(1, Ordering::Relaxed) + 1
///     }
///
///     /// The current count.
///     #[resource(uri = "counter://value")]
///     async fn value(&self) -> String {
///         self.count.load(Ordering::Relaxed).to_string()
///     }
/// }
///
/// let server = Server::new("counter", "1.0.0").tools(Counter { count: AtomicU64::new(0) });
/// # drop(server);
/// ```
///
/// Option: `crate = "path::to::toolsmith"` (for every method of the block).
#[proc_macro_attribute]
pub fn tools(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_impl(attr.into(), item.into()).into()
}

/// Turn an `async fn` into an MCP resource (static URI) or resource template (RFC 6570 URI).
///
/// ```
/// use toolsmith::prelude::*;
///
/// #[derive(Serialize)]
/// struct Profile {
///     id: u64,
///     name: String,
/// }
///
/// /// A user's profile.
/// #[resource(uri = "users://{id}/profile", mime_type = "application/json")]
/// async fn profile(id: u64) -> Json<Profile> {
///     Json(Profile { id, name: format!("user {id}") })
/// }
///
/// /// The application's settings.
/// #[resource(uri = "config://app")]
/// async fn config() -> &'static str {
///     "theme = dark"
/// }
///
/// let server = Server::new("users", "1.0.0").resource(profile).resource(config);
/// # drop(server);
/// ```
///
/// Options: `uri` (required), `name` (default: the function's name), `title`, `description`
/// (default: the doc comment), `mime_type`, `icons = ["https://.."]`, `scopes = [..]`,
/// `crate = "path::to::toolsmith"`. As a `&self`
/// method, it goes in a `#[tools]` impl block. Each template variable must be a parameter of the
/// same name (parsed with `FromStr`), and each parameter (but a `Context<'_>`) a variable.
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::resource_fn(attr.into(), item.into()).into()
}

/// Turn an `async fn` into an MCP prompt; its parameters are the prompt's arguments (required
/// unless `Option<T>`, parsed with `FromStr`).
///
/// ```
/// use toolsmith::prelude::*;
///
/// /// Review a piece of code.
/// #[prompt(title = "Code review")]
/// async fn code_review(
///     #[arg(description = "The code to review")] code: String,
///     language: Option<String>,
/// ) -> String {
///     let language = language.unwrap_or_else(|| "Rust".into());
///     format!("Review this {language} code:\n\n{code}")
/// }
///
/// let server = Server::new("reviews", "1.0.0").prompt(code_review);
/// # drop(server);
/// ```
///
/// Options: `name`, `title`, `description` (default: the doc comment), `icons = ["https://.."]`,
/// `scopes = [..]`, `crate = "path::to::toolsmith"`. Parameters take `#[arg(description = "..")]`. As a `&self`
/// method, it goes in a `#[tools]` impl block.
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::prompt_fn(attr.into(), item.into()).into()
}

/// Mark a struct as an elicitation form for `ctx.elicit_as::<T>(..)`, or an enum as a form's
/// choice list. The form must be flat, as the spec requires: each field a string, number,
/// integer, boolean, an enum deriving `Elicit` (unit variants), a `Vec` of such an enum
/// (multi-select), or an `Option` of these; anything else is a compile error at that field.
///
/// ```
/// use toolsmith::prelude::*;
///
/// #[derive(Deserialize, JsonSchema, Elicit)]
/// struct Contact {
///     name: String,
///     age: Option<u32>,
///     plan: Plan,
/// }
///
/// #[derive(Deserialize, JsonSchema, Elicit)]
/// enum Plan {
///     Free,
///     Pro,
/// }
///
/// /// Sign the user up.
/// #[tool]
/// async fn sign_up(ctx: Context<'_>) -> Result<String, ToolError> {
///     Ok(match ctx.elicit_as::<Contact>("Who are you?").await? {
///         Elicitation::Accepted(contact) => format!("welcome, {}", contact.name),
///         Elicitation::Declined | Elicitation::Cancelled => "maybe later".to_string(),
///     })
/// }
/// ```
///
/// For a crate that re-exports Toolsmith: `#[elicit(crate = "path::to::toolsmith")]`.
#[proc_macro_derive(Elicit, attributes(elicit))]
pub fn derive_elicit(input: TokenStream) -> TokenStream {
    expand::derive_elicit(input.into()).into()
}
