//! The server: a builder users configure, and the per-connection session that dispatches requests.

mod builder;
pub(crate) mod era;
mod limits;
mod outbox;
mod prepare;
mod registry;
mod request_state;
mod session;
pub(crate) mod stateless;

pub(crate) use builder::ServerCore;
pub use builder::{Server, ServerHandle};
pub use limits::Limits;
pub(crate) use outbox::Outbox;
pub use registry::{Completer, CompletionRef};
pub(crate) use session::Session;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::jsonrpc::ErrorObject;

/// Decode a method's params, naming the offending field in the `-32602` error.
pub(crate) fn parse_params<T: DeserializeOwned>(
    method: &str,
    params: Option<Value>,
) -> Result<T, ErrorObject> {
    let params = params.unwrap_or_else(|| Value::Object(Default::default()));
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
