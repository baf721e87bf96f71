//! Serving streamable HTTP: every HTTP entry point of [`Server`] in one place, wiring the HTTP
//! transport to the dispatcher.

use std::sync::Arc;

use super::dispatch::Dispatcher;
use super::Server;
use crate::transport;
use crate::Error;

#[cfg_attr(docsrs, doc(cfg(feature = "http-server")))]
impl Server {
    /// The streamable HTTP endpoint as an axum [`Router`](axum::Router), to serve yourself or
    /// nest into an existing application (`app.merge(router)`). Served with
    /// `into_make_service_with_connect_info::<SocketAddr>()`, requests know their peer's address.
    ///
    /// `config`'s connection settings (header, body and keep-alive idle timeouts,
    /// `max_connections`, `max_connections_per_peer`) belong to the accept loop, not the router:
    /// they do not apply when the router is served some other way (e.g. `axum::serve`). To keep
    /// them, serve the router (or the application it is merged into) with
    /// [`HttpConfig::serve_router`](crate::HttpConfig::serve_router).
    pub fn into_http_router(self, config: crate::HttpConfig) -> Result<axum::Router, Error> {
        let core = self.build()?;
        if let Some(fan_out) = &config.fan_out {
            super::fan_out_relay::start(&core.shared, Arc::clone(&fan_out.0));
        }
        let dispatcher = Arc::new(Dispatcher(core));
        Ok(transport::http::router(dispatcher, config))
    }

    /// Serve streamable HTTP at `addr` (e.g. `127.0.0.1:8080`), endpoint `/mcp`, with the default
    /// [`HttpConfig`](crate::HttpConfig) (loopback `Host`/`Origin` only), until the process ends.
    pub async fn serve_http(self, addr: impl tokio::net::ToSocketAddrs) -> Result<(), Error> {
        self.serve_http_with(addr, crate::HttpConfig::default())
            .await
    }

    /// Serve streamable HTTP at `addr` with `config`.
    pub async fn serve_http_with(
        self,
        addr: impl tokio::net::ToSocketAddrs,
        config: crate::HttpConfig,
    ) -> Result<(), Error> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve_http_listener(listener, config).await
    }

    /// Serve streamable HTTP on an already bound `listener` with `config` (e.g. port 0 in tests,
    /// or a socket handed over by a service manager). Runs until the future is dropped, which
    /// closes the listener and every connection.
    pub async fn serve_http_listener(
        self,
        listener: tokio::net::TcpListener,
        config: crate::HttpConfig,
    ) -> Result<(), Error> {
        let router = self.into_http_router(config.clone())?;
        tracing::info!(addr = %listener.local_addr()?, "serving MCP over streamable HTTP");
        config.serve_router(listener, router).await;
        Ok(())
    }

    /// Serve streamable HTTP at `addr` with `config` until `signal` resolves, then shut down
    /// gracefully and return: new connections are refused, requests in flight are answered
    /// (within [`HttpConfig::shutdown_grace`](crate::HttpConfig::shutdown_grace), default 10 s;
    /// then their connections are closed), GET SSE streams end with a `retry` hint so clients
    /// reconnect elsewhere, and the health endpoint
    /// ([`HttpConfig::health_path`](crate::HttpConfig::health_path)) answers `503`. For rolling
    /// deploys behind a load balancer, with [`shutdown_signal`](crate::shutdown_signal)
    /// (SIGTERM or ctrl-c) or any future of yours.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), toolsmith::Error> {
    /// use toolsmith::{HttpConfig, Server};
    ///
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let serving = tokio::spawn(Server::new("replica", "1.0.0").serve_http_with_shutdown(
    ///     "127.0.0.1:8080",
    ///     HttpConfig::default(),
    ///     async move {
    ///         let _ = stopped.await;
    ///     },
    /// ));
    /// // ... later: stop, and wait for the requests in flight.
    /// let _ = stop.send(());
    /// serving.await.expect("serving panicked")?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve_http_with_shutdown(
        self,
        addr: impl tokio::net::ToSocketAddrs,
        config: crate::HttpConfig,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve_http_listener_with_shutdown(listener, config, signal)
            .await
    }

    /// [`Server::serve_http_with_shutdown`] on an already bound `listener`.
    pub async fn serve_http_listener_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        config: crate::HttpConfig,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let router = self.into_http_router(config.clone())?;
        tracing::info!(addr = %listener.local_addr()?, "serving MCP over streamable HTTP");
        config
            .serve_router_with_shutdown(listener, router, signal)
            .await;
        tracing::info!("shut down");
        Ok(())
    }
}
