//! The OAuth resource server against a real authorization server (`oidc-provider`, started
//! from tests/oidc/provider.mjs): JWT access tokens issued for our resource are served; each
//! of a missing, expired, wrong-audience, wrong-issuer, badly signed or unknown-key token is
//! refused; a key rotation is followed. An issuer whose keys hang or are garbage gives a clear
//! error and blocks no other request (`auth_jwks_faults.rs`).

mod auth_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_support::provider::{jwt_part, with_header, AuthServer, CLIENT, SHORT_LIVED};
use auth_support::{challenge_param, start, Endpoint};
use serde_json::json;
use toolsmith::auth::JwtVerifier;
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ResourceServer};
use toolsmith_tests::fixtures::hi;

const RESOURCE: &str = "https://mcp.example.test/mcp";

fn server() -> Server {
    Server::new("auth-test", "1").tool(hi)
}

fn protected(issuer: &str, verifier: JwtVerifier) -> HttpConfig {
    HttpConfig::default().oauth(
        ResourceServer::new(RESOURCE, verifier)
            .unwrap()
            .authorization_server(issuer)
            .scopes_supported(["files:read", "files:write"]),
    )
}

/// The `error_description` of a refusal's challenge.
fn why(a: &auth_support::Answer) -> String {
    challenge_param(a.challenge(), "error_description").unwrap_or_default()
}

#[tokio::test]
async fn a_token_for_this_resource_is_served_and_a_missing_one_points_at_the_issuer() {
    let auth = AuthServer::start().await;
    let mut ep = start(
        server(),
        protected(&auth.issuer, JwtVerifier::new(&auth.issuer, RESOURCE)),
    )
    .await;
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    let url = challenge_param(a.challenge(), "resource_metadata").unwrap();
    // The metadata is served at the endpoint's well-known path (the resource's host is not this
    // test's, so read it here).
    let path = url.split_once("example.test").unwrap().1;
    let (_, doc) = ep.get_json(&format!("{}{path}", ep.base)).await;
    assert_eq!(doc["authorization_servers"], json!([auth.issuer]));
    assert_eq!(doc["resource"], RESOURCE);

    ep.token = Some(auth.token(CLIENT, "files:read", RESOURCE).await);
    ep.initialize().await;
    let a = ep.call_tool("hi").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["result"]["content"][0]["text"], "hi");
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused() {
    let auth = AuthServer::start().await;
    let ep = start(
        server(),
        protected(&auth.issuer, JwtVerifier::new(&auth.issuer, RESOURCE)),
    )
    .await
    .with_token(
        auth.token(CLIENT, "", "https://other.example.test/mcp")
            .await,
    );
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        challenge_param(a.challenge(), "error").as_deref(),
        Some("invalid_token")
    );
    assert!(why(&a).contains("another resource"), "{}", why(&a));
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let auth = AuthServer::start().await;
    let verifier = JwtVerifier::new(&auth.issuer, RESOURCE).leeway(Duration::ZERO);
    let ep = start(server(), protected(&auth.issuer, verifier)).await;
    let token = auth.token(SHORT_LIVED, "", RESOURCE).await;
    let ep = ep.with_token(token.clone());
    // Valid while it lives...
    let a = ep.post(&Endpoint::initialize_request()).await;
    let exp = jwt_part(&token, 1)["exp"].as_u64().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if now < exp {
        assert_eq!(a.status, 200, "{}", why(&a));
    }
    // ...and refused once the wall clock (which the token's `exp` is about) has passed it.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let until_expired = Duration::from_secs(exp + 1).saturating_sub(now);
    tokio::time::sleep(until_expired).await;
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    assert!(why(&a).contains("expired"), "{}", why(&a));
}

#[tokio::test]
async fn a_token_of_another_issuer_is_refused() {
    let ours = AuthServer::start().await;
    let theirs = AuthServer::start().await;
    // Even with their keys at hand, their tokens are not ours.
    let verifier =
        JwtVerifier::new(&ours.issuer, RESOURCE).jwks_uri(format!("{}/jwks", theirs.issuer));
    let ep = start(server(), protected(&ours.issuer, verifier))
        .await
        .with_token(theirs.token(CLIENT, "", RESOURCE).await);
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    assert!(why(&a).contains("another issuer"), "{}", why(&a));

    // And with only our keys, their token's key is unknown.
    let ep = start(
        server(),
        protected(&ours.issuer, JwtVerifier::new(&ours.issuer, RESOURCE)),
    )
    .await
    .with_token(theirs.token(CLIENT, "", RESOURCE).await);
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    assert!(why(&a).contains("unknown key"), "{}", why(&a));
}

#[tokio::test]
async fn a_bad_signature_or_an_unknown_key_is_refused() {
    let auth = AuthServer::start().await;
    let ep = start(
        server(),
        protected(&auth.issuer, JwtVerifier::new(&auth.issuer, RESOURCE)),
    )
    .await;
    let token = auth.token(CLIENT, "", RESOURCE).await;

    // One character of the signature changed.
    let mut forged = token.clone().into_bytes();
    let last = forged.len() - 5;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let a = ep.initialize_with_bearer(&forged).await;
    assert_eq!(a.status, 401);
    assert!(why(&a).contains("signature"), "{}", why(&a));

    // A key the issuer never published (the JWKS is fetched again, and still lacks it).
    let mut header = jwt_part(&token, 0);
    header["kid"] = json!("no-such-key");
    let unknown = with_header(&token, &header);
    let a = ep.initialize_with_bearer(&unknown).await;
    assert_eq!(a.status, 401);
    assert!(why(&a).contains("unknown key `no-such-key`"), "{}", why(&a));

    // An algorithm outside the allow-list.
    header["alg"] = json!("HS256");
    let hs = with_header(&token, &header);
    let a = ep.initialize_with_bearer(&hs).await;
    assert_eq!(a.status, 401);
    assert!(why(&a).contains("not allowed"), "{}", why(&a));

    // The genuine token still works.
    let a = ep.initialize_with_bearer(&token).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn a_key_rotation_is_followed() {
    let auth = AuthServer::start().await;
    let verifier = JwtVerifier::new(&auth.issuer, RESOURCE).min_refresh_interval(Duration::ZERO);
    let ep = start(server(), protected(&auth.issuer, verifier)).await;
    let before = auth.token(CLIENT, "", RESOURCE).await;
    let a = ep.initialize_with_bearer(&before).await;
    assert_eq!(a.status, 200);

    auth.rotate().await;
    let after = auth.token(CLIENT, "", RESOURCE).await;
    assert_ne!(jwt_part(&before, 0)["kid"], jwt_part(&after, 0)["kid"]);
    // The new key is unknown to the cache: fetched again, then accepted.
    let a = ep.initialize_with_bearer(&after).await;
    assert_eq!(a.status, 200, "{}", why(&a));
    // The old key stays published, so tokens signed before the rotation still work.
    let a = ep.initialize_with_bearer(&before).await;
    assert_eq!(a.status, 200);
}
