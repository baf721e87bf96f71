// The README is the crate's front page; its examples need every feature they show (the client,
// HTTP serving, the OpenAI backend, OAuth, skills), so with fewer features a shorter page stands
// in for it.
#![cfg_attr(
    all(
        feature = "macros",
        feature = "stdio",
        feature = "http-server",
        feature = "openai",
        feature = "auth",
        feature = "testing",
        feature = "skills"
    ),
    doc = include_str!("../README.md")
)]
#![cfg_attr(
    not(all(
        feature = "macros",
        feature = "stdio",
        feature = "http-server",
        feature = "openai",
        feature = "auth",
        feature = "testing",
        feature = "skills"
    )),
    doc = r#"
# Toolsmith

Write Model Context Protocol servers with plain async functions, and the clients that answer
them. This is the short front page of a build without every feature; the full guide is the
README (on docs.rs, built with every feature, it is this page).

A one-tool stdio server is on `Server`; the macros are `#[tool]` and its siblings (feature
`macros`), the client is `toolsmith::client` (feature `client`).

A parameter of type `Context` (any name, any position) is injected per request and left out
of the input schema; every other parameter becomes an input property.
"#
)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// With neither `server` nor `client`, only the wire types are left: the framing and queues both
// sides share have no user then.
#![cfg_attr(
    not(any(feature = "server", feature = "client")),
    allow(dead_code, unused_imports)
)]

#[cfg(feature = "server")]
pub mod auth;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
#[cfg(feature = "server")]
mod context;
mod error;
pub mod jsonrpc;
#[cfg(feature = "server")]
mod params;
#[cfg(feature = "server")]
mod prompt;
pub mod protocol;
#[cfg(all(feature = "server", feature = "client"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "server", feature = "client"))))]
pub mod proxy;
#[cfg(feature = "server")]
mod resource;
#[cfg(feature = "server")]
mod schema;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
#[cfg(feature = "server")]
mod tool;
mod transport;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use server::RedisTaskStore;
#[cfg(feature = "http-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-server")))]
pub use transport::http::{
    shutdown_signal, BearerAuth, BearerAuthService, ChangeEvent, EventBounds, EventStore, FanOut,
    HttpConfig, MemorySessionStore, ResourceServer, SessionRecord, SessionStore, StoreError,
    StoredEvents, StreamHolder, StreamLease,
};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use transport::http::{RedisEventStore, RedisFanOut, RedisSessionStore};

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use client::{Client, ClientBuilder, ClientError};
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use context::{
    Ask, AskError, AskOutput, Context, ElicitChoice, ElicitField, ElicitForm, Elicitation,
    IntoModelPreferences, IntoSamplingMessages, LocalSampler, Sample, SampleError, SampleHook,
    SampleOrigin, SampleResult, SamplerMode, SamplingPolicy, Structured, ToolChoice,
};
pub use error::Error;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use params::Params;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use prompt::{
    IntoPrompt, PromptArgMeta, PromptArgs, PromptDef, PromptFn, PromptMeta, PromptOutput,
};
pub use protocol::{
    CallToolResult, Content, ElicitAction, ElicitResult, LoggingLevel, ModelPreferences, Root,
    SamplingMessage, StopReason, TaskStatus, TaskSupport,
};
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use resource::{
    Blob, IntoResource, Json, ResourceDef, ResourceFn, ResourceMeta, ResourceOutput,
    ResourceRequest, TemplateError, UriTemplate,
};
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use server::middleware;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use server::{
    Completer, CompletionRef, CompletionRequest, Limits, MemoryTaskStore, RootsChanged, Server,
    ServerHandle, TaskCommand, TaskRecord, TaskStore, TaskStoreError,
};
#[cfg(feature = "skills")]
#[cfg_attr(docsrs, doc(cfg(feature = "skills")))]
pub use server::{Skill, SkillError};
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use tool::{
    IntoHandlerError, IntoTool, IntoToolError, ResultOutput, ToolBox, ToolDef, ToolError, ToolFn,
    ToolMeta, ToolMethod, ToolOutput,
};
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use toolsmith_macros::{prompt, resource, tool, tools, Elicit};

/// Everything a server author needs in scope: `use toolsmith::prelude::*;`.
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod prelude {
    pub use crate::protocol::{PromptMessage, ResourceContents};
    #[cfg(feature = "macros")]
    pub use crate::{prompt, resource, tool, tools, Elicit};
    pub use crate::{
        Blob, CallToolResult, Content, Context, Elicitation, Json, LoggingLevel, ModelPreferences,
        Params, SampleError, SamplingMessage, Server, ToolError,
    };
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}

/// Paths used by the macro expansion. Not a public API: it may change in any release.
#[doc(hidden)]
#[cfg(feature = "server")]
pub mod __private {
    pub use futures::future::BoxFuture;
    pub use schemars;
    pub use serde;
    pub use serde_json::Value;

    pub use crate::protocol::{CallToolResult, TaskSupport, ToolAnnotations};
    pub use crate::tool::{
        IntoTool, IntoToolError, ResultOutput, ToolBox, ToolDef, ToolMeta, ToolOutput,
    };
    // The arguments `#[tool]` generates (`tool/args.rs`).
    pub use crate::tool::{
        arg, args_tool, args_tool_method, ArgsSchema, NoDefault, NullDefault, SerializedDefault,
        ToolArgs,
    };
    pub use serde_json::Map;

    // The macro names the return type in a turbofish on each of these, so an unmet bound is
    // reported at the user's return type, with the message of `ToolOutput` / `IntoToolError`.

    /// Mark a tool whose function takes no `Context` (what `#[tool]` wraps such a tool in): the
    /// handler can ask the client nothing, so a protocol 2026-07-28 call of it runs without the
    /// multi round-trip machinery (no round that could end with `input_required`, no relay for
    /// notifications, no copy of the arguments to bind a `requestState` to), as a 2025-11-25
    /// call does. Only for handlers that are never given access to their context.
    pub fn without_context(def: ToolDef) -> ToolDef {
        def.without_context()
    }

    /// Convert a tool's plain return value into its result.
    pub fn output<T: ToolOutput>(value: T) -> CallToolResult {
        crate::tool::ToolOutput::into_call_tool_result(value)
    }

    /// Convert a tool's `Result` return value into its result. The macro passes `T` and `E` as
    /// written in `Result<T, E>` (or `_`), so a bad one is reported at that type.
    pub fn result_output<T: ToolOutput, E: IntoToolError>(value: Result<T, E>) -> CallToolResult {
        match value {
            Ok(v) => v.into_call_tool_result(),
            Err(e) => e.into_error_result(),
        }
    }

    /// The `outputSchema` of a plain return type.
    pub fn output_schema<T: ToolOutput>() -> Option<Value> {
        T::output_schema()
    }

    /// The `outputSchema` of a `Result` return type.
    pub fn result_output_schema<R>() -> Option<Value>
    where
        R: ResultOutput,
        R::Ok: ToolOutput,
        R::Err: IntoToolError,
    {
        <R::Ok as ToolOutput>::output_schema()
    }

    pub use crate::jsonrpc::ErrorObject;
    pub use crate::prompt::PromptMarker;
    pub use crate::resource::ResourceMarker;
    use crate::tool::IntoHandlerError;
    pub use crate::tool::ToolMarker;
    pub use crate::{Context, Params};
    pub use crate::{ElicitChoice, ElicitField, ElicitForm};

    /// Compile-time check that a form field's type is allowed (spanned at the field's type).
    pub fn assert_elicit_field<T: ElicitField>() {}
    pub use crate::prompt::{
        IntoPrompt, PromptArgMeta, PromptArgs, PromptDef, PromptMeta, PromptMethod, PromptOutput,
    };
    pub use crate::protocol::{GetPromptResult, ReadResourceResult};
    pub use crate::resource::{
        IntoResource, ResourceDef, ResourceMeta, ResourceMethod, ResourceOutput, ResourceRequest,
        TemplateError,
    };

    /// A template variable of a resource read, parsed with `FromStr` (-32602 naming it).
    pub fn template_var<T: std::str::FromStr>(
        req: &ResourceRequest,
        name: &str,
    ) -> Result<T, ErrorObject>
    where
        T::Err: std::fmt::Display,
    {
        let raw = req.vars.get(name).ok_or_else(|| {
            ErrorObject::invalid_params(format!("`{}` has no `{name}` variable", req.uri))
        })?;
        raw.parse().map_err(|e: T::Err| {
            ErrorObject::invalid_params(format!("invalid `{name}` in `{}`: {e}", req.uri))
        })
    }

    /// Convert a resource's plain return value.
    pub fn resource_output<T: ResourceOutput>(
        value: T,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorObject> {
        Ok(value.into_read_result(uri, mime))
    }

    /// Convert a resource's `Result` return value (an `Err` is an internal error naming the URI).
    /// The macro passes `T` and `E` as written in `Result<T, E>` (or `_`), so a bad one is
    /// reported at that type.
    pub fn resource_result_output<T: ResourceOutput, E: IntoHandlerError>(
        value: Result<T, E>,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorObject> {
        match value {
            Ok(v) => Ok(v.into_read_result(uri, mime)),
            Err(e) => Err(e.into_handler_error(&format!("reading `{uri}` failed"))),
        }
    }

    /// Convert a prompt's plain return value.
    pub fn prompt_output<T: PromptOutput>(value: T) -> Result<GetPromptResult, ErrorObject> {
        Ok(value.into_prompt_result())
    }

    /// Convert a prompt's `Result` return value (an `Err` is an internal error). The macro passes
    /// `T` and `E` as written in `Result<T, E>` (or `_`), so a bad one is reported at that type.
    pub fn prompt_result_output<T: PromptOutput, E: IntoHandlerError>(
        value: Result<T, E>,
    ) -> Result<GetPromptResult, ErrorObject> {
        match value {
            Ok(v) => Ok(v.into_prompt_result()),
            Err(e) => Err(e.into_handler_error("the prompt failed")),
        }
    }
}
