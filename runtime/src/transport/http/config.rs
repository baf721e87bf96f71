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
    pub(crate) oauth: Option<super::ResourceServer>,
}

impl Default for HttpConfig {
    /// Path `/mcp`; `Host` and `Origin` (when sent) restricted to loopback names, each turned off
    /// on its own ([`HttpConfig::disable_host_checks`], [`HttpConfig::disable_origin_checks`]); sessions expire after 30
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
            oauth: None,
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

    /// Turn `Host` validation off (only behind a proxy that does it). `Origin` is still checked:
    /// turning that off too takes [`HttpConfig::disable_origin_checks`].
    pub fn disable_host_checks(mut self) -> Self {
        self.guard.hosts = None;
        self
    }

    /// Turn `Origin` validation off (only for a server that browsers must reach from any page, or
    /// behind a proxy that does it). Requests without an `Origin` header (non-browser clients)
    /// are never refused for it. `Host` is still checked, unless
    /// [`HttpConfig::disable_host_checks`] turns that off.
    pub fn disable_origin_checks(mut self) -> Self {
        self.guard.origins = None;
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
    /// The caller is `bearer`, with no scopes (see [`StaticToken`](crate::auth::StaticToken)).
    /// Default: no authentication.
    pub fn bearer_token(mut self, token: impl AsRef<[u8]>) -> Self {
        self.bearer = Some(super::BearerAuth::new(token));
        self
    }

    /// Protect the endpoint as an OAuth 2.1 resource server: tokens checked by the
    /// [`ResourceServer`](super::ResourceServer)'s verifier, its Protected Resource Metadata
    /// served at the well-known locations, `401`/`403` challenges. Default: no authentication.
    /// Takes the place of [`HttpConfig::bearer_token`] when both are given.
    pub fn oauth(mut self, resource_server: super::ResourceServer) -> Self {
        self.oauth = Some(resource_server);
        self
    }

    /// The most sessions at once; `initialize` beyond it gets 503 (default 10,000).
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        self.max_sessions = sessions.max(1);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::http::security::Refusal;
    use http::HeaderMap;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            h.insert(http::header::ORIGIN, origin.parse().unwrap());
        }
        h
    }

    #[test]
    fn host_and_origin_checks_are_turned_off_separately() {
        let evil = Some("https://evil.example");
        let no_host = HttpConfig::default().disable_host_checks();
        assert_eq!(
            no_host.guard.check(&headers("proxy.internal", None)),
            Ok(())
        );
        assert_eq!(
            no_host.guard.check(&headers("proxy.internal", evil)),
            Err(Refusal::Origin("https://evil.example".into()))
        );
        assert_eq!(
            no_host
                .guard
                .check(&headers("proxy.internal", Some("http://localhost:3000"))),
            Ok(())
        );

        let no_origin = HttpConfig::default().disable_origin_checks();
        assert_eq!(no_origin.guard.check(&headers("localhost", evil)), Ok(()));
        assert_eq!(
            no_origin.guard.check(&headers("evil.example", None)),
            Err(Refusal::Host("evil.example".into()))
        );

        let neither = HttpConfig::default()
            .disable_host_checks()
            .disable_origin_checks();
        assert_eq!(neither.guard.check(&headers("evil.example", evil)), Ok(()));
    }
}
