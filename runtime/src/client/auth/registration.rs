//! Who the client is at an authorization server: pre-registered credentials, a Client ID
//! Metadata Document URL, or Dynamic Client Registration (RFC 7591).

use serde::Deserialize;
use serde_json::json;

use super::assertion::JwtCredentials;
use super::config::{OAuthConfig, TokenAuthMethod};
use super::discovery::{Discovered, ServerMetadata};
use super::fetch::{describe, oauth_error, read};
use super::store::ClientRegistration;

/// The client's identity at one authorization server.
#[derive(Clone)]
pub(super) struct Registered {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub method: TokenAuthMethod,
    /// The key of `private_key_jwt`.
    pub jwt: Option<JwtCredentials>,
}

/// The token endpoint authentication for a client with (or without) a secret, among the
/// methods the server supports (RFC 8414's default when it does not say: `client_secret_basic`).
pub(super) fn method_for(has_secret: bool, supported: Option<&[String]>) -> TokenAuthMethod {
    if !has_secret {
        return TokenAuthMethod::None;
    }
    let Some(supported) = supported else {
        return TokenAuthMethod::ClientSecretBasic;
    };
    let offers = |m: TokenAuthMethod| supported.iter().any(|s| s == m.name());
    if offers(TokenAuthMethod::ClientSecretBasic) {
        TokenAuthMethod::ClientSecretBasic
    } else if offers(TokenAuthMethod::ClientSecretPost) {
        TokenAuthMethod::ClientSecretPost
    } else if offers(TokenAuthMethod::None) {
        TokenAuthMethod::None
    } else {
        TokenAuthMethod::ClientSecretBasic
    }
}

/// The method to ask for at registration: a public client (`none`) where the server allows
/// it (or does not say), else the first secret-based method it supports.
fn method_to_request(supported: Option<&[String]>) -> TokenAuthMethod {
    match supported {
        None => TokenAuthMethod::None,
        Some(s) if s.iter().any(|m| m == "none") => TokenAuthMethod::None,
        Some(s) => method_for(true, Some(s)),
    }
}

/// The client's identity at the discovered authorization server without asking it: credentials
/// given for it, else its Client ID Metadata Document URL where supported, else a registration
/// the store kept from an earlier process. `None`: the client must register.
pub(super) fn known(
    config: &OAuthConfig,
    found: &Discovered,
    client_credentials: bool,
) -> Option<Registered> {
    let server = &found.server;
    let supported = server.token_endpoint_auth_methods_supported.as_deref();
    if let Some(jwt) = config
        .jwt_credentials
        .as_ref()
        .filter(|_| client_credentials)
    {
        return Some(Registered {
            client_id: jwt.client_id.clone(),
            client_secret: None,
            method: TokenAuthMethod::PrivateKeyJwt,
            jwt: Some(jwt.clone()),
        });
    }
    let preset = if client_credentials {
        config.client_credentials.as_ref()
    } else {
        config
            .pre_registered
            .iter()
            .find(|c| c.issuer.as_deref().is_none_or(|i| i == found.issuer))
    };
    if let Some(c) = preset {
        return Some(Registered {
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
            method: method_for(c.client_secret.is_some(), supported),
            jwt: None,
        });
    }
    if let Some(url) = config
        .metadata_url
        .as_ref()
        .filter(|_| server.client_id_metadata_document_supported)
    {
        return Some(Registered {
            client_id: url.clone(),
            client_secret: None,
            method: TokenAuthMethod::None,
            jwt: None,
        });
    }
    if client_credentials {
        return None;
    }
    config
        .store
        .load_client(&found.issuer)
        .map(|kept| Registered {
            client_id: kept.client_id,
            client_secret: kept.client_secret,
            method: kept.method,
            jwt: None,
        })
}

/// The client's identity at the discovered authorization server: [`known`], else a new
/// registration (kept in the store).
pub(super) async fn obtain(
    http: &reqwest::Client,
    config: &OAuthConfig,
    found: &Discovered,
    client_credentials: bool,
) -> Result<Registered, String> {
    if let Some(known) = known(config, found, client_credentials) {
        return Ok(known);
    }
    let server = &found.server;
    match &server.registration_endpoint {
        Some(endpoint) => {
            let registered = register(http, config, server, endpoint).await?;
            config.store.save_client(
                &found.issuer,
                &ClientRegistration {
                    client_id: registered.client_id.clone(),
                    client_secret: registered.client_secret.clone(),
                    method: registered.method,
                },
            );
            Ok(registered)
        }
        None => Err(format!(
            "the authorization server {} offers no registration, and this client has no \
             credentials for it (OAuthConfig::pre_registered)",
            found.issuer
        )),
    }
}

/// Dynamic Client Registration.
async fn register(
    http: &reqwest::Client,
    config: &OAuthConfig,
    server: &ServerMetadata,
    endpoint: &str,
) -> Result<Registered, String> {
    #[derive(Deserialize)]
    struct Response {
        client_id: String,
        client_secret: Option<String>,
        token_endpoint_auth_method: Option<String>,
    }
    let supported = server.token_endpoint_auth_methods_supported.as_deref();
    let requested = method_to_request(supported);
    let body = json!({
        "client_name": config.client_name,
        "redirect_uris": [config.redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": requested.name(),
        "application_type": "native",
    });
    let response = http
        .post(endpoint)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("client registration at {endpoint} failed: {}", describe(&e)))?;
    let (status, bytes) = read("registration response", response).await?;
    if !status.is_success() {
        return Err(format!(
            "client registration at {endpoint} was refused: {}",
            oauth_error(status, &bytes)
        ));
    }
    let r: Response = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the registration response of {endpoint} is not valid: {e}"))?;
    let method = match r
        .token_endpoint_auth_method
        .as_deref()
        .and_then(TokenAuthMethod::from_name)
    {
        Some(m) => m,
        None if r.client_secret.is_some() => method_for(true, supported),
        None => TokenAuthMethod::None,
    };
    tracing::debug!(endpoint, method = method.name(), "registered the client");
    Ok(Registered {
        client_id: r.client_id,
        client_secret: r.client_secret,
        method,
        jwt: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(methods: &[&str]) -> Vec<String> {
        methods.iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn a_secret_uses_basic_unless_only_post_is_supported() {
        assert_eq!(method_for(true, None), TokenAuthMethod::ClientSecretBasic);
        assert_eq!(
            method_for(true, Some(&list(&["client_secret_post"]))),
            TokenAuthMethod::ClientSecretPost
        );
        assert_eq!(
            method_for(
                true,
                Some(&list(&["client_secret_post", "client_secret_basic"]))
            ),
            TokenAuthMethod::ClientSecretBasic
        );
        assert_eq!(
            method_for(false, Some(&list(&["client_secret_basic"]))),
            TokenAuthMethod::None
        );
    }

    #[test]
    fn registration_asks_for_a_public_client_where_allowed() {
        assert_eq!(method_to_request(None), TokenAuthMethod::None);
        assert_eq!(
            method_to_request(Some(&list(&["client_secret_basic", "none"]))),
            TokenAuthMethod::None
        );
        assert_eq!(
            method_to_request(Some(&list(&["client_secret_post"]))),
            TokenAuthMethod::ClientSecretPost
        );
    }
}
