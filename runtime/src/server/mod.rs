//! The server: a builder users configure, the registry, and the dispatcher that transports hand
//! frames to (it decides each frame's era once, serves handshake-era sessions and stateless-era
//! requests, and runs handlers through one runner). It sits on top of `transport`, `context` and
//! the handler modules, and implements the transport's `Dispatch`/`Endpoint` traits.

mod admission;
mod builder;
mod completion;
mod continuations;
#[cfg(feature = "http-server")]
mod dispatch;
mod elicitation_complete;
mod era;
#[cfg(feature = "http-server")]
mod fan_out_relay;
mod http_rules;
pub mod middleware;
mod mirrored;
mod mount;
mod peer_cache;
mod prepare;
mod registry;
pub(crate) mod reply;
mod request_state;
mod roots_changed;
mod rounds;
mod runner;
#[cfg(feature = "http-server")]
mod serve_http;
mod session;
mod skills;
mod stateless;
mod subscriptions;
mod tasks;

pub use crate::transport::Limits;
pub(crate) use builder::ServerCore;
pub use builder::{Server, ServerHandle};
pub use completion::CompletionRequest;
pub use registry::{Completer, CompletionRef};
pub use roots_changed::RootsChanged;
pub(crate) use session::Session;
#[cfg(feature = "skills")]
pub use skills::{Skill, SkillError};
#[cfg(feature = "redis")]
pub use tasks::RedisTaskStore;
pub use tasks::{MemoryTaskStore, TaskCommand, TaskRecord, TaskStore, TaskStoreError};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::jsonrpc::ErrorObject;

/// Decode a method's params, naming the offending field in the `-32602` error.
pub(crate) fn parse_params<T: DeserializeOwned>(
    method: &str,
    params: Option<Value>,
) -> Result<T, ErrorObject> {
    let params = params.unwrap_or_else(|| Value::Object(Default::default()));
    // Plain serde from the borrowed value first (every valid request); tracked by value only to
    // name the offending field of an invalid one (see `tool::def::decode`).
    if let Ok(p) = T::deserialize(&params) {
        return Ok(p);
    }
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ErrorObject::invalid_params(if path == "." {
            format!("invalid params for `{method}`: {inner}")
        } else {
            format!("invalid params for `{method}`: `{path}`: {inner}")
        })
    })
}
