//! The keys that seal `requestState`: configured secrets checked for strength, each under an id,
//! turned into AES-256-GCM-SIV keys with SHA-256 over a fixed label and the secret.

use aes_gcm_siv::aead::KeyInit;
use aes_gcm_siv::{Aes256GcmSiv, Key};
use sha2::{Digest, Sha256};

/// The id of the key `Server::request_state_key` configures, and of the random per-process key.
pub(crate) const DEFAULT_KEY_ID: &str = "default";
/// The fewest bytes a configured secret may have.
pub(crate) const MIN_SECRET_BYTES: usize = 32;
/// The longest key id.
const MAX_ID_LEN: usize = 64;
/// What the key derivation hashes before the secret: a key for this use only, distinct from any
/// other use of the same secret.
const KEY_LABEL: &[u8] = b"toolsmith requestState AES-256-GCM-SIV key v1\0";

/// One key: its id (carried in the clear in every token it seals) and its cipher.
#[derive(Clone)]
pub(crate) struct StateKey {
    pub id: String,
    pub cipher: Aes256GcmSiv,
}

/// The keys a server holds: the first seals new tokens, every one opens tokens sealed under it.
#[derive(Clone)]
pub(crate) struct StateKeys(Vec<StateKey>);

/// True when `id` may name a key: 1 to 64 characters from `A-Z a-z 0-9 _ -`.
pub(crate) fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl StateKeys {
    /// A random key for this process only (the default when none is configured).
    pub(crate) fn random() -> Self {
        let mut key = Key::<Aes256GcmSiv>::default();
        // No key is safe without the operating system's randomness: fail loudly.
        getrandom::fill(&mut key).expect("the operating system's random number generator failed");
        StateKeys(vec![StateKey {
            id: DEFAULT_KEY_ID.to_owned(),
            cipher: Aes256GcmSiv::new(&key),
        }])
    }

    /// Keys from configured `(id, secret)` pairs, the sealing one first. Refuses (with what is
    /// wrong, never the secret) an empty list, a bad or repeated id, and a weak secret: fewer
    /// than 32 bytes, or one byte repeated.
    pub(crate) fn from_secrets<'a>(
        secrets: impl IntoIterator<Item = (String, &'a [u8])>,
    ) -> Result<Self, String> {
        let mut keys: Vec<StateKey> = Vec::new();
        for (id, secret) in secrets {
            if !valid_id(&id) {
                return Err(format!(
                    "requestState key id {id:?} is not allowed: use 1 to {MAX_ID_LEN} characters from A-Z, a-z, 0-9, `_` and `-`"
                ));
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(format!("two requestState keys have the id `{id}`"));
            }
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!(
                    "the requestState key `{id}` is too weak: {} bytes, at least {MIN_SECRET_BYTES} random bytes are needed",
                    secret.len()
                ));
            }
            if secret.iter().all(|&b| b == secret[0]) {
                return Err(format!(
                    "the requestState key `{id}` is too weak: it is one byte repeated; use random bytes"
                ));
            }
            // The secret has at least 32 bytes and is not one byte repeated (checked above), so
            // one SHA-256 over a fixed label and the secret is a sound key derivation here (a
            // salt and HKDF's expand step add nothing for one fixed-length key from
            // high-entropy input), and it keeps HKDF and HMAC out of the default build.
            let key = Sha256::new()
                .chain_update(KEY_LABEL)
                .chain_update(secret)
                .finalize();
            keys.push(StateKey {
                id,
                cipher: Aes256GcmSiv::new(&key),
            });
        }
        if keys.is_empty() {
            return Err("no requestState key was given: at least one is needed".to_owned());
        }
        Ok(StateKeys(keys))
    }

    /// The key that seals.
    pub(crate) fn sealing(&self) -> &StateKey {
        &self.0[0]
    }

    /// The key named `id`, if this server holds it.
    pub(crate) fn opening(&self, id: &str) -> Option<&StateKey> {
        self.0.iter().find(|k| k.id == id)
    }
}
