//! The [`TokenVerifier`] seam and the simplest verifier, a fixed shared token ([`StaticToken`]).

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use sha2::{Digest, Sha256};

use super::AuthInfo;

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The token is not valid for this resource (bad signature, expired, another audience or
    /// issuer, unknown, revoked...). Answered `401` with `error="invalid_token"`; the reason goes
    /// into `error_description` and the log, never the token.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The token could not be checked now (the issuer's keys or its introspection endpoint are
    /// unreachable, slow or answer garbage). Answered `503`: the client should retry, not
    /// throw its token away.
    #[error("the token could not be verified: {0}")]
    Unavailable(String),
}

/// Checks a bearer token and says who it belongs to.
///
/// Implement it for a custom token format or an identity service; the built-ins are
/// [`StaticToken`] and, with the `auth` feature, `JwtVerifier` and `IntrospectionVerifier`.
/// The future is raced against [`ResourceServer::verify_timeout`](crate::ResourceServer::verify_timeout),
/// so a verifier that hangs never blocks a request for longer than that.
///
/// ```
/// use toolsmith::auth::{AuthInfo, BoxFuture, TokenVerifier, VerifyError};
///
/// struct OnlyAlice;
///
/// impl TokenVerifier for OnlyAlice {
///     fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
///         Box::pin(async move {
///             match token {
///                 "alice-token" => Ok(AuthInfo::new("alice").with_scopes(["files:read"])),
///                 _ => Err(VerifyError::Invalid("unknown token".into())),
///             }
///         })
///     }
/// }
/// ```
pub trait TokenVerifier: Send + Sync + 'static {
    /// Verify `token` (the credentials of `Authorization: Bearer <token>`, already checked to
    /// be a well-formed, bounded `b64token`).
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>>;
}

impl<V: TokenVerifier + ?Sized> TokenVerifier for Arc<V> {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        (**self).verify(token)
    }
}

/// One fixed shared token, compared in constant time, standing for one caller.
///
/// The caller is `subject` (default `"bearer"`) with the scopes given (default none). Everyone
/// holding the token is that one caller, a [shared credential](AuthInfo::shared): per-caller
/// limits count its requests per peer address.
#[derive(Clone)]
pub struct StaticToken {
    /// SHA-256 of the token: comparing digests takes the same time whatever the input's length.
    digest: [u8; 32],
    info: AuthInfo,
}

impl StaticToken {
    /// Accept `token`, as the caller `bearer` with no scopes.
    pub fn new(token: impl AsRef<[u8]>) -> Self {
        StaticToken {
            digest: Sha256::digest(token.as_ref()).into(),
            info: AuthInfo::new("bearer").shared_credential(),
        }
    }

    /// The caller the token stands for (default `bearer`).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.info.subject = subject.into();
        self
    }

    /// The scopes the token grants (default none).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.info.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The caller the token stands for.
    pub(crate) fn caller(&self) -> &AuthInfo {
        &self.info
    }

    /// True when `token` is the token.
    pub(crate) fn matches(&self, token: &[u8]) -> bool {
        let given: [u8; 32] = Sha256::digest(token).into();
        // Constant time: every byte is compared.
        given
            .iter()
            .zip(self.digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl TokenVerifier for StaticToken {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        let outcome = if self.matches(token.as_bytes()) {
            Ok(self.info.clone())
        } else {
            Err(VerifyError::Invalid("not the expected token".into()))
        };
        Box::pin(async move { outcome })
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("subject", &self.info.subject)
            .field("scopes", &self.info.scopes)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_static_token_is_one_caller() {
        let v = StaticToken::new("s3cret").subject("ops").scopes(["a"]);
        let who = v.verify("s3cret").await.unwrap();
        assert_eq!(
            (who.subject.as_str(), who.scopes.as_slice()),
            ("ops", &["a".to_owned()][..])
        );
        assert!(matches!(
            v.verify("s3crex").await,
            Err(VerifyError::Invalid(_))
        ));
        assert!(matches!(v.verify("").await, Err(VerifyError::Invalid(_))));
        assert!(!format!("{v:?}").contains("s3cret"));
    }
}
