use std::time::Duration;

use super::security::Guard;

/// Settings of the streamable HTTP transport. Every field has a documented default.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub(crate) path: String,
    pub(crate) guard: Guard,
    pub(crate) session_idle_timeout: Duration,
    pub(crate) sse_retry: Duration,
    pub(crate) max_replay_events: usize,
    pub(crate) max_sessions: usize,
    pub(crate) bearer: Option<super::BearerAuth>,
}

impl Default for HttpConfig {
    /// Path `/mcp`; `Host`/`Origin` restricted to loopback names; sessions expire after 30
    /// minutes idle; SSE `retry` 1 s; 1,024 events kept per stream for resumption; at most 10,000
    /// sessions.
    fn default() -> Self {
        HttpConfig {
            path: "/mcp".to_owned(),
            guard: Guard::loopback(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            sse_retry: Duration::from_secs(1),
            max_replay_events: 1024,
            max_sessions: 10_000,
            bearer: None,
        }
    }
}

impl HttpConfig {
    /// The endpoint's path (default `/mcp`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Allow these host names in `Host` (no port; e.g. `"mcp.example.com"`), replacing the
    /// loopback defaults.
    pub fn allowed_hosts<S: Into<String>>(mut self, hosts: impl IntoIterator<Item = S>) -> Self {
        self.guard.hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Allow these origins (`scheme://host`, any port), replacing the loopback defaults.
    pub fn allowed_origins<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.guard.origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Turn `Host`/`Origin` validation off (only behind a proxy that does it).
    pub fn disable_host_checks(mut self) -> Self {
        self.guard = Guard::default();
        self
    }

    /// How long a session may stay idle before it is ended (default 30 min).
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.session_idle_timeout = timeout;
        self
    }

    /// The `retry` advice sent on SSE streams (default 1 s).
    pub fn sse_retry(mut self, retry: Duration) -> Self {
        self.sse_retry = retry;
        self
    }

    /// How many events each stream keeps for resumption (default 1,024).
    pub fn max_replay_events(mut self, events: usize) -> Self {
        self.max_replay_events = events.max(1);
        self
    }

    /// Require `Authorization: Bearer <token>` (compared in constant time; `401` otherwise).
    pub fn bearer_token(mut self, token: impl AsRef<[u8]>) -> Self {
        self.bearer = Some(super::BearerAuth::new(token));
        self
    }

    /// The most sessions at once; `initialize` beyond it gets 503 (default 10,000).
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        self.max_sessions = sessions.max(1);
        self
    }
}
