use std::sync::Arc;
use std::time::Duration;

use super::event_store::EventStore;
use super::fan_out::FanOut;
use super::security::Guard;
use super::session_store::SessionStore;

/// Settings of the streamable HTTP transport. Every field has a documented default.
///
/// ```no_run
/// use std::time::Duration;
///
/// use toolsmith::{HttpConfig, Server};
///
/// # async fn run() -> Result<(), toolsmith::Error> {
/// // Behind a reverse proxy that serves `mcp.example.com`, with a shared token.
/// let config = HttpConfig::default()
///     .allowed_hosts(["mcp.example.com"])
///     .allowed_origins(["https://app.example.com"])
///     .session_idle_timeout(Duration::from_secs(10 * 60))
///     .bearer_token("s3cret");
/// Server::new("remote", "1.0.0").serve_http_with("0.0.0.0:8080", config).await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub(crate) path: String,
    pub(crate) guard: Guard,
    pub(crate) session_idle_timeout: Duration,
    pub(crate) sse_retry: Duration,
    pub(crate) max_replay_events: usize,
    pub(crate) max_sessions: usize,
    pub(crate) bearer: Option<super::BearerAuth>,
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) keep_alive_idle_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_connections_per_peer: usize,
    pub(crate) new_session_idle_timeout: Duration,
    pub(crate) max_sessions_per_caller: usize,
    pub(crate) max_stream_lifetime: Duration,
    pub(crate) max_replay_bytes_per_session: usize,
    pub(crate) max_replay_bytes: usize,
    pub(crate) oauth: Option<super::ResourceServer>,
    pub(crate) shutdown_grace: Duration,
    pub(crate) shutdown_delay: Duration,
    pub(crate) health_path: Option<String>,
    pub(crate) session_store: Option<StoreHandle>,
    pub(crate) fan_out: Option<FanOutHandle>,
    pub(crate) event_store: Option<EventStoreHandle>,
}

/// The configured [`EventStore`], debug-printable.
#[derive(Clone)]
pub(crate) struct EventStoreHandle(pub Arc<dyn EventStore>);

impl std::fmt::Debug for EventStoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventStore")
    }
}

/// The configured [`FanOut`], debug-printable.
#[derive(Clone)]
pub(crate) struct FanOutHandle(pub Arc<dyn FanOut>);

impl std::fmt::Debug for FanOutHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FanOut")
    }
}

/// The configured [`SessionStore`], debug-printable.
#[derive(Clone)]
pub(crate) struct StoreHandle(pub Arc<dyn SessionStore>);

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionStore")
    }
}

impl Default for HttpConfig {
    /// Path `/mcp`; `Host` and `Origin` (when sent) restricted to loopback names, each turned off
    /// on its own ([`HttpConfig::disable_host_checks`], [`HttpConfig::disable_origin_checks`]); sessions expire after 30
    /// minutes idle; SSE `retry` 1 s; 1,024 events kept per stream for resumption; at most 10,000
    /// sessions. Connections (when served by [`Server::serve_http`](crate::Server::serve_http) and
    /// its siblings, or [`HttpConfig::serve_router`]): request heads within 10 s, request bodies
    /// within 30 s, idle keep-alive connections closed after 60 s, a
    /// peer that reads nothing of a response for 60 s disconnected, at most 10,000 connections in
    /// all and 256 from one IP address. Floods: a session that did nothing after `initialize` expires after 60 s idle; at
    /// most 256 sessions per caller; a GET stream is closed after 5 min (the client reconnects);
    /// replay buffers hold at most 4 MiB per session and 256 MiB in all. Health: `GET /healthz`;
    /// graceful shutdown closes the listener at once and gives requests in flight 10 s.
    fn default() -> Self {
        HttpConfig {
            path: "/mcp".to_owned(),
            guard: Guard::loopback(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            sse_retry: Duration::from_secs(1),
            max_replay_events: 1024,
            max_sessions: 10_000,
            bearer: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            keep_alive_idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            max_connections_per_peer: 256,
            new_session_idle_timeout: Duration::from_secs(60),
            max_sessions_per_caller: 256,
            max_stream_lifetime: Duration::from_secs(5 * 60),
            max_replay_bytes_per_session: 4 * 1024 * 1024,
            max_replay_bytes: 256 * 1024 * 1024,
            oauth: None,
            shutdown_grace: Duration::from_secs(10),
            shutdown_delay: Duration::ZERO,
            health_path: Some("/healthz".to_owned()),
            session_store: None,
            fan_out: None,
            event_store: None,
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

    /// How long a session may stay idle before it is ended (default 30 min). Idle means no POST
    /// (request, notification or response) for the session: an open GET stream does not keep a
    /// session alive, so a client that only listens on GET sends a `ping` now and then. A request
    /// still running keeps its session alive.
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.session_idle_timeout = timeout;
        self
    }

    /// The `retry` advice sent on SSE streams (default 1 s).
    pub fn sse_retry(mut self, retry: Duration) -> Self {
        self.sse_retry = retry;
        self
    }

    /// How many events each stream keeps for resumption (default 1,024), within the byte bounds
    /// of [`HttpConfig::max_replay_bytes_per_session`] and [`HttpConfig::max_replay_bytes`];
    /// past it the stream's oldest event is dropped.
    pub fn max_replay_events(mut self, events: usize) -> Self {
        self.max_replay_events = events.max(1);
        self
    }

    /// How long a session that did nothing after `initialize` may stay idle before it is ended
    /// (default 60 s; `session_idle_timeout` applies instead when shorter). "Nothing" means no
    /// request other than `initialize`, no response, and no notification other than the first
    /// (`notifications/initialized`); an open GET stream is not activity. Sessions opened and
    /// abandoned in bulk so go within a minute instead of 30.
    pub fn new_session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.new_session_idle_timeout = timeout;
        self
    }

    /// The most sessions one caller may hold at once (default 256): the authenticated caller
    /// when an authentication layer sets one, else the peer's IP address (known when the router
    /// is served with `into_make_service_with_connect_info::<SocketAddr>()`, as
    /// [`Server::serve_http`](crate::Server::serve_http) does; without it only
    /// [`HttpConfig::max_sessions`] applies). An `initialize` beyond it gets 503 with
    /// `Retry-After` and the "server busy" error
    /// ([`SERVER_BUSY`](crate::protocol::codes::SERVER_BUSY), `data.retryAfter`) to its id.
    pub fn max_sessions_per_caller(mut self, sessions: usize) -> Self {
        self.max_sessions_per_caller = sessions.max(1);
        self
    }

    /// How long one GET SSE stream stays open (default 5 min). Then the server ends it; the
    /// stream's priming event carried the `retry` advice ([`HttpConfig::sse_retry`]), and a client
    /// that reconnects (a plain GET, or with `Last-Event-ID`) continues where it left off, as long
    /// as the session lives. Streams answering a POST end with their request instead.
    pub fn max_stream_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_stream_lifetime = lifetime;
        self
    }

    /// The bytes one session's SSE replay buffers may hold, all its streams together (default
    /// 4 MiB; each event counts its message plus 64 bytes). Past it the session's oldest events
    /// are dropped, never a stream's newest; resuming from before a dropped event gets 404.
    pub fn max_replay_bytes_per_session(mut self, bytes: usize) -> Self {
        self.max_replay_bytes_per_session = bytes;
        self
    }

    /// The bytes all sessions' SSE replay buffers may hold together (default 256 MiB). Past it
    /// the oldest events of the session holding the most are dropped first.
    pub fn max_replay_bytes(mut self, bytes: usize) -> Self {
        self.max_replay_bytes = bytes;
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

    /// The most sessions at once; `initialize` beyond it gets 503 with `Retry-After` and the
    /// "server busy" error, as beyond [`HttpConfig::max_sessions_per_caller`] (default 10,000).
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        self.max_sessions = sessions.max(1);
        self
    }

    /// How long a request head (request line and headers) may take to arrive in full; a
    /// connection that has not delivered one by then is closed (default 10 s). It runs from the
    /// connection's start for its first request, and from the first byte of each later request
    /// (the wait before that byte is [`HttpConfig::keep_alive_idle_timeout`]). `Duration::MAX`
    /// turns it off, as it does each timeout below.
    ///
    /// This and the other connection settings below apply where toolsmith runs the accept loop
    /// ([`Server::serve_http`](crate::Server::serve_http) and its siblings,
    /// [`HttpConfig::serve_router`]), not to a router served some other way.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive in full, counted from its complete head
    /// (default 30 s). On expiry the request is answered `400` with a JSON-RPC error saying so,
    /// and the connection is closed.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may stay idle (no request in flight, no byte of a new
    /// one) before it is closed (default 60 s). A request is in flight until its response has
    /// ended, so a connection carrying an open SSE stream is never idle.
    pub fn keep_alive_idle_timeout(mut self, timeout: Duration) -> Self {
        self.keep_alive_idle_timeout = timeout;
        self
    }

    /// How long a response may be unable to send a single byte to the client before the
    /// connection is closed (default 60 s, nginx's `send_timeout`). A client that stops reading
    /// (a large response, an SSE stream) otherwise holds its connection, its handler's output and
    /// the server's buffers for as long as it likes; a client that reads, however slowly, is not
    /// affected: the clock restarts with every write that goes through.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long a graceful shutdown waits for requests in flight, once the listener is closed,
    /// before closing their connections (default 10 s). Shutdown starts when the signal given to
    /// [`Server::serve_http_with_shutdown`](crate::Server::serve_http_with_shutdown) (or
    /// [`HttpConfig::serve_router_with_shutdown`]) resolves. Keep it below the time your
    /// process manager waits between SIGTERM and SIGKILL (Kubernetes: 30 s, systemd: 90 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long the server keeps accepting connections after the shutdown signal, its health
    /// endpoint answering `503` (default none: the listener closes at once). For balancers that
    /// route by active health checks (a Kubernetes readiness probe, HAProxy, nginx Plus), set it
    /// to a little more than their check interval times the failures they need, so they stop
    /// sending before connections are refused. Balancers with passive checks (open-source
    /// nginx: a refused connection is tried on the next replica) need none.
    pub fn shutdown_delay(mut self, delay: Duration) -> Self {
        self.shutdown_delay = delay;
        self
    }

    /// The path of the health (readiness) endpoint for load balancers and orchestrators (default
    /// `/healthz`): `GET` answers `200` with `ok` while the server takes requests, and `503`
    /// with `draining` from the shutdown signal on, so a balancer stops sending it new requests
    /// (see [`HttpConfig::shutdown_delay`]). It needs no authentication, checks no `Host` or `Origin`, and says nothing
    /// else about the server. It is part of the router from
    /// [`Server::into_http_router`](crate::Server::into_http_router) too (answering `200`
    /// always when not served by toolsmith's accept loop, which alone knows of shutdown).
    pub fn health_path(mut self, path: impl Into<String>) -> Self {
        self.health_path = Some(path.into());
        self
    }

    /// Keep handshake-era (2025-11-25) sessions in `store` too, so that every replica sharing
    /// it serves them: a replica that gets a request for a session it does not hold revives it
    /// from the store (owned by the same caller) without a new `initialize`. Default: none, each
    /// server holds its sessions alone. Records expire after the session idle timeouts (plus a
    /// quarter, as activity refreshes them at most every quarter timeout); `DELETE` removes them
    /// everywhere. A live request to the client stays with the replica that serves the request;
    /// SSE event logs and `Last-Event-ID` resumption too, unless an
    /// [`event_store`](HttpConfig::event_store) is set.
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.session_store = Some(StoreHandle(store));
        self
    }

    /// Fan the changes raised on this replica (list changes, resource updates) out to every
    /// replica sharing `fan_out`, and deliver theirs to the sessions held here (see [`FanOut`]).
    /// Default: none, changes reach this server's own sessions only.
    pub fn fan_out(mut self, fan_out: Arc<dyn FanOut>) -> Self {
        self.fan_out = Some(FanOutHandle(fan_out));
        self
    }

    /// Write the events of the SSE streams that answer POSTs to `store` too, so that a client
    /// whose stream broke on one replica resumes it (`Last-Event-ID`) on any replica sharing
    /// the store (see [`EventStore`]), within the replay limits
    /// ([`HttpConfig::max_replay_events`], [`HttpConfig::max_replay_bytes_per_session`]) and
    /// for the session idle timeout. Default: none, streams resume on their own replica only.
    pub fn event_store(mut self, store: Arc<dyn EventStore>) -> Self {
        self.event_store = Some(EventStoreHandle(store));
        self
    }

    /// No health endpoint (for example when the application the router is merged into has its
    /// own).
    pub fn no_health_path(mut self) -> Self {
        self.health_path = None;
        self
    }

    /// The most connections open at once (default 10,000). A connection beyond it is closed as
    /// soon as it is accepted (logged at debug level), never queued.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// The most connections open at once from one IP address (default 256); beyond it a new
    /// connection from that address is closed as soon as it is accepted. Behind a reverse proxy
    /// every connection comes from the proxy's address: raise this to about
    /// [`HttpConfig::max_connections`] (`usize::MAX` turns the per-address cap off) and cap
    /// clients at the proxy.
    pub fn max_connections_per_peer(mut self, connections: usize) -> Self {
        self.max_connections_per_peer = connections.max(1);
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
