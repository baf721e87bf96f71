//! Bounds on what a server can make the client do: how long one request may last however much
//! progress the server reports, how many of the server's requests are answered at once, and how
//! many input requests one `input_required` round may carry.

use std::time::Duration;

use crate::jsonrpc::ErrorObject;

/// The JSON-RPC error code of a server request refused because the client is already
/// answering as many as it allows (in the implementation-defined server-error range).
pub(crate) const CLIENT_BUSY: i64 = -32000;

/// The client's limits, set on [`ClientBuilder`](super::ClientBuilder); see the defaults there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientLimits {
    /// The longest one request may wait for its answer, progress or not.
    pub max_request_time: Duration,
    /// Server-to-client requests (sampling, elicitation, roots) answered at once.
    pub max_concurrent_asks: usize,
    /// Input requests one `input_required` round may carry (protocol 2026-07-28).
    pub max_input_requests: usize,
    /// Pages one `list_*` call follows through `nextCursor` before giving up.
    pub max_list_pages: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            max_request_time: Duration::from_secs(10 * 60),
            max_concurrent_asks: 16,
            max_input_requests: 16,
            max_list_pages: 1000,
        }
    }
}

impl ClientLimits {
    /// The answer to a server request beyond [`max_concurrent_asks`](Self::max_concurrent_asks).
    pub(crate) fn busy(&self, method: &str) -> ErrorObject {
        ErrorObject::new(
            CLIENT_BUSY,
            format!(
                "the client is busy: it is already answering {} requests from this server, \
                 the most it answers at once; `{method}` was not run (try again later)",
                self.max_concurrent_asks
            ),
        )
    }
}
