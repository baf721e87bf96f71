//! The `Server` builder methods that set the keys sealing `requestState`.

use super::{StateKeys, DEFAULT_KEY_ID};
use crate::server::Server;

impl Server {
    /// The secret that seals `requestState` in multi round-trip requests (2026-07-28): the same
    /// as [`Server::request_state_keys`] with the one key id `default`.
    ///
    /// `requestState` is encrypted and authenticated (AES-256-GCM-SIV, a key derived from the
    /// secret with SHA-256 over a fixed label): the client can neither read what it carries (answers so far,
    /// memoised values) nor alter it. Give every replica behind a load balancer the same secret
    /// so any of them can serve the next round; by default each process uses its own random key.
    ///
    /// The secret must be at least 32 random bytes (for example 32 bytes from a CSPRNG, kept
    /// base64-encoded in your secret store and decoded before this call); a shorter secret, or
    /// one byte repeated, makes `serve_*` fail with [`Error::Config`](crate::Error::Config).
    pub fn request_state_key(self, secret: impl AsRef<[u8]>) -> Self {
        self.request_state_keys([(DEFAULT_KEY_ID, secret)])
    }

    /// The keys that seal `requestState`, each `(id, secret)`, for rotating keys without breaking
    /// requests in flight: the first key seals every new token, and every key in the list opens
    /// the tokens sealed under it (each token names its key id, in the clear). A token sealed
    /// under a key that is no longer in the list is refused, with an error naming its key id.
    ///
    /// To rotate: put the new key first and keep the old one after it for at least
    /// [`Limits::request_state_ttl`](crate::Limits::request_state_ttl) (tokens expire after that), then drop it. The key of
    /// [`Server::request_state_key`] has the id `default`.
    ///
    /// Ids are 1 to 64 characters from `A-Z a-z 0-9 _ -`, distinct; secrets are at least 32
    /// random bytes and not one byte repeated. Anything else (or an empty list) makes `serve_*`
    /// fail with [`Error::Config`](crate::Error::Config).
    ///
    /// ```no_run
    /// # use toolsmith::Server;
    /// # fn keys(new: Vec<u8>, old: Vec<u8>) -> Server {
    /// Server::new("replica", "1.0.0").request_state_keys([("2026-08", new), ("2026-07", old)])
    /// # }
    /// ```
    pub fn request_state_keys<I, K, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = (K, S)>,
        K: Into<String>,
        S: AsRef<[u8]>,
    {
        let keys: Vec<(String, S)> = keys.into_iter().map(|(k, s)| (k.into(), s)).collect();
        self.state_keys = Some(StateKeys::from_secrets(
            keys.iter().map(|(k, s)| (k.clone(), s.as_ref())),
        ));
        self
    }

    /// The `requestState` keys from the environment, so every replica of a deployment gets the
    /// same keys from its secret store: `TOOLSMITH_REQUEST_STATE_KEYS` holds them, or
    /// `TOOLSMITH_REQUEST_STATE_KEYS_FILE` names a file holding them (setting both is an error).
    /// Neither set: nothing changes (a random key for this process, unless configured otherwise).
    ///
    /// The keys are written `id:secret`, the secret in standard base64 (at least 32 random bytes:
    /// `openssl rand -base64 32`), separated by newlines, commas or spaces, `#` starting a
    /// comment; the first seals new tokens and all open them, as in
    /// [`Server::request_state_keys`] (which explains rotation). A malformed entry, an unreadable
    /// file or a weak key makes `serve_*` fail with [`Error::Config`](crate::Error::Config), naming the variable or
    /// file and the key id, never the secret.
    ///
    /// ```no_run
    /// // Every replica started with the same keys, e.g.
    /// // TOOLSMITH_REQUEST_STATE_KEYS="2026-08:$(openssl rand -base64 32)" ./replica
    /// let server = toolsmith::Server::new("replica", "1.0.0").request_state_keys_from_env();
    /// ```
    pub fn request_state_keys_from_env(mut self) -> Self {
        match super::source::from_env() {
            None => self,
            Some(Ok(keys)) => self.request_state_keys(keys),
            Some(Err(e)) => {
                self.state_keys = Some(Err(e));
                self
            }
        }
    }

    /// The `requestState` keys from the file at `path`, written as
    /// [`Server::request_state_keys_from_env`] describes.
    pub fn request_state_keys_from_file(mut self, path: impl AsRef<std::path::Path>) -> Self {
        match super::source::from_file(path.as_ref()) {
            Ok(keys) => self.request_state_keys(keys),
            Err(e) => {
                self.state_keys = Some(Err(e));
                self
            }
        }
    }
}
