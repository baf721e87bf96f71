//! MCP wire types (revision 2025-11-25 and the older revisions it subsumes), with the spec's exact
//! field names. Unknown fields are tolerated on input; `_meta` is preserved where the spec has it.

pub mod codes;
mod completion;
mod content;
mod elicitation;
#[cfg(feature = "server")]
mod era;
mod icon;
mod lifecycle;
mod logging;
mod prompts;
mod resources;
mod roots;
mod sampling;
mod tasks;
mod tools;
mod with_extra;

pub use completion::{CompleteReference, Completion};
pub use content::{Content, ResourceContents};
pub use elicitation::{ElicitAction, ElicitResult, UrlElicitation};
#[cfg(feature = "server")]
pub use era::Era;
#[cfg(feature = "server")]
pub(crate) use icon::check_icons;
pub use icon::Icon;
pub use lifecycle::{
    ClientCapabilities, Implementation, InitializeParams, InitializeResult, SamplingCapability,
    ServerCapabilities,
};
pub use logging::{LoggingLevel, ProgressToken};
pub use prompts::{GetPromptResult, Prompt, PromptArgument, PromptMessage};
pub use resources::{ReadResourceResult, Resource, ResourceTemplate};
pub use roots::Root;
pub use sampling::{
    CreateMessageParams, CreateMessageResult, IncludeContext, ModelHint, ModelPreferences, Role,
    SamplingContent, SamplingMessage, StopReason,
};
pub use tasks::{TaskStatus, TaskSupport, ToolExecution, TASKS_EXTENSION};
pub use tools::{CallToolParams, CallToolResult, Tool, ToolAnnotations};

/// The newest protocol revision with a session handshake, which this crate speaks by default.
pub const LATEST_PROTOCOL_VERSION: &str = "2025-11-25";

/// Every handshake revision this crate negotiates, newest first.
pub const SUPPORTED_PROTOCOL_VERSIONS: &[&str] =
    &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// Streamable HTTP: the header naming the session (handshake era), lowercase.
#[cfg(feature = "server")]
pub(crate) const SESSION_HEADER: &str = "mcp-session-id";

/// Streamable HTTP: the header naming the request's protocol version, lowercase.
#[cfg(feature = "server")]
pub(crate) const VERSION_HEADER: &str = "mcp-protocol-version";
