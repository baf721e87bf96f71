//! Who is calling: the authenticated caller of a request ([`AuthInfo`], read by handlers with
//! [`Context::auth`](crate::Context::auth)) and, on HTTP, the OAuth 2.1 resource server's token
//! verifiers ([`TokenVerifier`]): a static token ([`StaticToken`], always), and with the `auth`
//! feature JWT access tokens checked against the issuer's keys ([`JwtVerifier`]) and token
//! introspection ([`IntrospectionVerifier`], RFC 7662).
//!
//! The HTTP side (Protected Resource Metadata, the `401`/`403` challenges) is
//! [`ResourceServer`](crate::ResourceServer), given to
//! [`HttpConfig::oauth`](crate::HttpConfig::oauth).
//!
//! # Scopes of handlers
//!
//! `#[tool(scopes = ["files:read"])]` (and the same on `#[resource]` and `#[prompt]`) names the
//! scopes a caller's token must carry to call the handler; they are checked before the handler
//! runs. On HTTP a call lacking one is answered `403` with
//! `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (step-up). Requests without an
//! authenticated caller (stdio, an HTTP server without authentication) have no token to check:
//! scopes do not restrict them. `tools/list` (and the other listings) list every handler, whatever
//! the caller's scopes: a client learns what it could call after stepping up, and the listing
//! stays the same for everyone (it is cached once per change).

use std::fmt;

use serde_json::{Map, Value};

#[cfg(feature = "http-server")]
mod verifier;
/// The future a [`TokenVerifier`] returns.
#[cfg(feature = "http-server")]
pub use futures::future::BoxFuture;
#[cfg(feature = "http-server")]
pub use verifier::{StaticToken, TokenVerifier, VerifyError};

#[cfg(all(feature = "auth", feature = "http-server"))]
mod fetch;
#[cfg(all(feature = "auth", feature = "http-server"))]
mod introspection;
#[cfg(all(feature = "auth", feature = "http-server"))]
mod jwks;
#[cfg(all(feature = "auth", feature = "http-server"))]
mod jwt;
#[cfg(all(feature = "auth", feature = "http-server"))]
mod metadata;
#[cfg(all(feature = "auth", feature = "http-server"))]
pub use introspection::IntrospectionVerifier;
#[cfg(all(feature = "auth", feature = "http-server"))]
pub use jwt::JwtVerifier;

/// The JSON-RPC error code of a call refused because the caller's token lacks a scope the
/// handler requires (`data: {"requiredScopes": [..]}`). On HTTP the transport answers such a call
/// with `403 insufficient_scope` instead.
pub const INSUFFICIENT_SCOPE: i64 = -32003;

/// The authenticated caller of a request, as a [`TokenVerifier`] established it.
///
/// Never holds the token itself, so it can be logged.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthInfo {
    /// The caller: the token's subject (`sub`), else its client (`client_id`). Per-caller state
    /// (the `requestState` binding, per-caller limits) is keyed on it.
    pub subject: String,
    /// The scopes the token grants.
    pub scopes: Vec<String>,
    /// The OAuth client the token was issued to, when known.
    pub client_id: Option<String>,
    /// When the token expires, in seconds since the Unix epoch, when known.
    pub expires_at: Option<u64>,
    /// Every claim of the token (JWT) or field of the introspection answer.
    pub claims: Map<String, Value>,
    /// The credential is shared by several parties (a fixed bearer token, [`StaticToken`]): the
    /// per-caller limits (sessions, concurrent requests, listen streams) then count its requests
    /// by peer address, not by subject, so one holder cannot use up what is meant for all of
    /// them. Scopes, `ctx.auth()` and the `requestState` binding still use the subject.
    pub shared: bool,
}

impl AuthInfo {
    /// A caller named `subject`, with no scopes, client, expiry or claims.
    pub fn new(subject: impl Into<String>) -> Self {
        AuthInfo {
            subject: subject.into(),
            scopes: Vec::new(),
            client_id: None,
            expires_at: None,
            claims: Map::new(),
            shared: false,
        }
    }

    /// Marked as a credential shared by several parties (see [`AuthInfo::shared`]).
    pub fn shared_credential(mut self) -> Self {
        self.shared = true;
        self
    }

    /// With these scopes.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// With this client id.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// With these claims.
    pub fn with_claims(mut self, claims: Map<String, Value>) -> Self {
        self.claims = claims;
        self
    }

    /// True when the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The scopes of `required` this caller lacks (empty when it has them all).
    pub fn missing_scopes<'a>(&self, required: &'a [String]) -> Vec<&'a str> {
        required
            .iter()
            .filter(|r| !self.has_scope(r))
            .map(String::as_str)
            .collect()
    }
}

impl fmt::Debug for AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The claims may be large; their names are enough to tell what is there.
        f.debug_struct("AuthInfo")
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .field("claims", &self.claims.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(all(feature = "auth", feature = "http-server"))]
/// The scopes of a `scope` claim (space-separated, RFC 6749 §3.3) or an `scp` array.
pub(crate) fn scopes_of(claims: &Map<String, Value>) -> Vec<String> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => s.split_ascii_whitespace().map(str::to_owned).collect(),
        (_, Some(Value::Array(items))) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        (_, Some(Value::String(s))) => s.split_ascii_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

#[cfg(all(feature = "auth", feature = "http-server"))]
/// An [`AuthInfo`] from a token's claims: subject from `sub`, else `client_id`, else `azp`.
/// `None` when none of them is there.
pub(crate) fn info_from_claims(claims: Map<String, Value>) -> Option<AuthInfo> {
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let client_id = text("client_id").or_else(|| text("azp"));
    let subject = text("sub").or_else(|| client_id.clone())?;
    Some(AuthInfo {
        subject,
        scopes: scopes_of(&claims),
        client_id,
        expires_at: claims.get("exp").and_then(Value::as_u64),
        claims,
        shared: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(feature = "auth", feature = "http-server"))]
    use serde_json::json;

    #[cfg(all(feature = "auth", feature = "http-server"))]
    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[cfg(all(feature = "auth", feature = "http-server"))]
    #[test]
    fn scopes_come_from_scope_or_scp() {
        assert_eq!(scopes_of(&map(json!({"scope": "a  b"}))), ["a", "b"]);
        assert_eq!(scopes_of(&map(json!({"scp": ["a", 1, "c"]}))), ["a", "c"]);
        assert!(scopes_of(&map(json!({"scope": 5}))).is_empty());
    }

    #[cfg(all(feature = "auth", feature = "http-server"))]
    #[test]
    fn the_subject_falls_back_to_the_client() {
        let a = info_from_claims(map(json!({"client_id": "app", "exp": 5}))).unwrap();
        assert_eq!((a.subject.as_str(), a.expires_at), ("app", Some(5)));
        assert_eq!(a.client_id.as_deref(), Some("app"));
        let b = info_from_claims(map(json!({"sub": "alice", "azp": "app"}))).unwrap();
        assert_eq!(b.subject, "alice");
        assert!(info_from_claims(map(json!({"scope": "a"}))).is_none());
    }

    #[test]
    fn missing_scopes_are_listed() {
        let a = AuthInfo::new("alice").with_scopes(["files:read"]);
        let need = vec!["files:read".to_owned(), "files:write".to_owned()];
        assert_eq!(a.missing_scopes(&need), ["files:write"]);
        assert!(a.missing_scopes(&need[..1]).is_empty());
    }
}
