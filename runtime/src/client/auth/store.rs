//! Where the client keeps its tokens: the [`TokenStore`] trait and the in-memory default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use super::config::TokenAuthMethod;

/// The tokens an authorization server issued for one protected resource.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token, sent as `Authorization: Bearer`.
    pub access_token: String,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<String>,
    /// When the access token expires (from `expires_in`), when the server said.
    pub expires_at: Option<SystemTime>,
    /// The scopes granted (or, when the server did not say, requested), space-separated.
    pub scope: Option<String>,
    /// The issuer of the authorization server that issued them.
    pub issuer: String,
}

impl std::fmt::Debug for Tokens {
    /// Redacted: tokens never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl Tokens {
    /// True when the access token has expired (or expires within `margin`).
    pub fn expires_within(&self, margin: std::time::Duration) -> bool {
        self.expires_at
            .is_some_and(|at| at <= SystemTime::now() + margin)
    }
}

/// A client registered with Dynamic Client Registration (RFC 7591) at one authorization server:
/// kept in the [`TokenStore`] so that a later run refreshes its tokens, and logs in again, as the
/// same client instead of registering a new one.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// The client id the authorization server issued.
    pub client_id: String,
    /// The client secret it issued, if any.
    pub client_secret: Option<String>,
    /// How the client authenticates at the token endpoint.
    pub method: TokenAuthMethod,
}

impl std::fmt::Debug for ClientRegistration {
    /// Redacted: secrets never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("method", &self.method)
            .finish()
    }
}

/// Keeps the tokens of each protected server (keyed by the MCP endpoint URL the client
/// connects to, as parsed: `https://host/mcp`) between requests and, with a persistent
/// implementation, between runs. Whatever keeps them should keep them secret.
pub trait TokenStore: Send + Sync + 'static {
    /// The tokens saved for `resource`.
    fn load(&self, resource: &str) -> Option<Tokens>;
    /// Save (replace) the tokens of `resource`.
    fn save(&self, resource: &str, tokens: &Tokens);
    /// Forget the tokens of `resource` (they were refused and could not be refreshed).
    fn remove(&self, resource: &str);
    /// The client registered dynamically at the authorization server `issuer`, if this store
    /// keeps registrations (by default it does not: the client registers once per process).
    fn load_client(&self, issuer: &str) -> Option<ClientRegistration> {
        let _ = issuer;
        None
    }
    /// Keep the client registered dynamically at `issuer` (by default: not kept).
    fn save_client(&self, issuer: &str, client: &ClientRegistration) {
        let _ = (issuer, client);
    }
}

/// The default [`TokenStore`]: in memory, gone when the process ends.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, Tokens>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, resource: &str) -> Option<Tokens> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(resource)
            .cloned()
    }

    fn save(&self, resource: &str, tokens: &Tokens) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(resource.to_owned(), tokens.clone());
    }

    fn remove(&self, resource: &str) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(access: &str) -> Tokens {
        Tokens {
            access_token: access.into(),
            refresh_token: Some("refresh-secret".into()),
            expires_at: None,
            scope: Some("a b".into()),
            issuer: "https://as.example".into(),
        }
    }

    #[test]
    fn debug_output_hides_the_tokens() {
        let shown = format!("{:?}", tokens("access-secret"));
        assert!(!shown.contains("access-secret"), "{shown}");
        assert!(!shown.contains("refresh-secret"), "{shown}");
        assert!(shown.contains("https://as.example"), "{shown}");
    }

    #[test]
    fn the_memory_store_keeps_tokens_per_resource() {
        let store = MemoryTokenStore::new();
        store.save("https://a.example/mcp", &tokens("one"));
        store.save("https://b.example/mcp", &tokens("two"));
        assert_eq!(
            store.load("https://a.example/mcp").map(|t| t.access_token),
            Some("one".into())
        );
        store.remove("https://a.example/mcp");
        assert_eq!(store.load("https://a.example/mcp"), None);
        assert_eq!(
            store.load("https://b.example/mcp").map(|t| t.access_token),
            Some("two".into())
        );
    }
}
