//! The introspection verifier (RFC 7662) against a real authorization server (`oidc-provider`
//! issuing opaque tokens): active tokens for our resource are served, unknown ones and ones for
//! another resource refused; accepted tokens are remembered, so they keep working while the
//! authorization server is down, while a token never seen before gets a clear `503`.

mod auth_support;

use std::time::Duration;

use auth_support::provider::{AuthServer, CLIENT, RESOURCE_SERVER};
use auth_support::{challenge_param, start, Endpoint};
use toolsmith::auth::IntrospectionVerifier;
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ResourceServer};

/// The provider issues opaque tokens for resources whose path ends in `/opaque`.
const RESOURCE: &str = "https://mcp.example.test/opaque";

/// Who is calling.
#[tool]
async fn whoami(ctx: Context<'_>) -> String {
    ctx.auth().map_or("anonymous".into(), |a| {
        format!("{} {:?}", a.subject, a.scopes)
    })
}

async fn endpoint(auth: &AuthServer) -> Endpoint {
    let verifier =
        IntrospectionVerifier::discover(&auth.issuer, RESOURCE_SERVER.0, RESOURCE_SERVER.1)
            .resource(RESOURCE)
            .fetch_limits(Duration::from_secs(2), 64 * 1024);
    let rs = ResourceServer::new(RESOURCE, verifier)
        .unwrap()
        .authorization_server(&auth.issuer);
    start(
        Server::new("introspect", "1").tool(whoami),
        HttpConfig::default().oauth(rs),
    )
    .await
}

#[tokio::test]
async fn active_tokens_for_this_resource_are_served_and_remembered() {
    let auth = AuthServer::start().await;
    let token = auth.token(CLIENT, "files:read", RESOURCE).await;
    assert_eq!(token.split('.').count(), 1, "an opaque token, not a JWT");
    let mut ep = endpoint(&auth).await.with_token(token.clone());
    ep.initialize().await;
    let a = ep.call_tool_stateless("whoami").await;
    assert_eq!(
        a.body["result"]["content"][0]["text"], r#"mcp-client ["files:read"]"#,
        "{}",
        a.body
    );

    // Unknown to the authorization server.
    let stranger = ep.initialize_with_bearer("not-a-real-token").await;
    assert_eq!(stranger.status, 401);
    let why = challenge_param(stranger.challenge(), "error_description").unwrap();
    assert!(why.contains("not active"), "{why}");

    // Issued for another resource.
    let other = auth
        .token(CLIENT, "", "https://other.example.test/opaque")
        .await;
    let a = ep.initialize_with_bearer(&other).await;
    assert_eq!(a.status, 401);
    let why = challenge_param(a.challenge(), "error_description").unwrap();
    assert!(why.contains("another resource"), "{why}");

    // With the authorization server gone, the remembered token still works; a new one cannot
    // be checked, and says so.
    let fresh = auth.token(CLIENT, "", RESOURCE).await;
    drop(auth);
    let a = ep.call_tool_stateless("whoami").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = ep.initialize_with_bearer(&fresh).await;
    assert_eq!(a.status, 503);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("token introspection"), "{message}");
}
