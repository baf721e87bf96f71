//! `requestState` for multi round-trip requests: what a round carries to the next (answers so far,
//! the digests of the asks made, memoised values), bound to the request it belongs to and to who
//! sent it, and sealed with AES-256-GCM-SIV so that a client can neither read it nor forge it,
//! nor replay it for another request.
//!
//! A token is `<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`: a 12-byte nonce unique per seal
//! ([`nonce`]), the key id in the clear (and authenticated), everything else encrypted (a compact
//! binary plaintext, [`plaintext`]). Because everything
//! needed travels inside the token, any replica holding the same keys can serve the next round.
//! The keys ([`StateKeys`]) are a list: the first seals, all open, so a key can rotate without
//! breaking requests in flight.

mod key_source;
mod keys;
mod nonce;
mod plaintext;
mod server_keys;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm_siv::aead::{Aead, Payload};
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub(crate) use keys::{StateKeys, DEFAULT_KEY_ID};

/// Where configured keys come from outside the program.
pub(crate) mod source {
    pub(crate) use super::key_source::{from_env, from_file};
}

/// The nonce length of AES-256-GCM-SIV.
const NONCE_LEN: usize = 12;
/// The authentication tag length of AES-256-GCM-SIV.
const TAG_LEN: usize = 16;
/// Associated data of every seal: the token format, then the key id. v2: the binary plaintext
/// (a v1 token, JSON inside, fails authentication: "not a token this server sealed"); v3:
/// AES-256-GCM-SIV instead of XChaCha20-Poly1305 (a v2 token fails authentication too).
const AAD_PREFIX: &[u8] = b"toolsmith requestState v3\0";

/// What the request state binds to: the method, the name (tool, prompt or URI) and a digest of
/// the arguments ([`request_digest_counted`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Binding {
    /// Borrowed for the methods that run handlers (no copy per request); owned when read back
    /// from a state.
    pub method: std::borrow::Cow<'static, str>,
    pub name: String,
    pub args: String,
}

/// Who a request state was issued to: the protocol version of the request, and the caller an
/// authentication layer established, if any. A state opens only for the same owner: the same
/// version and the same caller (both without a caller, or both with the same one).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Owner {
    /// Borrowed from the versions this crate serves when a request names one (no copy per
    /// request); owned when read back from a state.
    pub protocol_version: std::borrow::Cow<'static, str>,
    pub caller: Option<String>,
}

/// The contents of a request state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoundState {
    pub binding: Binding,
    pub owner: Owner,
    /// Expiry, milliseconds since the Unix epoch.
    pub expires_ms: u64,
    /// How many rounds have ended so far.
    pub rounds: u32,
    /// Answers carried forward, by ask key.
    pub answers: BTreeMap<String, Value>,
    /// The digest of each ask made in the last round, by key.
    pub asked: BTreeMap<String, String>,
    /// Memoised values, by memo key.
    pub memos: BTreeMap<String, Value>,
}

/// Why a request state was refused.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum StateError {
    #[error("requestState is malformed")]
    Malformed,
    #[error("requestState integrity check failed: it is not a token this server sealed, or it was altered")]
    Tampered,
    #[error("requestState was sealed with key `{0}`, which this server no longer holds (rotated out); start the request again without it")]
    UnknownKey(String),
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

/// The digest of a request's arguments ([`request_digest_counted`] without the length).
#[cfg(test)]
pub(crate) fn request_digest(method: &str, args: &Value) -> String {
    request_digest_counted(method, args).0
}

/// The digest of a request's arguments that its state binds to: the full SHA-256 of the method
/// and the arguments (serde_json maps are sorted, so this is canonical), base64url; and the
/// length of the arguments' JSON text (counted as it is hashed).
pub(crate) fn request_digest_counted(method: &str, args: &Value) -> (String, usize) {
    struct Counted<'a>(&'a mut Sha256, usize);
    impl std::io::Write for Counted<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            self.1 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    let mut w = Counted(&mut h, 0);
    serde_json::to_writer(&mut w, args).expect("JSON values serialise");
    let len = w.1;
    (
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize()),
        len,
    )
}

/// What names a token among those this process sealed: its key id and its nonce (unique per
/// seal, [`nonce`]), a short prefix of the token. `None` for text not shaped like a token.
/// Naming a token proves nothing: whoever looks one up by its handle must compare the whole
/// token with the one it issued ([`issued`]).
pub(crate) fn handle(token: &str) -> Option<&str> {
    let dot = token.find('.')?;
    // The nonce's 12 bytes are the first 16 characters of the sealed part's base64.
    let end = dot + 1 + NONCE_LEN.div_ceil(3) * 4;
    token.get(..end).filter(|_| token.len() > end)
}

/// True when `presented` is the token `issued` (compared in constant time: it is a bearer
/// secret) and the key that sealed it still opens states (a retired key's tokens are refused
/// whether or not they are opened). What the token says is then known without opening it: it is
/// what was sealed.
pub(crate) fn issued(keys: &StateKeys, issued: &str, presented: &str) -> bool {
    constant_time_eq(issued.as_bytes(), presented.as_bytes())
        && presented
            .split_once('.')
            .is_some_and(|(id, _)| keys.opening(id).is_some())
}

/// Whether `a` and `b` are equal, in time that depends on their length only (which a token's
/// structure tells anyway): eight bytes at a time through `subtle`, a fraction of the cost of
/// comparing them byte by byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::{Choice, ConstantTimeEq as _};
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    let mut same = Choice::from(1);
    for (x, y) in a_words.iter().zip(b_words) {
        same &= u64::from_ne_bytes(*x).ct_eq(&u64::from_ne_bytes(*y));
    }
    same &= a_rest.ct_eq(b_rest);
    same.into()
}

fn aad(key_id: &str) -> Vec<u8> {
    [AAD_PREFIX, key_id.as_bytes()].concat()
}

/// Seal a state into an opaque token under the first of `keys`.
pub(crate) fn seal(keys: &StateKeys, state: &RoundState) -> String {
    let key = keys.sealing();
    let plaintext = plaintext::encode(state);
    let nonce = nonce::next();
    let aad = aad(&key.id);
    let ciphertext = key
        .cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .expect("AES-256-GCM-SIV seals any message under 64 GiB");
    let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    let mut token = String::with_capacity(key.id.len() + 1 + sealed.len().div_ceil(3) * 4);
    token.push_str(&key.id);
    token.push('.');
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(sealed, &mut token);
    token
}

/// Open a token: find its key, decrypt and authenticate it, then check its expiry, that it
/// belongs to this request (`binding`) and to this `owner`.
#[cfg(test)]
pub(crate) fn open(
    keys: &StateKeys,
    token: &str,
    binding: &Binding,
    owner: &Owner,
) -> Result<RoundState, StateError> {
    let state = open_for(keys, token, owner)?;
    check_binding(&state, binding)?;
    Ok(state)
}

/// Opening a token as `open` does, but for the binding, which the caller checks: against the request's own
/// ([`check_binding`]), or, resuming a handler kept in memory, against what it was started with.
pub(crate) fn open_for(
    keys: &StateKeys,
    token: &str,
    owner: &Owner,
) -> Result<RoundState, StateError> {
    let (key_id, sealed) = token.split_once('.').ok_or(StateError::Tampered)?;
    if !keys::valid_id(key_id) {
        return Err(StateError::Tampered);
    }
    let key = keys
        .opening(key_id)
        .ok_or_else(|| StateError::UnknownKey(key_id.to_owned()))?;
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed)
        .map_err(|_| StateError::Tampered)?;
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(StateError::Tampered);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let plaintext = key
        .cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: ciphertext,
                aad: &aad(key_id),
            },
        )
        .map_err(|_| StateError::Tampered)?;
    let state = plaintext::decode(&plaintext)?;
    if state.expires_ms < now_ms() {
        return Err(StateError::Expired);
    }
    if state.owner.protocol_version != owner.protocol_version {
        return Err(StateError::Mismatch("protocol version"));
    }
    if state.owner.caller != owner.caller {
        return Err(StateError::Mismatch("caller"));
    }
    Ok(state)
}

/// That an opened state belongs to this request: the same method, name and argument digest.
pub(crate) fn check_binding(state: &RoundState, binding: &Binding) -> Result<(), StateError> {
    if state.binding.method != binding.method {
        return Err(StateError::Mismatch("method"));
    }
    if state.binding.name != binding.name {
        return Err(StateError::Mismatch("name"));
    }
    if state.binding.args != binding.args {
        return Err(StateError::Mismatch("arguments"));
    }
    Ok(())
}
