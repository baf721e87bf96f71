//! The issuer's signing keys (its JWKS), cached: fetched on first use, fetched again when a
//! token names a key the cache does not have (the issuer rotated its keys), at most once per
//! interval, with a timeout and a size cap. Tokens signed with known keys never wait for a
//! fetch, so an issuer that hangs slows down only the tokens that need it.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::fetch::Fetcher;
use super::metadata;
use super::VerifyError;

/// One usable key: how to verify with it, and the algorithm it is for (when the JWK says).
#[derive(Clone)]
pub(crate) struct Key {
    pub decoding: DecodingKey,
    pub alg: Option<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Key>,
    /// Keys the JWKS gave no `kid`.
    anonymous: Vec<Key>,
}

impl KeySet {
    fn find(&self, kid: Option<&str>) -> Option<Key> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            // A token without `kid` is only matched when there is no choice to make.
            None => match (self.by_kid.len(), self.anonymous.len()) {
                (1, 0) => self.by_kid.values().next().cloned(),
                (0, 1) => self.anonymous.first().cloned(),
                _ => None,
            },
        }
    }
}

/// Where the keys are: given, or found in the issuer's metadata.
#[derive(Clone, Debug)]
pub(crate) enum KeySource {
    Issuer(String),
    Jwks(String),
}

#[derive(Default)]
struct Refresh {
    /// When the last fetch started (successful or not).
    last: Option<Instant>,
    /// Why the last fetch failed, if it did.
    last_error: Option<String>,
    jwks_uri: Option<String>,
}

/// The key cache of one issuer.
pub(crate) struct KeyCache {
    pub source: KeySource,
    pub fetch: Fetcher,
    pub min_interval: Duration,
    pub max_keys: usize,
    keys: RwLock<Arc<KeySet>>,
    refresh: tokio::sync::Mutex<Refresh>,
}

impl KeyCache {
    pub(crate) fn new(source: KeySource, fetch: Fetcher) -> Self {
        KeyCache {
            source,
            fetch,
            min_interval: Duration::from_secs(30),
            max_keys: 64,
            keys: RwLock::default(),
            refresh: tokio::sync::Mutex::default(),
        }
    }

    fn current(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(k) => Arc::clone(&k),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The key named `kid` (or the only key, for a token without one).
    pub(crate) async fn key(&self, kid: Option<&str>) -> Result<Key, VerifyError> {
        if let Some(k) = self.current().find(kid) {
            return Ok(k);
        }
        // One fetch at a time; whoever waited here may find the keys already fetched.
        let mut refresh = self.refresh.lock().await;
        if let Some(k) = self.current().find(kid) {
            return Ok(k);
        }
        let unknown = || match kid {
            Some(kid) => {
                VerifyError::Invalid(format!("the token is signed with an unknown key `{kid}`"))
            }
            None => VerifyError::Invalid(
                "the token names no key (`kid`) and the issuer does not have exactly one".into(),
            ),
        };
        if let Some(last) = refresh.last {
            if last.elapsed() < self.min_interval {
                return Err(match &refresh.last_error {
                    Some(e) => VerifyError::Unavailable(format!("the issuer's keys: {e}")),
                    None => unknown(),
                });
            }
        }
        refresh.last = Some(Instant::now());
        match self.load(&mut refresh).await {
            Ok(set) => {
                refresh.last_error = None;
                let found = set.find(kid);
                match self.keys.write() {
                    Ok(mut k) => *k = Arc::new(set),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(set),
                }
                found.ok_or_else(unknown)
            }
            Err(e) => {
                tracing::warn!(error = %e, "fetching the issuer's keys failed");
                refresh.last_error = Some(e.clone());
                Err(VerifyError::Unavailable(format!("the issuer's keys: {e}")))
            }
        }
    }

    async fn load(&self, refresh: &mut Refresh) -> Result<KeySet, String> {
        let uri = match (&self.source, &refresh.jwks_uri) {
            (KeySource::Jwks(uri), _) | (_, Some(uri)) => uri.clone(),
            (KeySource::Issuer(issuer), None) => {
                let doc = metadata::discover(&self.fetch, issuer).await?;
                let uri = metadata::url_field(&doc, "jwks_uri", issuer)?;
                refresh.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let doc = self.fetch.get_json(&uri).await?;
        let Some(Value::Array(entries)) = doc.get("keys") else {
            return Err(format!("`{uri}` is not a JWK set (no `keys` array)"));
        };
        let mut set = KeySet::default();
        let mut usable = 0;
        for entry in entries {
            if usable == self.max_keys {
                tracing::warn!(
                    max = self.max_keys,
                    "the issuer's JWK set has more keys than kept"
                );
                break;
            }
            let Some(key) = parse_key(entry) else {
                continue;
            };
            usable += 1;
            match key {
                (Some(kid), key) => {
                    set.by_kid.insert(kid, key);
                }
                (None, key) => set.anonymous.push(key),
            }
        }
        if usable == 0 {
            return Err(format!("`{uri}` has no usable signing key"));
        }
        Ok(set)
    }
}

/// A signing key of a JWK set entry, with its `kid`; `None` for an entry that is not a usable
/// public signing key (encryption keys, unknown types, malformed entries).
fn parse_key(entry: &Value) -> Option<(Option<String>, Key)> {
    let jwk: Jwk = match serde_json::from_value(entry.clone()) {
        Ok(j) => j,
        Err(e) => {
            tracing::debug!(error = %e, "skipping a JWK that does not parse");
            return None;
        }
    };
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let alg = match jwk.common.key_algorithm {
        Some(a) => Some(Algorithm::from_str(&a.to_string()).ok()?),
        None => None,
    };
    let decoding = DecodingKey::from_jwk(&jwk).ok()?;
    // Symmetric keys never come from a public key set.
    if matches!(decoding.family(), jsonwebtoken::AlgorithmFamily::Hmac) {
        return None;
    }
    Some((jwk.common.key_id, Key { decoding, alg }))
}
