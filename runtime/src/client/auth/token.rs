//! Token endpoint requests (authorization code, refresh, client credentials) and the client
//! authentication they carry.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;

use super::assertion;
use super::config::TokenAuthMethod;
use super::fetch::{describe, oauth_error, read};
use super::registration::Registered;
use super::store::Tokens;

/// The `client_assertion_type` of a JWT assertion (RFC 7523 §2.2).
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A token response (RFC 6749 §5.1).
#[derive(Deserialize)]
struct Response {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    scope: Option<String>,
}

/// The `Authorization: Basic` value of a client: the id and secret form-encoded, joined by a
/// colon, base64 (RFC 6749 §2.3.1).
pub(super) fn basic_credentials(client_id: &str, secret: &str) -> String {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", encode(client_id), encode(secret)))
    )
}

/// POST `form` to the token endpoint, authenticated as `client`, and read the tokens. `issuer`
/// and `requested` (the scopes asked for) go into the result; a response without a refresh
/// token keeps `previous_refresh`.
pub(super) async fn request(
    http: &reqwest::Client,
    endpoint: &str,
    client: &Registered,
    mut form: Vec<(&'static str, String)>,
    issuer: &str,
    requested: Option<String>,
    previous_refresh: Option<String>,
) -> Result<Tokens, String> {
    let mut builder = http.post(endpoint);
    match (client.method, &client.client_secret) {
        (TokenAuthMethod::ClientSecretBasic, Some(secret)) => {
            builder = builder.header(
                reqwest::header::AUTHORIZATION,
                basic_credentials(&client.client_id, secret),
            );
        }
        (TokenAuthMethod::PrivateKeyJwt, _) => {
            let jwt = client.jwt.as_ref().ok_or("private_key_jwt without a key")?;
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_assertion_type", ASSERTION_TYPE.to_owned()));
            form.push(("client_assertion", assertion::sign(jwt, issuer)?));
        }
        (TokenAuthMethod::ClientSecretPost, Some(secret)) => {
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_secret", secret.clone()));
        }
        _ => form.push(("client_id", client.client_id.clone())),
    }
    let response = builder
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("the token request to {endpoint} failed: {}", describe(&e)))?;
    let (status, bytes) = read("token response", response).await?;
    if !status.is_success() {
        return Err(format!(
            "the token endpoint {endpoint} refused: {}",
            oauth_error(status, &bytes)
        ));
    }
    let r: Response = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the token response of {endpoint} is not valid: {e}"))?;
    if let Some(t) = r.token_type.as_deref() {
        if !t.eq_ignore_ascii_case("bearer") {
            return Err(format!(
                "the token endpoint {endpoint} issued a `{t}` token; this client uses bearer \
                 tokens only"
            ));
        }
    }
    Ok(Tokens {
        access_token: r.access_token,
        refresh_token: r.refresh_token.or(previous_refresh),
        expires_at: r
            .expires_in
            .map(|s| SystemTime::now() + Duration::from_secs(s)),
        scope: r.scope.or(requested),
        issuer: issuer.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_form_encode_then_base64() {
        // "a b:c%d" form-encoded is "a+b" and "c%25d".
        assert_eq!(
            basic_credentials("a b", "c%d"),
            format!("Basic {}", STANDARD.encode("a+b:c%25d"))
        );
        assert_eq!(
            basic_credentials("client", "secret"),
            format!("Basic {}", STANDARD.encode("client:secret"))
        );
    }
}
