//! Connecting over streamable HTTP: the extra headers and [`ClientBuilder::connect_http`].

use std::sync::Arc;

use tokio::sync::Mutex;

use super::ClientBuilder;
use crate::client::connection::Connection;
use crate::client::error::ClientError;
use crate::client::http::{self, HttpOptions, HttpTransport};
use crate::client::{Client, Link};

#[cfg_attr(docsrs, doc(cfg(feature = "http-client")))]
impl ClientBuilder {
    /// Send this header with every HTTP message (for example `Authorization`). Ignored off
    /// HTTP; an invalid name or value fails [`connect_http`](ClientBuilder::connect_http).
    pub fn http_header(mut self, name: &str, value: &str) -> Self {
        match http::header(name, value) {
            Ok((n, v)) => {
                self.http_headers.append(n, v);
            }
            Err(e) => self.invalid = Some(e),
        }
        self
    }

    /// Log in to the server with OAuth 2.1 when it asks (`401`, or `403` with
    /// `insufficient_scope`): discovery, registration, the authorization code flow with PKCE
    /// (the user-facing step is `config`'s callback) or client credentials, refresh. The token
    /// goes to the server's URL only; see [`auth`](crate::client::auth). Ignored off HTTP.
    #[cfg(feature = "auth")]
    pub fn oauth(mut self, config: crate::client::auth::OAuthConfig) -> Self {
        self.oauth = Some(config);
        self
    }

    /// Talk to a server over streamable HTTP at `url` (for example
    /// `http://127.0.0.1:8080/mcp`; HTTPS needs this crate's `tls` feature).
    ///
    /// Every message is a POST; answers come as JSON or as an SSE stream whose notifications
    /// and server requests reach the same handlers as over stdio, and a stream that breaks
    /// before its response is resumed (`Last-Event-ID`). In the handshake era the session id of
    /// the `initialize` response and the protocol version go on every later message, a GET
    /// stream is opened for messages not tied to a request, and [`Client::close`] ends the
    /// session with `DELETE`. In protocol 2026-07-28 each request carries the
    /// `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers instead.
    pub async fn connect_http(mut self, url: &str) -> Result<Client, ClientError> {
        if let Some(e) = self.invalid.take() {
            return Err(e);
        }
        let transport = HttpTransport::new(
            url,
            HttpOptions {
                headers: std::mem::take(&mut self.http_headers),
                max_message_bytes: self.max_message_bytes,
                message_timeout: self.request_timeout,
                close_timeout: self.close_timeout,
                #[cfg(feature = "auth")]
                auth: match self.oauth.take() {
                    Some(config) => Some(
                        crate::client::auth::OAuth::new(config, url)
                            .map_err(ClientError::InvalidArgument)?,
                    ),
                    None => None,
                },
            },
        )?;
        let limits = self.limits;
        let (settings, handlers) = self.split();
        let (connection, outbox) = Connection::new(handlers, limits);
        let io = tokio::spawn(http::serve(
            Arc::clone(&transport),
            Arc::clone(&connection),
            outbox,
        ));
        let link = Link {
            connection,
            io: Mutex::new(Some(io)),
            child: Mutex::new(None),
            http: Some(transport),
            request_timeout: settings.request_timeout,
            close_timeout: settings.close_timeout,
        };
        settings.establish(link).await
    }
}
