//! [`JwtVerifier`]: JWT access tokens (RFC 9068) checked against the issuer's published keys.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, Validation};
use serde_json::{Map, Value};

use super::fetch::Fetcher;
use super::jwks::{KeyCache, KeySource};
use super::{info_from_claims, AuthInfo, BoxFuture, TokenVerifier, VerifyError};
use crate::Error;

/// The asymmetric algorithms accepted by default (symmetric ones never: the keys are public).
const DEFAULT_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Verifies JWT access tokens issued by one authorization server for one resource.
///
/// A token is accepted when its signature verifies with a key of the issuer's JWK set (found
/// through the issuer's metadata, RFC 8414 or OpenID discovery, unless given with
/// [`JwtVerifier::jwks_uri`]), with an allowed algorithm; its `iss` is the issuer; its `aud`
/// names the resource (RFC 8707: a token issued for another resource is refused); and it has
/// not expired (`exp`, required) and is already valid (`nbf`), give or take the leeway.
///
/// The keys are cached; a token naming an unknown key (`kid`) makes the verifier fetch them
/// again, at most once per [`JwtVerifier::min_refresh_interval`]. Fetches time out and their
/// answers are size-capped: an issuer that hangs or answers garbage makes its tokens fail with
/// a clear error (`503`) and slows down no other request.
///
/// The caller is the token's `sub` (else `client_id`, else `azp`), its scopes the `scope` claim
/// (or `scp`), and every claim is kept in [`AuthInfo::claims`].
pub struct JwtVerifier {
    issuer: String,
    audience: String,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    keys: KeyCache,
}

impl JwtVerifier {
    /// Accept tokens of `issuer` (its issuer identifier, e.g. `https://auth.example.com`) for
    /// `resource` (the `aud` the tokens must carry: the resource identifier of the server).
    pub fn new(issuer: impl Into<String>, resource: impl Into<String>) -> Self {
        let issuer = issuer.into();
        JwtVerifier {
            keys: KeyCache::new(
                KeySource::Issuer(issuer.clone()),
                Fetcher::new(Duration::from_secs(5), 64 * 1024),
            ),
            issuer,
            audience: resource.into(),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            leeway: Duration::from_secs(60),
        }
    }

    /// Fetch the keys from `url` instead of the URL in the issuer's metadata (default: from the
    /// metadata).
    pub fn jwks_uri(mut self, url: impl Into<String>) -> Self {
        self.keys.source = KeySource::Jwks(url.into());
        self
    }

    /// Accept only these signature algorithms (JOSE names: `RS256`, `ES256`, `EdDSA`...).
    /// Default: RS256/384/512, PS256/384/512, ES256/384 and EdDSA. Fails on an unknown name, a
    /// symmetric (`HS*`) algorithm, or none at all.
    pub fn algorithms<S: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Self, Error> {
        let mut algorithms = Vec::new();
        for name in names {
            let name = name.as_ref();
            let alg: Algorithm = name
                .parse()
                .map_err(|_| Error::Config(format!("unknown JWT algorithm `{name}`")))?;
            if !DEFAULT_ALGORITHMS.contains(&alg) {
                return Err(Error::Config(format!(
                    "JWT algorithm `{name}` cannot be verified with an issuer's public keys"
                )));
            }
            algorithms.push(alg);
        }
        if algorithms.is_empty() {
            return Err(Error::Config("no JWT algorithm allowed".into()));
        }
        self.algorithms = algorithms;
        Ok(self)
    }

    /// The clock skew allowed when checking `exp` and `nbf` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The shortest time between two fetches of the keys (default 30 s): a flood of tokens
    /// naming unknown keys makes at most one fetch per interval.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.keys.min_interval = interval;
        self
    }

    /// How long fetching the metadata or the keys may take (default 5 s), and the most bytes
    /// either may be (default 64 KiB).
    pub fn fetch_limits(mut self, timeout: Duration, max_bytes: usize) -> Self {
        self.keys.fetch = Fetcher::new(timeout, max_bytes);
        self
    }

    /// The most keys kept from the issuer's key set (default 64).
    pub fn max_keys(mut self, keys: usize) -> Self {
        self.keys.max_keys = keys.max(1);
        self
    }

    async fn check(&self, token: &str) -> Result<AuthInfo, VerifyError> {
        let header = decode_header(token)
            .map_err(|e| VerifyError::Invalid(format!("not a JWT ({})", describe(e.kind()))))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(VerifyError::Invalid(format!(
                "the token is signed with {:?}, which is not allowed",
                header.alg
            )));
        }
        let key = self.keys.key(header.kid.as_deref()).await?;
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(VerifyError::Invalid(format!(
                "the token's algorithm {:?} is not its key's",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway.as_secs();
        let data = decode::<Map<String, Value>>(token, &key.decoding, &validation)
            .map_err(|e| VerifyError::Invalid(describe(e.kind())))?;
        info_from_claims(data.claims)
            .ok_or_else(|| VerifyError::Invalid("the token names no subject or client".into()))
    }
}

/// What is wrong with a token, in words (never its content).
fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidSignature => "the signature does not verify".into(),
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidIssuer => "the token is from another issuer".into(),
        ErrorKind::InvalidAudience => "the token is for another resource (aud)".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("the token has no `{c}` claim"),
        ErrorKind::InvalidClaimFormat(c) => format!("the token's `{c}` claim is malformed"),
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not match its key".into(),
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "the token is not a well-formed JWT".into(),
        other => format!("the token could not be verified ({other:?})"),
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(self.check(token))
    }
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .field("keys", &self.keys.source)
            .finish_non_exhaustive()
    }
}
