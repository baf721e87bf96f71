//! Per-handler scopes (`#[tool(scopes = [..])]`, on resources and prompts too) and the caller
//! inside handlers (`ctx.auth()`): a call whose token lacks a scope is answered `403
//! insufficient_scope` naming the scopes (step-up), in a session and in the stateless era;
//! listings show every handler; stdio has no caller and no restriction.

mod auth_support;

use auth_support::{challenge_param, start, Answer, Endpoint};
use serde_json::{json, Value};
use toolsmith::auth::{AuthInfo, BoxFuture, StaticToken, TokenVerifier, VerifyError};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ResourceServer};
use toolsmith_tests::fixtures::one;
use toolsmith_tests::RawClient;

const RESOURCE: &str = "https://mcp.example.test/mcp";
const METADATA: &str = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp";

/// Read a file.
#[tool(scopes = ["files:read"])]
async fn read_file() -> String {
    "contents".into()
}

/// Write a file.
#[tool(scopes = ["files:read", "files:write"])]
async fn write_file() -> String {
    "written".into()
}

/// Who is calling.
#[tool]
async fn whoami(ctx: Context<'_>) -> String {
    match ctx.auth() {
        Some(a) => format!("{} {:?}", a.subject, a.scopes),
        None => "anonymous".into(),
    }
}

/// A tenant chosen by the user's own middleware, and a header of the request.
#[tool]
async fn tenant(ctx: Context<'_>) -> String {
    let Some(request) = ctx.http_request() else {
        return "no HTTP request".into();
    };
    let tenant = request.extensions.get::<Tenant>().map_or("none", |t| t.0);
    let agent = request
        .headers
        .get("x-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?");
    format!("{} {} {tenant} {agent}", request.method, request.uri.path())
}

/// What the user's tower layer puts on each request.
#[derive(Clone)]
struct Tenant(&'static str);

/// Secret notes.
#[resource(uri = "notes://secret", scopes = ["notes:read"])]
async fn secret_notes() -> String {
    "notes".into()
}

/// A review prompt.
#[prompt(scopes = ["prompts"])]
async fn review(text: String) -> String {
    text
}

fn server() -> Server {
    Server::new("scopes-test", "1")
        .tool(read_file)
        .tool(write_file)
        .tool(whoami)
        .tool(tenant)
        .resource(secret_notes)
        .prompt(review)
}

/// An endpoint whose token (`alice-token`) grants `files:read` only.
async fn endpoint() -> Endpoint {
    let token = StaticToken::new("alice-token")
        .subject("alice")
        .scopes(["files:read"]);
    let rs = ResourceServer::new(RESOURCE, token).unwrap();
    start(server(), HttpConfig::default().oauth(rs))
        .await
        .with_token("alice-token")
}

fn assert_step_up(a: &Answer, scope: &str, id: i64) {
    assert_eq!(a.status, 403, "{}", a.body);
    let c = a.challenge();
    assert_eq!(
        challenge_param(c, "error").as_deref(),
        Some("insufficient_scope")
    );
    assert_eq!(challenge_param(c, "scope").as_deref(), Some(scope), "{c}");
    assert_eq!(
        challenge_param(c, "resource_metadata").as_deref(),
        Some(METADATA)
    );
    // The body is the JSON-RPC answer to the request.
    assert_eq!(a.body["id"], id);
    assert_eq!(a.body["error"]["code"], toolsmith::auth::INSUFFICIENT_SCOPE);
}

fn text(a: &Answer) -> &str {
    a.body["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_missing_scope_is_403_with_the_scopes_to_step_up_to() {
    let mut ep = endpoint().await;
    ep.initialize().await;
    let a = ep.call_tool("read_file").await;
    assert_eq!((a.status, text(&a)), (200, "contents"));
    let a = ep.call_tool("write_file").await;
    // All the scopes the tool needs, so the client asks for them together.
    assert_step_up(&a, "files:read files:write", 7);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("files:write") && !message.contains("\"files:read\""),
        "{message}"
    );

    let a = ep
        .post(&json!({"jsonrpc":"2.0","id":8,"method":"resources/read","params":{"uri":"notes://secret"}}))
        .await;
    assert_step_up(&a, "notes:read", 8);
    let a = ep
        .post(&json!({"jsonrpc":"2.0","id":9,"method":"prompts/get","params":{"name":"review","arguments":{"text":"x"}}}))
        .await;
    assert_step_up(&a, "prompts", 9);

    // Listings show every handler, callable or not.
    let a = ep
        .post(&json!({"jsonrpc":"2.0","id":10,"method":"tools/list"}))
        .await;
    let names: Vec<&str> = a.body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.contains(&"write_file"));
}

#[tokio::test]
async fn stateless_calls_are_checked_the_same_way() {
    let ep = endpoint().await;
    let a = ep.call_tool_stateless("read_file").await;
    assert_eq!((a.status, text(&a)), (200, "contents"), "{}", a.body);
    let a = ep.call_tool_stateless("write_file").await;
    assert_step_up(&a, "files:read files:write", 9);
}

#[tokio::test]
async fn handlers_see_the_caller() {
    let mut ep = endpoint().await;
    ep.initialize().await;
    let a = ep.call_tool("whoami").await;
    assert_eq!(text(&a), r#"alice ["files:read"]"#);
    let a = ep.call_tool_stateless("whoami").await;
    assert_eq!(text(&a), r#"alice ["files:read"]"#);

    // The plain bearer token is a caller too, with the scopes its StaticToken gives.
    let mut ep = start(server(), HttpConfig::default().bearer_token("s3cret"))
        .await
        .with_token("s3cret");
    ep.initialize().await;
    let a = ep.call_tool("whoami").await;
    assert_eq!(text(&a), "bearer []");
    // Without scopes, a scoped tool is refused (403, no metadata to point at).
    let a = ep.call_tool("read_file").await;
    assert_eq!(a.status, 403);
    assert_eq!(
        challenge_param(a.challenge(), "scope").as_deref(),
        Some("files:read")
    );
    assert_eq!(challenge_param(a.challenge(), "resource_metadata"), None);
}

#[tokio::test]
async fn stdio_has_no_caller_and_no_restriction() {
    let mut c = RawClient::initialized(server(), json!({})).await;
    let r: Value = c
        .request("tools/call", json!({"name": "whoami", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "anonymous");
    let r: Value = c
        .request("tools/call", json!({"name": "write_file", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "written");
}

#[tokio::test]
async fn handlers_read_the_http_request_and_what_user_layers_set() {
    let router = server()
        .into_http_router(HttpConfig::default())
        .unwrap()
        .layer(axum::middleware::from_fn(
            |mut req: axum::extract::Request, next: axum::middleware::Next| async move {
                req.extensions_mut().insert(Tenant("acme"));
                next.run(req).await
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let r: Value = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "tenant")
        .header("x-agent", "probe/1")
        .body(
            json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tenant",
                "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                         "io.modelcontextprotocol/clientCapabilities":{}}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["result"]["content"][0]["text"], "POST /mcp acme probe/1",
        "{r}"
    );

    // stdio has none.
    let mut c = RawClient::initialized(server(), json!({})).await;
    let r: Value = c
        .request("tools/call", json!({"name": "tenant", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "no HTTP request");
}

/// Two callers: `alice-token` and `bob-token`.
struct Two;

impl TokenVerifier for Two {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(async move {
            match token {
                "alice-token" => Ok(AuthInfo::new("alice")),
                "bob-token" => Ok(AuthInfo::new("bob")),
                _ => Err(VerifyError::Invalid("unknown".into())),
            }
        })
    }
}

/// A stateless `tools/call` of `one` with `extra` params, as `token`'s caller.
async fn call_one(url: &str, token: &str, extra: Value) -> Value {
    let mut params = json!({"name": "one", "arguments": {"question": "Capital?"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {"sampling": {}}}});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "one")
        .body(json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":params}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn request_state_is_bound_to_the_verified_subject() {
    let rs = ResourceServer::new(RESOURCE, Two).unwrap();
    let ep = start(
        Server::new("t", "1").tool(one),
        HttpConfig::default().oauth(rs),
    )
    .await;
    let first = call_one(&ep.url, "alice-token", json!({})).await;
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    let key = first["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let answer = json!({"role": "assistant", "model": "m", "stopReason": "endTurn",
        "content": {"type": "text", "text": "Paris"}});
    let retry = json!({
        "inputResponses": {key: answer},
        "requestState": first["result"]["requestState"],
    });
    // Bob cannot finish Alice's call with her state...
    let r = call_one(&ep.url, "bob-token", retry.clone()).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("caller"),
        "{r}"
    );
    // ...Alice can.
    let r = call_one(&ep.url, "alice-token", retry).await;
    assert_eq!(r["result"]["content"][0]["text"], "Paris", "{r}");
}

#[tokio::test]
async fn a_session_belongs_to_the_caller_that_opened_it() {
    let rs = ResourceServer::new(RESOURCE, Two).unwrap();
    let mut alice = start(server(), HttpConfig::default().oauth(rs))
        .await
        .with_token("alice-token");
    alice.initialize().await;
    let bob = Endpoint {
        url: alice.url.clone(),
        base: alice.base.clone(),
        http: alice.http.clone(),
        token: Some("bob-token".into()),
        session: alice.session.clone(),
    };
    // To Bob, Alice's session does not exist: not on POST, GET or DELETE.
    let a = bob.call_tool("whoami").await;
    assert_eq!(a.status, 404, "{}", a.body);
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let r = bob
            .http
            .request(method.clone(), &bob.url)
            .header("accept", "text/event-stream")
            .header("authorization", "Bearer bob-token")
            .header("mcp-session-id", bob.session.as_deref().unwrap())
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{method}");
    }
    let a = alice.call_tool("whoami").await;
    assert_eq!(text(&a), "alice []");
}
