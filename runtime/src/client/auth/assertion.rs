//! `private_key_jwt` client authentication (RFC 7523 §2.2): a short-lived JWT signed with the
//! client's private key, for the client credentials grant.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::pkce::random_string;

/// How long an assertion is valid.
const LIFETIME_SECS: u64 = 300;

/// A client id and the private key it signs its assertions with.
#[derive(Clone)]
pub(super) struct JwtCredentials {
    pub client_id: String,
    pub key_pem: String,
    pub algorithm: String,
}

impl std::fmt::Debug for JwtCredentials {
    /// Redacted: the key never reaches logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtCredentials")
            .field("client_id", &self.client_id)
            .field("key_pem", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// A signed assertion for the authorization server `audience` (its issuer).
pub(super) fn sign(credentials: &JwtCredentials, audience: &str) -> Result<String, String> {
    let algorithm = Algorithm::from_str(&credentials.algorithm).map_err(|_| {
        format!(
            "`{}` is not a JWT signing algorithm this client knows",
            credentials.algorithm
        )
    })?;
    let pem = credentials.key_pem.as_bytes();
    let key = match algorithm {
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => EncodingKey::from_rsa_pem(pem),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
        _ => {
            return Err(format!(
                "`{}` is not an asymmetric signing algorithm; private_key_jwt needs one",
                credentials.algorithm
            ))
        }
    }
    .map_err(|e| format!("the client's private key cannot be read: {e}"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_owned())?
        .as_secs();
    let claims = Claims {
        iss: &credentials.client_id,
        sub: &credentials.client_id,
        aud: audience,
        iat: now,
        exp: now + LIFETIME_SECS,
        jti: random_string(16)?,
    };
    jsonwebtoken::encode(&Header::new(algorithm), &claims, &key)
        .map_err(|e| format!("signing the client assertion failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_keys_and_symmetric_algorithms_are_refused() {
        let bad_key = JwtCredentials {
            client_id: "c".into(),
            key_pem: "not a key".into(),
            algorithm: "ES256".into(),
        };
        let e = sign(&bad_key, "https://as.example").unwrap_err();
        assert!(e.contains("private key"), "{e}");
        let symmetric = JwtCredentials {
            algorithm: "HS256".into(),
            ..bad_key
        };
        let e = sign(&symmetric, "https://as.example").unwrap_err();
        assert!(e.contains("asymmetric"), "{e}");
    }
}
