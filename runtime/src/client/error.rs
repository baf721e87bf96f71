use std::time::Duration;

use crate::jsonrpc::ErrorObject;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server process could not be started.
    #[error("could not start the server process `{program}`: {source}")]
    Spawn {
        /// The program that was run.
        program: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The `initialize` handshake did not produce a usable session.
    #[error("the MCP handshake failed: {0}")]
    Handshake(String),
    /// The server answered the request with a JSON-RPC error.
    #[error("the server answered `{method}` with an error: {error}")]
    Rpc {
        /// The method requested.
        method: String,
        /// The server's error.
        error: ErrorObject,
    },
    /// No answer came within the request timeout (the request was cancelled).
    #[error("the server did not answer `{method}` within {timeout:?}")]
    Timeout {
        /// The method requested.
        method: String,
        /// The time waited.
        timeout: Duration,
    },
    /// The connection is closed, or closed before the answer came.
    #[error("the connection to the server is closed; `{method}` got no answer")]
    ConnectionClosed {
        /// The method requested.
        method: String,
    },
    /// The server's answer is not what the method returns.
    #[error("the server's answer to `{method}` is malformed: {reason}")]
    InvalidResponse {
        /// The method requested.
        method: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument cannot be sent (for example tool arguments that are not a JSON object).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Waiting for or stopping the server process failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// The server's JSON-RPC error, when the server answered with one.
    pub fn rpc_error(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc { error, .. } => Some(error),
            _ => None,
        }
    }

    /// True when the connection is closed (the request can never succeed on this client).
    pub fn is_connection_closed(&self) -> bool {
        matches!(self, ClientError::ConnectionClosed { .. })
    }
}
