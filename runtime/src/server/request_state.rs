//! `requestState` for multi round-trip requests: what a round carries to the next (answers so far,
//! the digests of the asks made, memoised values), bound to the request it belongs to and sealed
//! with HMAC-SHA256 so that a client can neither read-and-forge nor replay it elsewhere.
//!
//! Because everything needed travels inside the token, any replica holding the same key can serve
//! the next round. Give every replica the same key (`Server::request_state_key`); the default is a
//! random key per process, which suits a single server.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The secret that seals request state.
#[derive(Clone)]
pub(crate) struct StateKey([u8; 32]);

impl StateKey {
    pub(crate) fn random() -> Self {
        let mut k = [0u8; 32];
        // No key is safe without the operating system's randomness: fail loudly.
        getrandom::fill(&mut k).expect("the operating system's random number generator failed");
        StateKey(k)
    }

    /// A key derived from configured bytes (any length).
    pub(crate) fn from_secret(secret: &[u8]) -> Self {
        use sha2::Digest;
        let mut k = [0u8; 32];
        k.copy_from_slice(&Sha256::digest(secret));
        StateKey(k)
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length")
    }
}

/// What the request state binds to: the method, the name (tool, prompt or URI) and a digest of
/// the arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Binding {
    #[serde(rename = "m")]
    pub method: String,
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "d")]
    pub args: String,
}

/// The contents of a request state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RoundState {
    #[serde(rename = "b")]
    pub binding: Binding,
    /// Expiry, milliseconds since the Unix epoch.
    #[serde(rename = "x")]
    pub expires_ms: u64,
    /// How many rounds have ended so far.
    #[serde(rename = "r")]
    pub rounds: u32,
    /// Answers carried forward, by ask key.
    #[serde(rename = "a", default)]
    pub answers: BTreeMap<String, Value>,
    /// The digest of each ask made in the last round, by key.
    #[serde(rename = "k", default)]
    pub asked: BTreeMap<String, String>,
    /// Memoised values, by memo key.
    #[serde(rename = "mm", default)]
    pub memos: BTreeMap<String, Value>,
}

/// Why a request state was refused.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum StateError {
    #[error("requestState is malformed")]
    Malformed,
    #[error("requestState integrity check failed")]
    Tampered,
    #[error("requestState has expired; start the request again without it")]
    Expired,
    #[error("requestState belongs to a different request ({0})")]
    Mismatch(&'static str),
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The expiry for a state issued now with `ttl`.
pub(crate) fn expiry(ttl: Duration) -> u64 {
    now_ms().saturating_add(ttl.as_millis() as u64)
}

/// Seal a state into an opaque token.
pub(crate) fn seal(key: &StateKey, state: &RoundState) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = serde_json::to_vec(state).expect("state serialises");
    let mut mac = key.mac();
    mac.update(&payload);
    let tag = mac.finalize().into_bytes();
    format!("{}.{}", b64.encode(&payload), b64.encode(tag))
}

/// Open a token: check its seal (constant time), expiry and binding.
pub(crate) fn open(
    key: &StateKey,
    token: &str,
    binding: &Binding,
) -> Result<RoundState, StateError> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (payload, tag) = token.split_once('.').ok_or(StateError::Tampered)?;
    let payload = b64.decode(payload).map_err(|_| StateError::Tampered)?;
    let tag = b64.decode(tag).map_err(|_| StateError::Tampered)?;
    let mut mac = key.mac();
    mac.update(&payload);
    mac.verify_slice(&tag).map_err(|_| StateError::Tampered)?;
    let state: RoundState = serde_json::from_slice(&payload).map_err(|_| StateError::Malformed)?;
    if state.expires_ms < now_ms() {
        return Err(StateError::Expired);
    }
    if state.binding.method != binding.method {
        return Err(StateError::Mismatch("method"));
    }
    if state.binding.name != binding.name {
        return Err(StateError::Mismatch("name"));
    }
    if state.binding.args != binding.args {
        return Err(StateError::Mismatch("arguments"));
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(name: &str) -> Binding {
        Binding {
            method: "tools/call".into(),
            name: name.into(),
            args: "abc".into(),
        }
    }

    fn state(exp: u64) -> RoundState {
        RoundState {
            binding: binding("t"),
            expires_ms: exp,
            rounds: 1,
            answers: [("k".to_owned(), Value::from(1))].into(),
            asked: BTreeMap::new(),
            memos: BTreeMap::new(),
        }
    }

    #[test]
    fn round_trips_and_rejects_tampering_expiry_and_reuse() {
        let key = StateKey::random();
        let s = state(expiry(Duration::from_secs(60)));
        let token = seal(&key, &s);
        assert_eq!(open(&key, &token, &binding("t")).unwrap(), s);

        assert_eq!(
            open(&key, &format!("{token}-TAMPERED"), &binding("t")),
            Err(StateError::Tampered)
        );
        let mut flipped = token.clone().into_bytes();
        flipped[3] ^= 1;
        assert_eq!(
            open(&key, std::str::from_utf8(&flipped).unwrap(), &binding("t")),
            Err(StateError::Tampered)
        );
        assert_eq!(
            open(&StateKey::random(), &token, &binding("t")),
            Err(StateError::Tampered)
        );
        assert_eq!(
            open(&key, "garbage", &binding("t")),
            Err(StateError::Tampered)
        );

        assert_eq!(
            open(&key, &token, &binding("other_tool")),
            Err(StateError::Mismatch("name"))
        );
        let mut b = binding("t");
        b.args = "different".into();
        assert_eq!(
            open(&key, &token, &b),
            Err(StateError::Mismatch("arguments"))
        );

        let old = seal(&key, &state(now_ms() - 1));
        assert_eq!(open(&key, &old, &binding("t")), Err(StateError::Expired));

        // The same secret on another replica opens it.
        let a = StateKey::from_secret(b"shared secret");
        let b2 = StateKey::from_secret(b"shared secret");
        assert!(open(&b2, &seal(&a, &s), &binding("t")).is_ok());
    }
}
