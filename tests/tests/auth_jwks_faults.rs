//! An issuer whose key set misbehaves: it hangs, answers garbage or too much. The verifier
//! gives a clear error (`503`, the token could not be checked), fetches at most once per
//! interval, and never blocks requests whose keys it already has. The issuer is a real
//! `oidc-provider`; only its JWKS is served through a switchable stand-in.

mod auth_support;

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use auth_support::provider::{jwt_part, AuthServer, CLIENT};
use auth_support::{start, Endpoint};
use axum::routing::get;
use serde_json::{json, Value};
use toolsmith::auth::JwtVerifier;
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ResourceServer};
use toolsmith_tests::fixtures::hi;

const RESOURCE: &str = "https://mcp.example.test/mcp";
const GOOD: u8 = 0;
const HANG: u8 = 1;
const GARBAGE: u8 = 2;
const HUGE: u8 = 3;

/// A JWKS endpoint serving the provider's keys, or hanging, or garbage; counts its fetches.
struct Keys {
    url: String,
    mode: Arc<AtomicU8>,
    fetches: Arc<AtomicUsize>,
}

async fn stand_in(real: Value) -> Keys {
    let mode = Arc::new(AtomicU8::new(GOOD));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (m, f) = (Arc::clone(&mode), Arc::clone(&fetches));
    let router = axum::Router::new().route(
        "/jwks",
        get(move || {
            let (m, f, real) = (Arc::clone(&m), Arc::clone(&f), real.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                match m.load(Ordering::SeqCst) {
                    HANG => futures::future::pending::<String>().await,
                    GARBAGE => "<html>not a key set".to_owned(),
                    HUGE => json!({"keys": [], "pad": "x".repeat(1 << 20)}).to_string(),
                    _ => real.to_string(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Keys {
        url: format!("http://{addr}/jwks"),
        mode,
        fetches,
    }
}

fn config(issuer: &str, verifier: JwtVerifier) -> HttpConfig {
    HttpConfig::default().oauth(
        ResourceServer::new(RESOURCE, verifier)
            .unwrap()
            .authorization_server(issuer),
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn a_hanging_key_set_fails_its_tokens_only() {
    let auth = AuthServer::start().await;
    let keys = stand_in(auth.jwks().await).await;
    let verifier = JwtVerifier::new(&auth.issuer, RESOURCE)
        .jwks_uri(&keys.url)
        .min_refresh_interval(Duration::ZERO)
        .fetch_limits(Duration::from_millis(500), 64 * 1024);
    let ep = start(
        Server::new("t", "1").tool(hi),
        config(&auth.issuer, verifier),
    )
    .await;
    let known = auth.token(CLIENT, "", RESOURCE).await;
    let init = Endpoint::initialize_request();
    assert_eq!(ep.post_raw(&init, Some(&bearer(&known))).await.status, 200);

    // The issuer rotates, and its key set starts hanging.
    auth.rotate().await;
    let unknown = auth.token(CLIENT, "", RESOURCE).await;
    assert_ne!(jwt_part(&known, 0)["kid"], jwt_part(&unknown, 0)["kid"]);
    keys.mode.store(HANG, Ordering::SeqCst);
    let waiting = {
        let (http, url) = (ep.http.clone(), ep.url.clone());
        let auth = bearer(&unknown);
        tokio::spawn(async move {
            let r = http
                .post(url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("authorization", auth)
                .body(Endpoint::initialize_request().to_string())
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    };
    // While that token waits for the keys, a token with a known key is served.
    while keys.fetches.load(Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    assert_eq!(ep.post_raw(&init, Some(&bearer(&known))).await.status, 200);
    assert!(!waiting.is_finished());
    let (status, body) = waiting.await.unwrap();
    assert_eq!(status, 503);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("did not answer within 500 ms"),
        "{message}"
    );
}

#[tokio::test]
async fn a_garbage_or_huge_key_set_is_a_clear_error_fetched_once_per_interval() {
    let auth = AuthServer::start().await;
    let keys = stand_in(auth.jwks().await).await;
    let verifier = JwtVerifier::new(&auth.issuer, RESOURCE)
        .jwks_uri(&keys.url)
        .fetch_limits(Duration::from_secs(5), 64 * 1024);
    let ep = start(
        Server::new("t", "1").tool(hi),
        config(&auth.issuer, verifier),
    )
    .await;
    let token = auth.token(CLIENT, "", RESOURCE).await;
    let init = Endpoint::initialize_request();

    keys.mode.store(GARBAGE, Ordering::SeqCst);
    let a = ep.post_raw(&init, Some(&bearer(&token))).await;
    assert_eq!(a.status, 503);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("not JSON"), "{message}");
    // Within the refresh interval (default 30 s) the failure is remembered, not fetched again:
    // a flood of tokens makes one fetch.
    for _ in 0..5 {
        let a = ep.post_raw(&init, Some(&bearer(&token))).await;
        assert_eq!(a.status, 503);
    }
    assert_eq!(keys.fetches.load(Ordering::SeqCst), 1);

    // A fresh verifier against a key set far over its size cap.
    keys.mode.store(HUGE, Ordering::SeqCst);
    let verifier = JwtVerifier::new(&auth.issuer, RESOURCE)
        .jwks_uri(&keys.url)
        .fetch_limits(Duration::from_secs(5), 64 * 1024);
    let ep = start(
        Server::new("t", "1").tool(hi),
        config(&auth.issuer, verifier),
    )
    .await;
    let a = ep.post_raw(&init, Some(&bearer(&token))).await;
    assert_eq!(a.status, 503);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("more than 65536 bytes"), "{message}");
}
