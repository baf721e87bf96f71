//! OAuth 2.1 login for the client's HTTP transport (feature `auth` with `http-client`), as the
//! MCP authorization specification asks of clients:
//!
//! - **Discovery:** a `401` names the protected resource metadata (RFC 9728) in its
//!   `WWW-Authenticate` header, else it is looked for at the well-known locations (path-suffixed,
//!   then root). Its `resource` must be the server the client talks to; its authorization server's
//!   metadata comes from the RFC 8414 and OpenID discovery locations the spec lists, and its
//!   `issuer` must be the one the document was looked up for. A server without either (the
//!   2025-03-26 revision) has its authorization server at its own origin.
//! - **Registration:** credentials given for the authorization server, else a Client ID Metadata
//!   Document URL when the server supports them, else Dynamic Client Registration (RFC 7591).
//!   Credentials are kept per authorization server and never shown to another one.
//! - **Authorization code with PKCE (S256)**, `state`, the `resource` parameter (RFC 8707) and
//!   the `iss` response parameter (RFC 9207, compared as an exact string). The user-facing step
//!   (show the authorization URL, receive the redirect) is the application's
//!   [`OAuthConfig::new`] callback.
//! - **Scopes:** the challenge's `scope`, else the resource's `scopes_supported`, else none;
//!   `offline_access` when the authorization server lists it; on `403 insufficient_scope` the
//!   client asks again for the union of what it asked before and what the server wants.
//! - **Tokens:** sent as `Authorization: Bearer` to the MCP endpoint only, refreshed with the
//!   refresh token when one was issued, kept in a [`TokenStore`] (in memory by default). They
//!   are never logged (their `Debug` output is redacted). A store that also keeps dynamic
//!   registrations ([`TokenStore::save_client`]) lets a later process refresh, and log in, as
//!   the same client.
//! - **Client credentials** (the `io.modelcontextprotocol/oauth-client-credentials` extension):
//!   [`OAuthConfig::client_credentials`] (a secret) or [`OAuthConfig::client_credentials_jwt`]
//!   (`private_key_jwt`, RFC 7523), for machine clients without a user.
//!
//! Every request that gets `401` or `403 insufficient_scope` is sent again once the client
//! holds a new token; a request authorizes at most [`MAX_AUTHORIZATIONS`] times.

mod assertion;
mod challenge;
mod config;
mod discovery;
mod fetch;
mod flow;
mod pkce;
mod registration;
mod store;
mod token;

pub use config::{AuthorizeFuture, ClientSecret, OAuthConfig, TokenAuthMethod};
pub(crate) use flow::OAuth;
pub use store::{ClientRegistration, MemoryTokenStore, TokenStore, Tokens};

/// The most authorizations one request goes through (a `401`, then step-ups on
/// `403 insufficient_scope`) before it fails: a server that never accepts the token does not
/// keep the client in a loop.
pub const MAX_AUTHORIZATIONS: u32 = 3;
