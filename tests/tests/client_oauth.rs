//! The client's OAuth login against a real toolkit server behind a bearer-token layer, with a
//! small authorization server on the same origin: what the conformance suite does not cover
//! (refresh instead of a new login, tokens from the store and their refresh in a new process, the
//! login budget of one request).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use toolsmith::client::auth::{MemoryTokenStore, OAuthConfig, TokenStore, Tokens};
use toolsmith::client::Client;
use toolsmith::{HttpConfig, Server};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// What the authorization server issued and saw.
#[derive(Default)]
struct Issuer {
    base: Mutex<String>,
    /// Access tokens the MCP endpoint accepts.
    valid: Mutex<HashSet<String>>,
    /// Scopes a token must have (empty: none); a token without them gets `403`.
    required_scope: Mutex<Option<String>>,
    issued: AtomicUsize,
    /// `grant_type` of each token request.
    grants: Mutex<Vec<String>>,
    authorizations: AtomicUsize,
}

type Shared = Arc<Issuer>;

fn challenge(base: &str, error: Option<&str>) -> String {
    let mut c =
        format!(r#"Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp""#);
    if let Some(e) = error {
        c.push_str(&format!(r#", error="{e}", scope="admin""#));
    }
    c
}

/// The resource server's check: a valid bearer token, else `401` (or `403` without the
/// required scope).
async fn bearer(State(s): State<Shared>, request: Request, next: Next) -> Response {
    let base = s.base.lock().unwrap().clone();
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let valid = token.is_some_and(|t| s.valid.lock().unwrap().contains(&t));
    if !valid {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, challenge(&base, None))],
        )
            .into_response();
    }
    if s.required_scope.lock().unwrap().is_some() {
        return (
            StatusCode::FORBIDDEN,
            [(
                header::WWW_AUTHENTICATE,
                challenge(&base, Some("insufficient_scope")),
            )],
        )
            .into_response();
    }
    next.run(request).await
}

async fn resource_metadata(State(s): State<Shared>) -> Json<Value> {
    let base = s.base.lock().unwrap().clone();
    Json(json!({"resource": format!("{base}/mcp"), "authorization_servers": [base]}))
}

async fn server_metadata(State(s): State<Shared>) -> Json<Value> {
    let base = s.base.lock().unwrap().clone();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
    }))
}

async fn authorize(State(s): State<Shared>, Query(q): Query<Vec<(String, String)>>) -> Redirect {
    s.authorizations.fetch_add(1, Ordering::SeqCst);
    let state = q
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let base = s.base.lock().unwrap().clone();
    let back = reqwest::Url::parse_with_params(
        REDIRECT,
        [("code", "the-code"), ("state", &state), ("iss", &base)],
    )
    .unwrap();
    Redirect::to(back.as_str())
}

async fn token(State(s): State<Shared>, Form(form): Form<Vec<(String, String)>>) -> Json<Value> {
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    s.grants.lock().unwrap().push(grant);
    let n = s.issued.fetch_add(1, Ordering::SeqCst);
    let access = format!("access-{n}");
    s.valid.lock().unwrap().insert(access.clone());
    Json(json!({
        "access_token": access, "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": format!("refresh-{n}"),
    }))
}

/// A toolkit server at `/mcp` behind [`bearer`], and the authorization server beside it.
async fn protected() -> (String, Shared) {
    let shared = Shared::default();
    let mcp = Server::new("protected", "1")
        .into_http_router(HttpConfig::default())
        .unwrap()
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), bearer));
    let app = Router::new()
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(resource_metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(server_metadata),
        )
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(Arc::clone(&shared))
        .merge(mcp);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *shared.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, shared)
}

/// The user-facing step, headless: follow the authorization endpoint's redirect.
async fn follow(url: String) -> Result<String, String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = http.get(url).send().await.map_err(|e| e.to_string())?;
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| "no redirect".to_owned())
}

fn config() -> OAuthConfig {
    OAuthConfig::new(REDIRECT, follow).pre_registered("test-client", None, None)
}

#[tokio::test]
async fn a_refused_token_is_refreshed_not_logged_in_again() {
    let (base, shared) = protected().await;
    let client = Client::builder("c", "1")
        .oauth(config())
        .connect_http(&format!("{base}/mcp"))
        .await
        .unwrap();
    assert_eq!(shared.authorizations.load(Ordering::SeqCst), 1);
    // The server stops accepting the token (revoked, or expired early).
    shared.valid.lock().unwrap().clear();
    client.ping().await.unwrap();
    assert_eq!(
        shared.authorizations.load(Ordering::SeqCst),
        1,
        "the refresh token should have been used"
    );
    assert_eq!(
        *shared.grants.lock().unwrap(),
        ["authorization_code", "refresh_token"]
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn tokens_in_the_store_are_used_without_logging_in() {
    let (base, shared) = protected().await;
    shared.valid.lock().unwrap().insert("stored".into());
    let store = MemoryTokenStore::new();
    let url = format!("{base}/mcp");
    store.save(
        &url,
        &Tokens {
            access_token: "stored".into(),
            refresh_token: None,
            expires_at: None,
            scope: None,
            issuer: base.clone(),
        },
    );
    let client = Client::builder("c", "1")
        .oauth(config().token_store(store))
        .connect_http(&url)
        .await
        .unwrap();
    client.ping().await.unwrap();
    assert_eq!(shared.authorizations.load(Ordering::SeqCst), 0);
    assert!(shared.grants.lock().unwrap().is_empty());
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_new_client_refreshes_an_expiring_stored_token_without_logging_in() {
    let (base, shared) = protected().await;
    let store = MemoryTokenStore::new();
    let url = format!("{base}/mcp");
    // Kept by an earlier process: expired, with a refresh token (the server refuses it).
    store.save(
        &url,
        &Tokens {
            access_token: "expired".into(),
            refresh_token: Some("stored-refresh".into()),
            expires_at: Some(std::time::SystemTime::now()),
            scope: None,
            issuer: base.clone(),
        },
    );
    let client = Client::builder("c", "1")
        .oauth(config().token_store(store))
        .connect_http(&url)
        .await
        .unwrap();
    client.ping().await.unwrap();
    assert_eq!(shared.authorizations.load(Ordering::SeqCst), 0);
    assert_eq!(*shared.grants.lock().unwrap(), ["refresh_token"]);
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_request_logs_in_at_most_three_times() {
    let (base, shared) = protected().await;
    let client = Client::builder("c", "1")
        .oauth(config())
        .connect_http(&format!("{base}/mcp"))
        .await
        .unwrap();
    // From now on every token lacks a scope the server wants: step-ups never succeed.
    *shared.required_scope.lock().unwrap() = Some("admin".into());
    let before = shared.authorizations.load(Ordering::SeqCst);
    let error = client.ping().await.unwrap_err();
    assert_eq!(error.http_status(), Some(403), "{error}");
    assert_eq!(shared.authorizations.load(Ordering::SeqCst) - before, 3);
    client.close().await.ok();
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let logs = toolsmith_tests::logs::Logs::global();
    let (base, shared) = protected().await;
    let client = Client::builder("c", "1")
        .oauth(config())
        .connect_http(&format!("{base}/mcp"))
        .await
        .unwrap();
    shared.valid.lock().unwrap().clear();
    client.ping().await.unwrap();
    client.close().await.unwrap();
    let text = logs.text();
    assert!(
        text.contains("logged in"),
        "the capture saw nothing of the login:\n{text}"
    );
    for secret in ["access-0", "access-1", "refresh-0", "refresh-1", "the-code"] {
        assert!(!text.contains(secret), "`{secret}` was logged:\n{text}");
    }
}
