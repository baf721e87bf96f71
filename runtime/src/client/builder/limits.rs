//! The builder's limits on what a server can make the client do.

use std::time::Duration;

use super::ClientBuilder;

impl ClientBuilder {
    /// The longest one request may wait for its answer, however often the server reports
    /// progress (default 10 minutes). Progress restarts the
    /// [`request_timeout`](ClientBuilder::request_timeout), so without this bound a server that
    /// reports progress forever would hold the call forever. A request that reaches it fails
    /// with [`ClientError::Timeout`](super::ClientError::Timeout) and is cancelled. In a multi
    /// round-trip request (protocol 2026-07-28) it bounds each attempt, like the request
    /// timeout. [`Client::listen`](super::Client::listen) streams are long-lived and not
    /// bounded by it.
    pub fn max_request_time(mut self, limit: Duration) -> Self {
        self.limits.max_request_time = limit;
        self
    }

    /// How many of the server's requests (sampling, elicitation, roots; handshake era) the
    /// client answers at once (default 16). One beyond that is answered at once with a
    /// JSON-RPC error (`-32000`) saying the client is busy, so a server cannot pile up work
    /// (and model calls) on the client. `ping` is always answered.
    pub fn max_concurrent_asks(mut self, asks: usize) -> Self {
        self.limits.max_concurrent_asks = asks;
        self
    }

    /// Protocol 2026-07-28: the most input requests one `input_required` round may carry
    /// (default 16; they are fulfilled all at once). A result asking for more fails the call
    /// with [`ClientError::TooManyInputRequests`](super::ClientError::TooManyInputRequests)
    /// before any handler runs.
    pub fn max_input_requests(mut self, requests: usize) -> Self {
        self.limits.max_input_requests = requests;
        self
    }

    /// The most pages one [`list_tools`](super::Client::list_tools) (or other `list_all_*`)
    /// call follows through `nextCursor` (default 1000, at least 1). A server that keeps
    /// sending cursors past that fails the call with
    /// [`ClientError::InvalidResponse`](super::ClientError::InvalidResponse) rather than
    /// looping forever.
    pub fn max_list_pages(mut self, pages: usize) -> Self {
        self.limits.max_list_pages = pages.max(1);
        self
    }
}
