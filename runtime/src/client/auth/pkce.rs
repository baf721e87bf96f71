//! PKCE (RFC 7636, S256) and the `state` value: random strings from the OS generator.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A code verifier and its S256 challenge.
pub(super) struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

/// `bytes` random bytes, base64url without padding.
pub(super) fn random_string(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| format!("the operating system's random generator failed: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// The S256 challenge of `verifier`: base64url(SHA-256(verifier)).
pub(super) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Pkce {
    /// A fresh verifier (32 random bytes: 43 characters) and its challenge.
    pub fn new() -> Result<Pkce, String> {
        let verifier = random_string(32)?;
        let challenge = challenge(&verifier);
        Ok(Pkce {
            verifier,
            challenge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_base64url_of_sha256() {
        // SHA-256("abc") is the FIPS 180-2 test vector ba7816bf...f20015ad; base64url without
        // padding it reads:
        assert_eq!(
            challenge("abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn verifiers_are_fresh_and_well_formed() {
        let a = Pkce::new().expect("random");
        let b = Pkce::new().expect("random");
        assert_ne!(a.verifier, b.verifier);
        assert_eq!(a.verifier.len(), 43);
        assert!(a
            .verifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(a.challenge, challenge(&a.verifier));
    }
}
