//! Serving streamable HTTP: every HTTP entry point of [`Server`] in one place, wiring the HTTP
//! transport to the dispatcher.

use std::net::SocketAddr;
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
    pub fn into_http_router(self, config: crate::HttpConfig) -> Result<axum::Router, Error> {
        let dispatcher = Arc::new(Dispatcher(self.build()?));
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
        let router = self.into_http_router(config)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!(addr = %listener.local_addr()?, "serving MCP over streamable HTTP");
        // Small request/response frames: don't let Nagle hold them back.
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await?;
        Ok(())
    }
}
