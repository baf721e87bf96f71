//! What a client does with what the server sends it: sampling requests (and their approval),
//! elicitation, roots, log messages, progress.

mod approval;
mod elicitation;
mod roots;
mod sampling;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::protocol::LoggingLevel;

pub use approval::Approval;
pub(crate) use approval::{erase_approval, erase_async_approval, DynApproval};
pub(crate) use elicitation::{erase_elicitation, DynElicitation};
pub use elicitation::{ElicitationHandler, ElicitationMode, ElicitationRequest};
pub(crate) use roots::{erase_roots, DynRoots};
pub use roots::{RootsHandler, RootsRequest};
pub(crate) use sampling::{erase_sampling, DynSampling};
pub use sampling::{SamplingError, SamplingHandler, SamplingReply, SamplingRequest, UNKNOWN_MODEL};

/// The error of the elicitation and roots handlers: the same JSON-RPC error shape as
/// [`SamplingError`] (code, message, data).
pub type HandlerError = SamplingError;

/// A `notifications/message` log message from the server.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct LogMessage {
    /// The severity.
    pub level: LoggingLevel,
    /// The logger's name, when the server gave one.
    #[serde(default)]
    pub logger: Option<String>,
    /// The message: any JSON value, often a string.
    pub data: Value,
}

impl LogMessage {
    /// The data as text: the string itself, or the JSON of any other value.
    pub fn text(&self) -> String {
        match &self.data {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// A `notifications/progress` update for a request this client made.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Progress {
    /// Progress so far (increases with every update).
    pub progress: f64,
    /// The total, when the server knows it.
    #[serde(default)]
    pub total: Option<f64>,
    /// A human-readable description of the progress.
    #[serde(default)]
    pub message: Option<String>,
}

/// A log handler behind a pointer.
pub(crate) type LogFn = Arc<dyn Fn(LogMessage) + Send + Sync>;

/// A progress callback behind a pointer.
pub(crate) type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;
