//! `examples/oauth_server.rs` against a real authorization server (`oidc-provider`): clients
//! find the issuer in its metadata, its tools need their scopes, and each caller (and
//! `X-Notebook`) has its own notes.

mod auth_support;

use std::process::Stdio;
use std::time::Duration;

use auth_support::provider::{AuthServer, CLIENT};
use serde_json::{json, Value};
use toolsmith_tests::interop::example_binary;

/// A stateless `tools/call` of `name` with `token` and an optional notebook header.
async fn call(
    url: &str,
    token: &str,
    name: &str,
    args: Value,
    notebook: Option<&str>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", name)
        .body(
            json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
                "name": name, "arguments": args,
                "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                          "io.modelcontextprotocol/clientCapabilities": {}}}})
            .to_string(),
        );
    if let Some(n) = notebook {
        r = r.header("x-notebook", n);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn text(v: &Value) -> String {
    v["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_oauth_example_serves_each_caller_with_its_scopes() {
    let auth = AuthServer::start().await;
    let binary = tokio::task::spawn_blocking(|| example_binary("oauth_server"))
        .await
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let resource = format!("{base}/mcp");
    let _server = tokio::process::Command::new(binary)
        .args(["--issuer", &auth.issuer, "--resource", &resource])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let metadata = format!("{base}/.well-known/oauth-protected-resource/mcp");
    let doc: Value = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match reqwest::get(&metadata).await {
                Ok(r) => break r.json().await.unwrap(),
                // Not listening yet: try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await
    .expect("the example listens within 30 s");
    assert_eq!(doc["authorization_servers"], json!([auth.issuer]));
    assert_eq!(doc["resource"], resource);
    assert_eq!(doc["resource_name"], "Notes");

    let reader = auth.token(CLIENT, "notes:read", &resource).await;
    let (status, _) = call(&resource, &reader, "add_note", json!({"text": "hi"}), None).await;
    assert_eq!(status, 403);
    let (status, body) = call(&resource, &reader, "list_notes", json!({}), None).await;
    assert_eq!((status, text(&body)), (200, "[]".to_owned()), "{body}");

    let writer = auth
        .token(CLIENT, "notes:read notes:write", &resource)
        .await;
    let (_, body) = call(
        &resource,
        &writer,
        "add_note",
        json!({"text": "buy milk"}),
        Some("home"),
    )
    .await;
    assert_eq!(text(&body), "1 notes in `home`", "{body}");
    let (_, body) = call(&resource, &writer, "list_notes", json!({}), Some("home")).await;
    assert_eq!(text(&body), r#"["buy milk"]"#, "{body}");
    let (_, body) = call(&resource, &writer, "list_notes", json!({}), None).await;
    assert_eq!(text(&body), "[]", "{body}");
    let (_, body) = call(&resource, &writer, "whoami", json!({}), None).await;
    assert!(text(&body).starts_with("mcp-client with scopes"), "{body}");
}
