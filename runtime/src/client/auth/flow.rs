//! One client's login state and the steps of a login: discover, register, authorize (or use
//! client credentials), exchange, refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;

use super::challenge::Challenge;
use super::config::OAuthConfig;
use super::discovery::{discover, Discovered};
use super::fetch;
use super::pkce::{random_string, Pkce};
use super::registration::{self, Registered};
use super::store::Tokens;
use super::token;

/// A token this close to its expiry is refreshed before it is sent.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// The login of one client to one MCP server.
pub(crate) struct OAuth {
    config: OAuthConfig,
    /// The MCP endpoint; tokens are kept under it in the store.
    server: Url,
    http: reqwest::Client,
    /// The tokens in use (also in the store).
    current: Mutex<Option<Tokens>>,
    /// Held through a login, so concurrent refusals log in once.
    state: tokio::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The client's identity at each authorization server, by issuer: never shown to another.
    clients: HashMap<String, Registered>,
    /// Where tokens came from last.
    discovered: Option<Discovered>,
    /// The scopes asked for last (a step-up asks for these and the new ones).
    requested: Vec<String>,
}

impl OAuth {
    /// The login to the MCP server at `server`, with the tokens the store has for it.
    pub(crate) fn new(config: OAuthConfig, server: &str) -> Result<Arc<OAuth>, String> {
        let server = Url::parse(server).map_err(|e| format!("`{server}` is not a URL: {e}"))?;
        let current = config.store.load(server.as_str());
        Ok(Arc::new(OAuth {
            config,
            server,
            http: fetch::client()?,
            current: Mutex::new(current),
            state: tokio::sync::Mutex::new(State::default()),
        }))
    }

    /// The access token to send, if any.
    pub(crate) fn bearer(&self) -> Option<String> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|t| t.access_token.clone())
    }

    /// Refresh the token before sending when it is about to expire and can be refreshed.
    pub(crate) async fn refresh_if_expiring(&self) {
        let expiring = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_some() && t.expires_within(EXPIRY_MARGIN));
        if !expiring {
            return;
        }
        let mut state = self.state.lock().await;
        if let Err(e) = self.refresh(&mut state).await {
            tracing::debug!(reason = e, "refreshing the expiring token failed");
        }
    }

    /// The server refused a request sent with `sent` (`401`, or `403`). Obtain a token that
    /// may do better: `Ok(false)` when the refusal is not an authorization challenge (a `403`
    /// other than `insufficient_scope`), `Ok(true)` when there is a new token to retry with.
    pub(crate) async fn challenged(
        &self,
        status: u16,
        www_authenticate: &[&str],
        sent: Option<&str>,
    ) -> Result<bool, String> {
        let challenge = Challenge::parse(www_authenticate.iter().copied());
        let step_up = status == 403;
        if step_up && !challenge.insufficient_scope() {
            return Ok(false);
        }
        let mut state = self.state.lock().await;
        let current = self.bearer();
        if current.is_some() && current.as_deref() != sent {
            // Another request logged in while this one waited.
            return Ok(true);
        }
        let found = discover(&self.http, &self.server, &challenge).await?;
        if !step_up && sent.is_some() {
            if let Some(true) = self.try_refresh(&state, &found).await {
                return Ok(true);
            }
        }
        let scopes = self.scopes(&state, &challenge, &found, step_up);
        let client_credentials = self.config.machine();
        let client = match state.clients.get(&found.issuer) {
            Some(c) => c.clone(),
            None => {
                let c = registration::obtain(&self.http, &self.config, &found, client_credentials)
                    .await?;
                state.clients.insert(found.issuer.clone(), c.clone());
                c
            }
        };
        let scope = (!scopes.is_empty()).then(|| scopes.join(" "));
        let tokens = if client_credentials {
            let mut form = vec![("grant_type", "client_credentials".to_owned())];
            form.push(("resource", found.resource.clone()));
            if let Some(s) = &scope {
                form.push(("scope", s.clone()));
            }
            token::request(
                &self.http,
                &found.server.token_endpoint,
                &client,
                form,
                &found.issuer,
                scope,
                None,
            )
            .await?
        } else {
            self.authorization_code(&found, &client, scope).await?
        };
        tracing::debug!(issuer = found.issuer, "logged in");
        self.keep(tokens);
        state.requested = scopes;
        state.discovered = Some(found);
        Ok(true)
    }

    /// The scopes to ask for: the configured ones, else the challenge's, else the resource's
    /// `scopes_supported`, else none; on a step-up also those asked for before; `offline_access` where the
    /// authorization server offers it.
    fn scopes(
        &self,
        state: &State,
        challenge: &Challenge,
        found: &Discovered,
        step_up: bool,
    ) -> Vec<String> {
        let mut scopes: Vec<String> = match (&challenge.scope, &found.scopes_supported) {
            _ if !step_up && self.config.scopes.is_some() => {
                self.config.scopes.clone().unwrap_or_default()
            }
            (Some(s), _) => s.split_whitespace().map(str::to_owned).collect(),
            (None, Some(s)) => s.clone(),
            (None, None) => Vec::new(),
        };
        if step_up {
            let mut union = state.requested.clone();
            union.extend(scopes.into_iter().filter(|s| !state.requested.contains(s)));
            scopes = union;
        }
        let offered = found
            .server
            .scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s == "offline_access"));
        if self.config.offline_access
            && offered
            && !self.config.machine()
            && !scopes.iter().any(|s| s == "offline_access")
        {
            scopes.push("offline_access".into());
        }
        scopes
    }

    /// The authorization code flow with PKCE: the user-facing step, its checks (`state`,
    /// `iss`), and the code exchange.
    async fn authorization_code(
        &self,
        found: &Discovered,
        client: &Registered,
        scope: Option<String>,
    ) -> Result<Tokens, String> {
        let server = &found.server;
        let endpoint = server.authorization_endpoint.as_deref().ok_or_else(|| {
            format!(
                "the authorization server {} has no authorization endpoint",
                found.issuer
            )
        })?;
        let s256 = server
            .code_challenge_methods_supported
            .as_ref()
            .is_some_and(|m| m.iter().any(|m| m == "S256"));
        if !s256 {
            return Err(format!(
                "the authorization server {} does not support PKCE with S256; not logging in",
                found.issuer
            ));
        }
        let pkce = Pkce::new()?;
        let state = random_string(16)?;
        let mut url = Url::parse(endpoint)
            .map_err(|e| format!("the authorization endpoint `{endpoint}` is not a URL: {e}"))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &client.client_id)
                .append_pair("redirect_uri", &self.config.redirect_uri)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", &state)
                .append_pair("resource", &found.resource);
            if let Some(s) = &scope {
                q.append_pair("scope", s);
            }
        }
        let redirect = (self.config.authorize)(url.to_string())
            .await
            .map_err(|e| format!("the user-facing authorization step failed: {e}"))?;
        let code = check_redirect(&redirect, &state, found)?;
        let form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.clone()),
            ("code_verifier", pkce.verifier),
            ("resource", found.resource.clone()),
        ];
        token::request(
            &self.http,
            &server.token_endpoint,
            client,
            form,
            &found.issuer,
            scope,
            None,
        )
        .await
    }

    /// Refresh with the current refresh token when it was issued by `found`'s server and the
    /// client is registered there. `None`: nothing to refresh with.
    async fn try_refresh(&self, state: &State, found: &Discovered) -> Option<bool> {
        let same_server = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_some() && t.issuer == found.issuer);
        if !same_server {
            return None;
        }
        let client = self.known_client(state, found)?;
        match self.refresh_with(&client, found).await {
            Ok(()) => Some(true),
            Err(e) => {
                tracing::debug!(reason = e, "refreshing the token failed; logging in again");
                Some(false)
            }
        }
    }

    /// The client's identity at `found`'s authorization server, without registering: from this
    /// process's logins, else from the configuration or the store.
    fn known_client(&self, state: &State, found: &Discovered) -> Option<Registered> {
        state
            .clients
            .get(&found.issuer)
            .cloned()
            .or_else(|| registration::known(&self.config, found, self.config.machine()))
    }

    /// Refresh with what the last login found; in a process that has not logged in (the tokens
    /// came from the store), discover the authorization server first.
    async fn refresh(&self, state: &mut State) -> Result<(), String> {
        if state.discovered.is_none() {
            let found = discover(&self.http, &self.server, &Challenge::default()).await?;
            state.discovered = Some(found);
        }
        let found = state
            .discovered
            .as_ref()
            .ok_or("no authorization server known yet")?;
        let issued_there = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|t| t.issuer == found.issuer);
        if !issued_there {
            return Err("the tokens were issued by another authorization server".into());
        }
        let client = self
            .known_client(state, found)
            .ok_or("the client is not registered at the authorization server")?;
        self.refresh_with(&client, found).await
    }

    async fn refresh_with(&self, client: &Registered, found: &Discovered) -> Result<(), String> {
        let (refresh, scope) = {
            let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
            let t = current.as_ref().ok_or("no tokens")?;
            (
                t.refresh_token.clone().ok_or("no refresh token")?,
                t.scope.clone(),
            )
        };
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh.clone()),
            ("resource", found.resource.clone()),
        ];
        let tokens = token::request(
            &self.http,
            &found.server.token_endpoint,
            client,
            form,
            &found.issuer,
            scope,
            Some(refresh),
        )
        .await?;
        self.keep(tokens);
        Ok(())
    }

    fn keep(&self, tokens: Tokens) {
        self.config.store.save(self.server.as_str(), &tokens);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens);
    }
}

/// Check the authorization response at `redirect` and return its code: the `state` sent, no
/// `error`, and an `iss` (RFC 9207) that is the issuer exactly, required when the server
/// advertises it.
pub(super) fn check_redirect(
    redirect: &str,
    state: &str,
    found: &Discovered,
) -> Result<String, String> {
    let url = Url::parse(redirect)
        .map_err(|e| format!("the authorization redirect is not a URL: {e}"))?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        return Err(format!(
            "the authorization server refused: {error} {description}"
        ));
    }
    if param("state").as_deref() != Some(state) {
        return Err("the authorization response's `state` is not the one sent; ignoring it".into());
    }
    match param("iss") {
        Some(iss) if iss != found.server.issuer => {
            return Err(format!(
                "the authorization response comes from issuer `{iss}`, not `{}`; ignoring it",
                found.server.issuer
            ))
        }
        None if found.server.authorization_response_iss_parameter_supported => {
            return Err(
                "the authorization response has no `iss` though the server advertises it; \
                 ignoring it"
                    .into(),
            )
        }
        _ => {}
    }
    param("code").ok_or_else(|| "the authorization response has no `code`".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::auth::discovery::ServerMetadata;

    fn found(advertises_iss: bool) -> Discovered {
        Discovered {
            resource: "https://mcp.example/mcp".into(),
            scopes_supported: None,
            issuer: "https://as.example".into(),
            server: ServerMetadata {
                issuer: "https://as.example".into(),
                authorization_endpoint: Some("https://as.example/authorize".into()),
                token_endpoint: "https://as.example/token".into(),
                registration_endpoint: None,
                scopes_supported: None,
                token_endpoint_auth_methods_supported: None,
                code_challenge_methods_supported: Some(vec!["S256".into()]),
                client_id_metadata_document_supported: false,
                authorization_response_iss_parameter_supported: advertises_iss,
            },
        }
    }

    const BACK: &str = "http://localhost:3000/callback";

    #[test]
    fn a_matching_response_gives_its_code() {
        let url = format!("{BACK}?code=c1&state=s1&iss=https%3A%2F%2Fas.example");
        assert_eq!(check_redirect(&url, "s1", &found(true)), Ok("c1".into()));
        let url = format!("{BACK}?code=c2&state=s1");
        assert_eq!(check_redirect(&url, "s1", &found(false)), Ok("c2".into()));
    }

    #[test]
    fn the_state_must_be_the_one_sent() {
        let url = format!("{BACK}?code=c1&state=other");
        assert!(check_redirect(&url, "s1", &found(false)).is_err());
        let url = format!("{BACK}?code=c1");
        assert!(check_redirect(&url, "s1", &found(false)).is_err());
    }

    #[test]
    fn iss_is_compared_exactly_and_required_when_advertised() {
        for iss in ["https%3A%2F%2Fevil.example", "https%3A%2F%2Fas.example%2F"] {
            let url = format!("{BACK}?code=c1&state=s1&iss={iss}");
            assert!(check_redirect(&url, "s1", &found(true)).is_err(), "{iss}");
            // Present but not advertised: still compared.
            assert!(check_redirect(&url, "s1", &found(false)).is_err(), "{iss}");
        }
        let url = format!("{BACK}?code=c1&state=s1");
        assert!(check_redirect(&url, "s1", &found(true)).is_err());
    }

    #[test]
    fn an_error_response_is_reported() {
        let url = format!("{BACK}?error=access_denied&error_description=no&state=s1");
        let e = check_redirect(&url, "s1", &found(false)).unwrap_err();
        assert!(e.contains("access_denied"), "{e}");
    }

    fn oauth(offline_access: bool) -> Arc<OAuth> {
        let config = OAuthConfig::new(BACK, |_url: String| async { Err("unused".into()) })
            .offline_access(offline_access);
        OAuth::new(config, "https://mcp.example/mcp").expect("valid")
    }

    #[test]
    fn scopes_come_from_the_challenge_then_the_metadata() {
        let auth = oauth(false);
        let state = State::default();
        let mut f = found(false);
        f.scopes_supported = Some(vec!["a".into(), "b".into()]);
        let challenge = Challenge {
            scope: Some("c d".into()),
            ..Challenge::default()
        };
        assert_eq!(auth.scopes(&state, &challenge, &f, false), ["c", "d"]);
        assert_eq!(
            auth.scopes(&state, &Challenge::default(), &f, false),
            ["a", "b"]
        );
        f.scopes_supported = None;
        assert!(auth
            .scopes(&state, &Challenge::default(), &f, false)
            .is_empty());
    }

    #[test]
    fn configured_scopes_come_first_except_on_a_step_up() {
        let config = OAuthConfig::new(BACK, |_url: String| async { Err("unused".into()) })
            .offline_access(false)
            .scopes(["mine"]);
        let auth = OAuth::new(config, "https://mcp.example/mcp").expect("valid");
        let challenge = Challenge {
            scope: Some("theirs".into()),
            ..Challenge::default()
        };
        let state = State::default();
        assert_eq!(
            auth.scopes(&state, &challenge, &found(false), false),
            ["mine"]
        );
        let state = State {
            requested: vec!["mine".into()],
            ..State::default()
        };
        assert_eq!(
            auth.scopes(&state, &challenge, &found(false), true),
            ["mine", "theirs"]
        );
    }

    #[test]
    fn a_step_up_keeps_the_scopes_asked_before() {
        let auth = oauth(false);
        let state = State {
            requested: vec!["read".into(), "list".into()],
            ..State::default()
        };
        let challenge = Challenge {
            scope: Some("write list".into()),
            error: Some("insufficient_scope".into()),
            ..Challenge::default()
        };
        assert_eq!(
            auth.scopes(&state, &challenge, &found(false), true),
            ["read", "list", "write"]
        );
    }

    #[test]
    fn offline_access_only_where_the_server_offers_it() {
        let state = State::default();
        let challenge = Challenge {
            scope: Some("read".into()),
            ..Challenge::default()
        };
        let mut f = found(false);
        assert_eq!(oauth(true).scopes(&state, &challenge, &f, false), ["read"]);
        f.server.scopes_supported = Some(vec!["read".into(), "offline_access".into()]);
        assert_eq!(
            oauth(true).scopes(&state, &challenge, &f, false),
            ["read", "offline_access"]
        );
        assert_eq!(oauth(false).scopes(&state, &challenge, &f, false), ["read"]);
    }
}
