//! The OAuth resource server with the simplest verifiers (a static token, a custom one):
//! Protected Resource Metadata, the `401`/`400`/`503` answers, and that a slow verifier blocks
//! nobody else. The JWT and introspection verifiers against a real authorization server are in
//! `auth_server.rs`.

mod auth_support;

use std::time::Duration;

use auth_support::{challenge_param, start, Endpoint};
use serde_json::json;
use toolsmith::auth::{AuthInfo, BoxFuture, StaticToken, TokenVerifier, VerifyError};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ResourceServer};
use toolsmith_tests::fixtures::hi;

const RESOURCE: &str = "https://mcp.example.test/mcp";

fn oauth(verifier: impl TokenVerifier) -> ResourceServer {
    ResourceServer::new(RESOURCE, verifier)
        .unwrap()
        .authorization_server("https://auth.example.test")
        .scopes_supported(["files:read", "files:write"])
}

fn server() -> Server {
    Server::new("auth-test", "1").tool(hi)
}

#[tokio::test]
async fn no_token_gets_401_pointing_at_the_metadata() {
    let ep = start(
        server(),
        HttpConfig::default().oauth(oauth(StaticToken::new("s3cret"))),
    )
    .await;
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    let challenge = a.challenge();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        !challenge.contains("error="),
        "no token is no error: {challenge}"
    );
    let url = challenge_param(challenge, "resource_metadata").unwrap();
    assert_eq!(
        url,
        "https://mcp.example.test/.well-known/oauth-protected-resource/mcp"
    );
    assert_eq!(a.body["error"]["code"], -32600);

    // Served here under the endpoint's path, and at the bare well-known path, without a token.
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let (status, doc) = ep.get_json(&format!("{}{path}", ep.base)).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(doc["resource"], RESOURCE);
        assert_eq!(
            doc["authorization_servers"],
            json!(["https://auth.example.test"])
        );
        assert_eq!(
            doc["scopes_supported"],
            json!(["files:read", "files:write"])
        );
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    }
}

#[tokio::test]
async fn a_wrong_token_gets_invalid_token_and_the_right_one_is_served() {
    let mut ep = start(
        server(),
        HttpConfig::default().oauth(oauth(StaticToken::new("s3cret"))),
    )
    .await
    .with_token("wrong");
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        challenge_param(a.challenge(), "error").as_deref(),
        Some("invalid_token")
    );
    assert!(challenge_param(a.challenge(), "resource_metadata").is_some());

    ep.token = Some("s3cret".into());
    ep.initialize().await;
    let a = ep.call_tool("hi").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["result"]["content"][0]["text"], "hi");
}

#[tokio::test]
async fn required_scopes_are_named_in_the_challenge_and_enforced() {
    let rs = oauth(StaticToken::new("s3cret").scopes(["files:read"])).required_scopes(["mcp"]);
    let ep = start(server(), HttpConfig::default().oauth(rs)).await;
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        challenge_param(a.challenge(), "scope").as_deref(),
        Some("mcp")
    );

    let ep = ep.with_token("s3cret");
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        challenge_param(a.challenge(), "error").as_deref(),
        Some("insufficient_scope")
    );
    assert_eq!(
        challenge_param(a.challenge(), "scope").as_deref(),
        Some("mcp")
    );
}

#[tokio::test]
async fn malformed_and_huge_credentials_are_refused_clearly() {
    let mut ep = start(
        server(),
        HttpConfig::default().oauth(oauth(StaticToken::new("s3cret"))),
    )
    .await;
    let huge = format!("Bearer {}", "a".repeat(20_000));
    for (auth, why) in [
        ("Bearer", "empty"),
        ("Bearer a b", "characters"),
        ("Bearer a\"b", "characters"),
        (huge.as_str(), "too long"),
    ] {
        let a = ep
            .post_raw(&Endpoint::initialize_request(), Some(auth))
            .await;
        assert_eq!(a.status, 400, "{auth:.20}");
        assert_eq!(
            challenge_param(a.challenge(), "error").as_deref(),
            Some("invalid_request")
        );
        let message = a.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
        assert!(!message.contains("aaaa"), "the token is never echoed");
    }
    // Another scheme is no bearer token at all.
    let a = ep
        .post_raw(&Endpoint::initialize_request(), Some("Basic czNjcmV0"))
        .await;
    assert_eq!(a.status, 401);
    // And the server is still there.
    ep.token = Some("s3cret".into());
    ep.initialize().await;
}

/// Accepts `ok`; never answers for `hang`.
struct Hanging;

impl TokenVerifier for Hanging {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(async move {
            if token == "hang" {
                futures::future::pending::<()>().await;
            }
            match token {
                "ok" => Ok(AuthInfo::new("alice")),
                _ => Err(VerifyError::Invalid("unknown".into())),
            }
        })
    }
}

#[tokio::test]
async fn a_hanging_verifier_times_out_and_blocks_no_one_else() {
    let rs = oauth(Hanging).verify_timeout(Duration::from_millis(300));
    let ep = start(server(), HttpConfig::default().oauth(rs)).await;
    let hanging = Endpoint {
        url: ep.url.clone(),
        base: ep.base.clone(),
        http: ep.http.clone(),
        token: Some("hang".into()),
        session: None,
    };
    let slow = tokio::spawn(async move { hanging.post(&Endpoint::initialize_request()).await });
    // Served while the other request waits on its verifier.
    let mut ep = ep.with_token("ok");
    ep.initialize().await;
    assert!(!slow.is_finished());
    let a = slow.await.unwrap();
    assert_eq!(a.status, 503);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("could not be verified"), "{message}");
    assert!(a.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn an_unavailable_verifier_is_503_not_401() {
    struct Down;
    impl TokenVerifier for Down {
        fn verify<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
            Box::pin(async { Err(VerifyError::Unavailable("keys unreachable".into())) })
        }
    }
    let ep = start(server(), HttpConfig::default().oauth(oauth(Down)))
        .await
        .with_token("t");
    let a = ep.post(&Endpoint::initialize_request()).await;
    assert_eq!(a.status, 503);
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("keys unreachable"));
}

#[test]
fn a_resource_must_be_an_absolute_url() {
    for bad in ["mcp.example.test/mcp", "ftp://x/y", "https://x/y#frag", ""] {
        let e = ResourceServer::new(bad, StaticToken::new("t")).unwrap_err();
        assert!(e.to_string().contains("OAuth resource"), "{e}");
    }
}

#[tokio::test]
async fn tokens_never_appear_in_the_logs() {
    let logs = toolsmith_tests::logs::Logs::global();

    let secret = "valid-SECRET-token";
    let mut ep = start(
        server(),
        HttpConfig::default().oauth(oauth(StaticToken::new(secret))),
    )
    .await;
    for auth in [
        "Bearer wrong-SECRET-token",
        "Bearer bad\"SECRET\"token",
        "Bearer SECRET-a SECRET-b",
    ] {
        let a = ep
            .post_raw(&Endpoint::initialize_request(), Some(auth))
            .await;
        assert!(a.status == 401 || a.status == 400, "{auth}");
        assert!(!a.challenge().contains("SECRET"), "{}", a.challenge());
        assert!(!a.body.to_string().contains("SECRET"), "{}", a.body);
    }
    ep.token = Some(secret.into());
    ep.initialize().await;
    ep.call_tool("hi").await;

    let text = logs.text();
    // The refusals were logged (so this capture sees the server's logs)...
    assert!(text.contains("bearer token refused"), "{text}");
    assert!(text.contains("malformed Authorization header"), "{text}");
    // ...and no token, valid or not, was.
    assert!(!text.contains("SECRET"), "{text}");
}
