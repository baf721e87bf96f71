//! [`IntrospectionVerifier`]: opaque (or any) access tokens checked by asking the authorization
//! server (token introspection, RFC 7662), with a cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::fetch::Fetcher;
use super::metadata;
use super::{info_from_claims, AuthInfo, BoxFuture, TokenVerifier, VerifyError};

/// Where the introspection endpoint is.
enum Endpoint {
    Given(String),
    /// From the issuer's metadata (`introspection_endpoint`), looked up on first use.
    Discovered {
        issuer: String,
        url: OnceCell<String>,
    },
}

/// Verifies tokens by asking the authorization server's introspection endpoint (RFC 7662),
/// authenticating as the resource server's own OAuth client (`client_secret_basic`).
///
/// A token is accepted when the answer says `active`, it has not expired, and, when a resource
/// is set ([`IntrospectionVerifier::resource`]), its `aud` names it (RFC 8707). Answers are
/// cached by a digest of the token (never the token itself) for [`IntrospectionVerifier::cache_ttl`]
/// or until the token expires, whichever is sooner; refusals are not cached. The exchange has a
/// timeout and a size cap: an authorization server that hangs or answers garbage makes its
/// tokens fail with a clear error (`503`).
pub struct IntrospectionVerifier {
    endpoint: Endpoint,
    client_id: String,
    client_secret: String,
    resource: Option<String>,
    fetch: Fetcher,
    cache_ttl: Duration,
    max_cached: usize,
    cache: Mutex<HashMap<[u8; 32], (AuthInfo, Instant)>>,
}

impl IntrospectionVerifier {
    /// Ask the introspection endpoint at `url`, authenticated as `client_id` with
    /// `client_secret`.
    pub fn new(
        url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self::with_endpoint(Endpoint::Given(url.into()), client_id, client_secret)
    }

    /// Ask the introspection endpoint that `issuer`'s metadata (RFC 8414 or OpenID discovery)
    /// names, looked up on first use.
    pub fn discover(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        let endpoint = Endpoint::Discovered {
            issuer: issuer.into(),
            url: OnceCell::new(),
        };
        Self::with_endpoint(endpoint, client_id, client_secret)
    }

    fn with_endpoint(
        endpoint: Endpoint,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        IntrospectionVerifier {
            endpoint,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            resource: None,
            fetch: Fetcher::new(Duration::from_secs(5), 64 * 1024),
            cache_ttl: Duration::from_secs(60),
            max_cached: 10_000,
            cache: Mutex::default(),
        }
    }

    /// Accept only tokens whose `aud` names `resource` (the server's resource identifier).
    /// Default: the audience is not checked (the authorization server answers for this
    /// resource server only).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// How long an accepted token is remembered without asking again (default 60 s; never
    /// past its expiry). `Duration::ZERO` turns the cache off.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// The most tokens remembered at once (default 10,000).
    pub fn max_cached(mut self, tokens: usize) -> Self {
        self.max_cached = tokens;
        self
    }

    /// How long one introspection (or the metadata lookup) may take (default 5 s), and the most
    /// bytes its answer may be (default 64 KiB).
    pub fn fetch_limits(mut self, timeout: Duration, max_bytes: usize) -> Self {
        self.fetch = Fetcher::new(timeout, max_bytes);
        self
    }

    async fn endpoint(&self) -> Result<&str, VerifyError> {
        match &self.endpoint {
            Endpoint::Given(url) => Ok(url),
            Endpoint::Discovered { issuer, url } => url
                .get_or_try_init(|| async {
                    let doc = metadata::discover(&self.fetch, issuer).await?;
                    metadata::url_field(&doc, "introspection_endpoint", issuer)
                })
                .await
                .map(String::as_str)
                .map_err(VerifyError::Unavailable),
        }
    }

    fn cached(&self, key: &[u8; 32]) -> Option<AuthInfo> {
        let cache = self.cache.lock().ok()?;
        let (info, until) = cache.get(key)?;
        (Instant::now() < *until).then(|| info.clone())
    }

    fn remember(&self, key: [u8; 32], info: &AuthInfo) {
        let now = Instant::now();
        let mut ttl = self.cache_ttl;
        if let Some(exp) = info.expires_at {
            ttl = ttl.min(Duration::from_secs(exp.saturating_sub(unix_now())));
        }
        if ttl.is_zero() || self.max_cached == 0 {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.len() >= self.max_cached {
            cache.retain(|_, (_, until)| *until > now);
            if cache.len() >= self.max_cached {
                cache.clear();
            }
        }
        cache.insert(key, (info.clone(), now + ttl));
    }

    async fn check(&self, token: &str) -> Result<AuthInfo, VerifyError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(info) = self.cached(&key) {
            return Ok(info);
        }
        let url = self.endpoint().await?;
        let answer = self
            .fetch
            .post_form(
                url,
                (&self.client_id, &self.client_secret),
                &[("token", token), ("token_type_hint", "access_token")],
            )
            .await
            .map_err(|e| VerifyError::Unavailable(format!("token introspection: {e}")))?;
        if answer.get("active") != Some(&Value::Bool(true)) {
            return Err(VerifyError::Invalid(
                "the token is not active (expired, revoked or unknown)".into(),
            ));
        }
        if let Some(resource) = &self.resource {
            let for_us = match answer.get("aud") {
                Some(Value::String(a)) => a == resource,
                Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(resource)),
                _ => false,
            };
            if !for_us {
                return Err(VerifyError::Invalid(
                    "the token is for another resource (aud)".into(),
                ));
            }
        }
        if answer
            .get("exp")
            .and_then(Value::as_u64)
            .is_some_and(|exp| exp <= unix_now())
        {
            return Err(VerifyError::Invalid("the token has expired".into()));
        }
        let info = info_from_claims(answer)
            .ok_or_else(|| VerifyError::Invalid("the token names no subject or client".into()))?;
        self.remember(key, &info);
        Ok(info)
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenVerifier for IntrospectionVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(self.check(token))
    }
}

impl fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = match &self.endpoint {
            Endpoint::Given(url) => url.as_str(),
            Endpoint::Discovered { issuer, .. } => issuer.as_str(),
        };
        f.debug_struct("IntrospectionVerifier")
            .field("endpoint", &endpoint)
            .field("client_id", &self.client_id)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}
