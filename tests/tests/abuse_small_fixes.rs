//! The small abuse fixes found by reading (issue 12): template variables stay in their place,
//! paging never overflows, `Host` and `Origin` checks are separate switches, mirrored numbers are
//! compared exactly, and resource subscriptions are bounded and only for resources the server has.

use base64::Engine as _;
use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};
use toolsmith_tests::fixtures::{echo, hi};
use toolsmith_tests::RawClient;

/// A file's metadata.
#[resource(uri = "files://{name}/meta")]
async fn file_meta(name: String) -> String {
    format!("meta of {name}")
}

/// A file's contents.
#[resource(uri = "docs://{+path}")]
async fn doc(path: String) -> String {
    format!("doc {path}")
}

/// The application's configuration.
#[resource(uri = "config://app")]
async fn app_config() -> String {
    "debug = false".into()
}

/// The arguments of `take`, one mirrored into an `Mcp-Param-Ticket` header.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct TakeArgs {
    /// The ticket number.
    #[schemars(extend("x-mcp-header" = "Ticket"))]
    ticket: u64,
}

/// Take a ticket.
#[tool]
async fn take(Params(args): Params<TakeArgs>) -> String {
    format!("took {}", args.ticket)
}

fn server() -> Server {
    Server::new("abuse", "1")
        .tool(hi)
        .tool(echo)
        .tool(take)
        .resource(file_meta)
        .resource(doc)
        .resource(app_config)
}

fn error_code(r: &Value) -> &Value {
    &r["error"]["code"]
}

#[tokio::test]
async fn a_decoded_slash_or_dot_segment_never_reaches_a_template_variable() {
    let mut c = RawClient::initialized(server(), json!({})).await;
    let read = |uri: &str| json!({ "uri": uri });
    let r = c
        .request("resources/read", read("files://notes/meta"))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "meta of notes", "{r}");
    let r = c.request("resources/read", read("docs://a/b.txt")).await;
    assert_eq!(r["result"]["contents"][0]["text"], "doc a/b.txt", "{r}");
    for uri in [
        "files://..%2Fsecret/meta",
        "files://%2E%2E/meta",
        "files://../meta",
        "docs://../etc/passwd",
        "docs://a/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let r = c.request("resources/read", read(uri)).await;
        assert_eq!(error_code(&r), -32002, "{uri}: {r}");
    }
}

#[tokio::test]
async fn the_largest_page_size_with_a_cursor_does_not_overflow() {
    let mut c = RawClient::initialized(server().page_size(usize::MAX), json!({})).await;
    let r = c.request("tools/list", json!({})).await;
    assert_eq!(r["result"]["tools"].as_array().unwrap().len(), 3, "{r}");
    assert!(r["result"].get("nextCursor").is_none(), "{r}");
    // Cursors are opaque; a client can still forge one (this is the server's own form).
    let cursor = |offset: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("toolsmith:{offset}"))
    };
    let r = c
        .request("tools/list", json!({ "cursor": cursor("1") }))
        .await;
    assert_eq!(r["result"]["tools"].as_array().unwrap().len(), 2, "{r}");
    let r = c
        .request("tools/list", json!({ "cursor": cursor("3") }))
        .await;
    assert_eq!(r["result"]["tools"], json!([]), "{r}");
    for offset in [(usize::MAX - 1).to_string(), usize::MAX.to_string()] {
        let r = c
            .request("tools/list", json!({ "cursor": cursor(&offset) }))
            .await;
        assert_eq!(error_code(&r), -32602, "{offset}: {r}");
    }
    // The server is still answering.
    assert!(c.request("ping", json!({})).await.get("result").is_some());
}

#[tokio::test]
async fn subscriptions_are_for_known_resources_and_bounded_in_bytes() {
    // Room for two subscriptions to short URIs, not three.
    let limits = Limits::default().max_subscription_bytes(2 * (64 + 24) + 10);
    let mut c = RawClient::initialized(server().limits(limits), json!({})).await;
    let sub = |uri: &str| json!({ "uri": uri });
    let r = c
        .request("resources/subscribe", sub("nothing://here"))
        .await;
    assert_eq!(error_code(&r), -32002, "{r}");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nothing://here"));
    // A static resource, and a URI a template matches.
    let r = c.request("resources/subscribe", sub("config://app")).await;
    assert_eq!(r["result"], json!({}), "{r}");
    let r = c
        .request("resources/subscribe", sub("files://a/meta"))
        .await;
    assert_eq!(r["result"], json!({}), "{r}");
    let r = c
        .request("resources/subscribe", sub("files://b/meta"))
        .await;
    assert_eq!(error_code(&r), -32600, "{r}");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("too many resource subscriptions"));
    // Unsubscribing makes room again.
    let r = c
        .request("resources/unsubscribe", sub("files://a/meta"))
        .await;
    assert_eq!(r["result"], json!({}), "{r}");
    let r = c
        .request("resources/subscribe", sub("files://b/meta"))
        .await;
    assert_eq!(r["result"], json!({}), "{r}");
}

/// Serve `server` over HTTP on a loopback port; the endpoint's URL.
async fn start_http(server: Server, config: HttpConfig) -> String {
    let router = server.into_http_router(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/mcp")
}

fn initialize() -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}})
}

#[tokio::test]
async fn disabling_host_checks_keeps_origin_checks() {
    let url = start_http(server(), HttpConfig::default().disable_host_checks()).await;
    let http = reqwest::Client::new();
    let post = |host: &str, origin: Option<&str>| {
        let mut r = http
            .post(&url)
            .header("host", host)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(initialize().to_string());
        if let Some(origin) = origin {
            r = r.header("origin", origin);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    // Any Host passes (a proxy in front checks it) ...
    assert_eq!(post("mcp.internal", None).await, 200);
    assert_eq!(
        post("mcp.internal", Some("http://localhost:5173")).await,
        200
    );
    // ... but a page from another origin is still refused.
    assert_eq!(
        post("mcp.internal", Some("https://evil.example")).await,
        403
    );

    let url = start_http(server(), HttpConfig::default().disable_origin_checks()).await;
    let status = http
        .post(&url)
        .header("host", "evil.example")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(initialize().to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403);
}

#[tokio::test]
async fn mirrored_numbers_are_compared_exactly() {
    let url = start_http(server(), HttpConfig::default()).await;
    let http = reqwest::Client::new();
    // 2^53 + 1: as an f64 it would be 2^53, the same as the header below.
    let body = json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{
        "name": "take", "arguments": {"ticket": 9007199254740993_u64}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}}});
    let call = |ticket: &str| {
        let r = http
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "take")
            .header("mcp-param-ticket", ticket)
            .body(body.to_string());
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, r) = call("9007199254740992").await;
    assert_eq!((status, error_code(&r)), (400, &json!(-32020)), "{r}");
    let (status, r) = call("9007199254740993").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["result"]["content"][0]["text"], "took 9007199254740993");
    let (status, _) = call("9007199254740993.0").await;
    assert_eq!(status, 200);
}
