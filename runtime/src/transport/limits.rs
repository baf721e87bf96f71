use std::time::Duration;

/// Limits and timeouts, in one place. Every field has a documented default.
///
/// ```
/// use std::time::Duration;
///
/// use toolsmith::{Limits, Server};
///
/// let limits = Limits::default()
///     .sample_timeout(Duration::from_secs(30))
///     .max_message_bytes(1 << 20)
///     .max_concurrent_requests(64);
/// assert_eq!(limits.sample_timeout, Duration::from_secs(30));
/// assert_eq!(limits.max_message_bytes, 1 << 20);
/// let server = Server::new("bounded", "1.0.0").limits(limits);
/// # drop(server);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// How long a sample waits for the client's answer. Default: 120 s.
    pub sample_timeout: Duration,
    /// `maxTokens` of a sample that does not set it. Default: 512.
    pub default_max_tokens: u32,
    /// The largest incoming message, in bytes; larger frames are rejected before they are
    /// buffered whole. Default: 4 MiB.
    pub max_message_bytes: usize,
    /// Stdio and other byte-stream connections: how many bytes of outgoing messages may wait for
    /// a peer that is not reading before the server stops reading new requests from it
    /// (back-pressure: requests wait in the pipe, nothing is dropped). Default: 8 MiB.
    pub max_queued_output_bytes: usize,
    /// On end of input, how long requests still running may take to finish before they are
    /// aborted. Default: 5 s.
    pub shutdown_grace: Duration,
    /// Handlers (tool calls, resource reads, prompt gets) running at once in the whole server;
    /// further requests wait for one to finish, up to [`Limits::max_admission_wait`]. A handler
    /// waiting on the client's answer (a sample, an elicitation, a roots list) gives its slot
    /// back for the time of the wait, so clients that never answer cannot starve the others.
    /// Default: 1,024.
    pub max_concurrent_requests: usize,
    /// Handlers running at once for one session or connection (waiting on the client's answer
    /// included); further requests wait up to [`Limits::max_admission_wait`]. Default: 64.
    pub max_concurrent_requests_per_session: usize,
    /// Handlers running or waiting for a slot at once for one caller, across all its sessions
    /// and stateless requests: the authenticated subject when there is one, else the peer's IP
    /// address (stdio: the one client). A request beyond it is refused at once with the "server
    /// busy" error. Behind a reverse proxy every client has the proxy's address: raise it, or
    /// authenticate. HTTP requests whose peer address is unknown (a router served without
    /// connection info) are not capped per caller. Default: 256 (a quarter of
    /// [`Limits::max_concurrent_requests`]).
    pub max_concurrent_requests_per_caller: usize,
    /// How long a request that runs a handler may wait for its slots (the session's and the
    /// server's); then it is refused with the "server busy" error
    /// ([`protocol::codes::SERVER_BUSY`](crate::protocol::codes::SERVER_BUSY); over HTTP a 503
    /// with `Retry-After`), never left hanging. Default: 5 s.
    pub max_admission_wait: Duration,
    /// Server-wide, the bytes of requests waiting for a slot (each counted as its JSON size); a
    /// request that must wait and would exceed it is refused at once with the "server busy"
    /// error. Default: 32 MiB.
    pub max_queued_request_bytes: usize,
    /// Server-to-client requests (samples, elicitations) awaiting an answer on one session;
    /// beyond it, an ask fails at once. Default: 256.
    pub max_pending_client_requests: usize,
    /// The bytes of params (serialised JSON) of the server-to-client requests awaiting an answer
    /// on one session; an ask that would go beyond it fails at once, as one beyond
    /// [`Limits::max_pending_client_requests`] does (`Busy`). Default: 16 MiB.
    pub max_pending_client_request_bytes: usize,
    /// Resource subscriptions one session may hold, in bytes: each counts its URI's length plus
    /// 64 bytes. A `resources/subscribe` beyond it fails with a JSON-RPC error (as does one for a
    /// URI the server has no resource or template for). Default: 256 KiB (2,048 subscriptions
    /// to 64-byte URIs).
    pub max_subscription_bytes: usize,
    /// `subscriptions/listen` streams (2026-07-28) one caller may have open at once: the
    /// authenticated caller, else the peer's IP address (callers known by neither, as on stdio,
    /// count together). One more is refused with a JSON-RPC error. Default: 16.
    pub max_listen_streams_per_caller: usize,
    /// The bytes of the filters of one caller's open listen streams: each stream counts 64, each
    /// resource URI it names its length plus 64. A listen beyond it is refused with a JSON-RPC
    /// error. Default: 256 KiB.
    pub max_listen_bytes_per_caller: usize,
    /// Multi round-trip requests (2026-07-28): how many rounds of input one request may take
    /// before it fails. Default: 16.
    pub max_input_rounds: u32,
    /// Multi round-trip requests: once a handler waits on an unanswered ask, how long it may keep
    /// making other asks (or finish) before the round ends. Default: zero, meaning one
    /// scheduler turn (concurrent asks register in the same poll); raise it for handlers that
    /// do short I/O between asks.
    pub input_round_grace: Duration,
    /// Multi round-trip requests: how long a `requestState` stays valid. Default: 10 min.
    pub request_state_ttl: Duration,
    /// Multi round-trip requests: how long a handler suspended at the end of a round is kept in
    /// memory, so that a retry reaching this process resumes it instead of running it again.
    /// A retry after it (or on another replica) replays the handler from the `requestState`.
    /// Default: 10 s; zero keeps none.
    pub continuation_keep_alive: Duration,
    /// Multi round-trip requests: the most suspended handlers kept in memory at once (the oldest
    /// is dropped first, and its retry replayed). Default: 1024; zero keeps none.
    pub max_continuations: usize,
    /// Multi round-trip requests: the bytes of the suspended handlers kept in memory, estimated
    /// as the size of each handler's future plus its `requestState` (the oldest is dropped
    /// first). Default: 8 MiB.
    pub max_continuation_bytes: usize,
    /// Sampling with tools: the most rounds of tool use in one sample. Default: 8.
    pub max_tool_iterations: u32,
    /// Stateless era: the `ttlMs` of list results (cache scope `public`). Default: 60 s.
    pub list_ttl: Duration,
    /// Stateless era: the `ttlMs` of `resources/read` results (cache scope `private`). Default: 0.
    pub read_ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sample_timeout: Duration::from_secs(120),
            default_max_tokens: 512,
            max_message_bytes: 4 * 1024 * 1024,
            max_queued_output_bytes: 8 * 1024 * 1024,
            shutdown_grace: Duration::from_secs(5),
            max_concurrent_requests: 1024,
            max_concurrent_requests_per_session: 64,
            max_concurrent_requests_per_caller: 256,
            max_admission_wait: Duration::from_secs(5),
            max_queued_request_bytes: 32 * 1024 * 1024,
            max_pending_client_requests: 256,
            max_pending_client_request_bytes: 16 * 1024 * 1024,
            max_subscription_bytes: 256 * 1024,
            max_listen_streams_per_caller: 16,
            max_listen_bytes_per_caller: 256 * 1024,
            max_input_rounds: 16,
            input_round_grace: Duration::ZERO,
            request_state_ttl: Duration::from_secs(600),
            continuation_keep_alive: Duration::from_secs(10),
            max_continuations: 1024,
            max_continuation_bytes: 8 * 1024 * 1024,
            max_tool_iterations: 8,
            list_ttl: Duration::from_secs(60),
            read_ttl: Duration::ZERO,
        }
    }
}

impl Limits {
    /// Set [`Limits::sample_timeout`].
    pub fn sample_timeout(mut self, timeout: Duration) -> Self {
        self.sample_timeout = timeout;
        self
    }

    /// Set [`Limits::default_max_tokens`].
    pub fn default_max_tokens(mut self, max_tokens: u32) -> Self {
        self.default_max_tokens = max_tokens;
        self
    }

    /// Set [`Limits::max_message_bytes`].
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// Set [`Limits::max_queued_output_bytes`].
    pub fn max_queued_output_bytes(mut self, bytes: usize) -> Self {
        self.max_queued_output_bytes = bytes;
        self
    }

    /// Set [`Limits::max_concurrent_requests`].
    pub fn max_concurrent_requests(mut self, n: usize) -> Self {
        self.max_concurrent_requests = n.max(1);
        self
    }

    /// Set [`Limits::max_concurrent_requests_per_session`].
    pub fn max_concurrent_requests_per_session(mut self, n: usize) -> Self {
        self.max_concurrent_requests_per_session = n.max(1);
        self
    }

    /// Set [`Limits::max_concurrent_requests_per_caller`].
    pub fn max_concurrent_requests_per_caller(mut self, n: usize) -> Self {
        self.max_concurrent_requests_per_caller = n.max(1);
        self
    }

    /// Set [`Limits::max_admission_wait`].
    pub fn max_admission_wait(mut self, wait: Duration) -> Self {
        self.max_admission_wait = wait;
        self
    }

    /// Set [`Limits::max_queued_request_bytes`].
    pub fn max_queued_request_bytes(mut self, bytes: usize) -> Self {
        self.max_queued_request_bytes = bytes;
        self
    }

    /// Set [`Limits::max_pending_client_requests`].
    pub fn max_pending_client_requests(mut self, n: usize) -> Self {
        self.max_pending_client_requests = n.max(1);
        self
    }

    /// Set [`Limits::max_pending_client_request_bytes`].
    pub fn max_pending_client_request_bytes(mut self, bytes: usize) -> Self {
        self.max_pending_client_request_bytes = bytes;
        self
    }

    /// Set [`Limits::max_subscription_bytes`].
    pub fn max_subscription_bytes(mut self, bytes: usize) -> Self {
        self.max_subscription_bytes = bytes;
        self
    }

    /// Set [`Limits::max_listen_streams_per_caller`].
    pub fn max_listen_streams_per_caller(mut self, n: usize) -> Self {
        self.max_listen_streams_per_caller = n;
        self
    }

    /// Set [`Limits::max_listen_bytes_per_caller`].
    pub fn max_listen_bytes_per_caller(mut self, bytes: usize) -> Self {
        self.max_listen_bytes_per_caller = bytes;
        self
    }

    /// Set [`Limits::max_input_rounds`].
    pub fn max_input_rounds(mut self, rounds: u32) -> Self {
        self.max_input_rounds = rounds;
        self
    }

    /// Set [`Limits::input_round_grace`].
    pub fn input_round_grace(mut self, grace: Duration) -> Self {
        self.input_round_grace = grace;
        self
    }

    /// Set [`Limits::request_state_ttl`].
    pub fn request_state_ttl(mut self, ttl: Duration) -> Self {
        self.request_state_ttl = ttl;
        self
    }

    /// Set [`Limits::continuation_keep_alive`] (zero: never resume in memory, always replay).
    pub fn continuation_keep_alive(mut self, keep_alive: Duration) -> Self {
        self.continuation_keep_alive = keep_alive;
        self
    }

    /// Set [`Limits::max_continuations`].
    pub fn max_continuations(mut self, n: usize) -> Self {
        self.max_continuations = n;
        self
    }

    /// Set [`Limits::max_continuation_bytes`].
    pub fn max_continuation_bytes(mut self, bytes: usize) -> Self {
        self.max_continuation_bytes = bytes;
        self
    }

    /// Set [`Limits::shutdown_grace`].
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }
}
