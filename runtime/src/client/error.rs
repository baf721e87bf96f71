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
    /// The HTTP transport could not deliver the request or its answer: the server was
    /// unreachable, answered with an HTTP error and no JSON-RPC answer (for example `404` for a
    /// session that ended), or the response stream broke and could not be resumed.
    #[error("HTTP transport error on `{method}`{}: {reason}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Transport {
        /// The method requested.
        method: String,
        /// The HTTP status, when the server answered with one.
        status: Option<u16>,
        /// What went wrong.
        reason: String,
    },
    /// Protocol 2026-07-28: the server asked for input (sampling, elicitation, roots) that this
    /// client could not produce, so the request was not retried. The spec gives an input
    /// response no error shape, so the failure ends the call here instead of being sent to the
    /// server.
    #[error("could not answer the server's input request `{key}` ({input_method}) for `{method}`: {error}")]
    InputRequest {
        /// The method requested (`tools/call`, `prompts/get`, `resources/read`).
        method: String,
        /// The `inputRequests` key.
        key: String,
        /// What the server asked for (`sampling/createMessage`, `elicitation/create`,
        /// `roots/list`).
        input_method: String,
        /// Why it could not be answered: the handler's error (`-1` for a sampling request the
        /// approval hook rejected), or `-32601` when the client has no handler for it.
        error: Box<ErrorObject>,
    },
    /// Protocol 2026-07-28: the server still wanted input after the most rounds the client
    /// allows ([`ClientBuilder::max_input_rounds`](super::ClientBuilder::max_input_rounds)).
    #[error("`{method}` still required input after {rounds} rounds; giving up")]
    TooManyRounds {
        /// The method requested.
        method: String,
        /// The rounds fulfilled before giving up.
        rounds: u32,
    },
    /// Protocol 2026-07-28: one `input_required` round asked for more input requests than the
    /// client fulfils at once
    /// ([`ClientBuilder::max_input_requests`](super::ClientBuilder::max_input_requests)); none
    /// was fulfilled.
    #[error("`{method}` asked for {requests} inputs in one round, more than the {max} this client fulfils at once; giving up")]
    TooManyInputRequests {
        /// The method requested.
        method: String,
        /// How many input requests the round carried.
        requests: usize,
        /// The most the client allows in one round.
        max: usize,
    },
}

impl ClientError {
    /// The server's JSON-RPC error, when the server answered with one.
    pub fn rpc_error(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The URL-mode elicitations the server needs the user to complete before it can answer
    /// (the URL-elicitation-required error, `-32042`, protocol 2025-11-25): open each URL (with
    /// the user's consent), then retry the request, e.g. once
    /// [`ServerNotification::ElicitationComplete`](crate::client::ServerNotification::ElicitationComplete)
    /// names it. `None` for any other error, or a malformed list.
    pub fn url_elicitations(&self) -> Option<Vec<crate::protocol::UrlElicitation>> {
        let error = self.rpc_error()?;
        if error.code != crate::protocol::codes::URL_ELICITATION_REQUIRED {
            return None;
        }
        let list = error.data.as_ref()?.get("elicitations")?.clone();
        serde_json::from_value(list).ok()
    }

    /// The HTTP status of a [`Transport`](ClientError::Transport) error.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ClientError::Transport { status, .. } => *status,
            _ => None,
        }
    }

    /// True when the connection is closed (the request can never succeed on this client).
    pub fn is_connection_closed(&self) -> bool {
        matches!(self, ClientError::ConnectionClosed { .. })
    }
}
