//! Elicitation in URL mode (2025-11-25): the client capability check, the request's shape in both
//! eras, `notifications/elicitation/complete` (within the request, and later from a
//! `ServerHandle` to the one client that was asked), and the URL-elicitation-required error.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;
use toolsmith::client::{Client, ElicitationMode, Protocol, ServerNotification};
use toolsmith::prelude::*;
use toolsmith::protocol::codes::URL_ELICITATION_REQUIRED;
use toolsmith::protocol::UrlElicitation;
use toolsmith::{ElicitAction, ElicitResult, HttpConfig, ServerHandle};
use toolsmith_tests::RawClient;

/// Ask the user to connect their calendar (URL mode), with the id the caller chose.
#[tool]
async fn connect(id: String, ctx: Context<'_>) -> Result<String, ToolError> {
    let answer = ctx
        .elicit_url("Connect your calendar", "https://example.com/connect", &id)
        .await?;
    Ok(format!("{:?}", answer.action))
}

/// Ask, then say at once that the flow is complete.
#[tool]
async fn connect_and_finish(ctx: Context<'_>) -> Result<String, ToolError> {
    ctx.elicit_url("Connect", "https://example.com/c", "now-1")
        .await?;
    ctx.elicitation_complete("now-1").await;
    Ok("finished".into())
}

/// Needs a connected calendar first.
#[tool]
async fn agenda() -> Result<String, ToolError> {
    Err(ToolError::url_elicitation_required(
        "Connect your calendar first.",
        [UrlElicitation::new(
            "cal-9",
            "https://example.com/connect?s=9",
            "Connect your calendar",
        )],
    ))
}

fn server() -> Server {
    Server::new("url-elicitation", "1.0")
        .tool(connect)
        .tool(connect_and_finish)
        .tool(agenda)
}

fn call(name: &str, arguments: Value) -> Value {
    json!({"name": name, "arguments": arguments})
}

#[tokio::test]
async fn url_mode_needs_the_clients_url_capability() {
    // `elicitation: {}` is form mode only.
    let mut c = RawClient::initialized(server(), json!({"elicitation": {}})).await;
    let r = c
        .request("tools/call", call("connect", json!({"id": "x"})))
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("does not support URL-mode elicitation"),
        "{text}"
    );
    assert!(c.backlog.is_empty(), "nothing was sent: {:?}", c.backlog);
}

#[tokio::test]
async fn a_url_elicitation_and_its_completion_in_the_request_reach_the_client() {
    let caps = json!({"elicitation": {"form": {}, "url": {}}});
    let mut c = RawClient::initialized(server(), caps).await;
    let id = c
        .send_request("tools/call", call("connect_and_finish", json!({})))
        .await;
    let ask = c.expect_method("elicitation/create").await;
    assert_eq!(
        ask["params"],
        json!({"mode": "url", "message": "Connect", "url": "https://example.com/c", "elicitationId": "now-1"})
    );
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": {"action": "accept"}}))
        .await;
    let done = c.expect_method("notifications/elicitation/complete").await;
    assert_eq!(done["params"], json!({"elicitationId": "now-1"}));
    let r = c.response(id).await;
    assert_eq!(r["result"]["content"][0]["text"], "finished", "{r}");
}

#[tokio::test]
async fn the_url_elicitation_required_error_goes_to_url_capable_clients_only() {
    let mut c = RawClient::initialized(server(), json!({"elicitation": {"url": {}}})).await;
    let r = c.request("tools/call", call("agenda", json!({}))).await;
    assert_eq!(r["error"]["code"], URL_ELICITATION_REQUIRED, "{r}");
    assert_eq!(r["error"]["message"], "Connect your calendar first.");
    assert_eq!(
        r["error"]["data"]["elicitations"],
        json!([{"mode": "url", "elicitationId": "cal-9", "url": "https://example.com/connect?s=9", "message": "Connect your calendar"}])
    );

    let mut form_only = RawClient::initialized(server(), json!({"elicitation": {}})).await;
    let r = form_only
        .request("tools/call", call("agenda", json!({})))
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert_eq!(
        r["result"]["content"][0]["text"],
        "Connect your calendar first."
    );
    assert!(
        r["result"].get("_meta").is_none(),
        "the marker is removed: {r}"
    );
}

#[tokio::test]
async fn in_protocol_2026_07_28_a_url_elicitation_is_an_input_request() {
    let mut c = RawClient::start(server());
    let meta = |caps: Value| {
        json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": caps,
            "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
        })
    };
    let mut params = call("connect", json!({"id": "s-1"}));
    params["_meta"] = meta(json!({"elicitation": {"url": {}}}));
    let r = c.request("tools/call", params.clone()).await;
    assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    let asks: Vec<&Value> = r["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .values()
        .collect();
    assert_eq!(asks.len(), 1);
    assert_eq!(asks[0]["method"], "elicitation/create");
    assert_eq!(asks[0]["params"]["mode"], "url");
    assert_eq!(asks[0]["params"]["elicitationId"], "s-1");

    params["_meta"] = meta(json!({"elicitation": {}}));
    let r = c.request("tools/call", params).await;
    let text = r["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("URL-mode elicitation"), "{r}");
}

/// A client over HTTP (handshake era) that accepts URL elicitations and reports notifications.
async fn url_client(url: &str) -> (Client, mpsc::UnboundedReceiver<ServerNotification>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Client::builder("url-client", "1")
        .protocol(Protocol::Legacy)
        .elicitation_handler(|req: toolsmith::client::ElicitationRequest| async move {
            assert_eq!(req.mode, ElicitationMode::Url);
            Ok(ElicitResult::new(ElicitAction::Accept))
        })
        .on_notification(move |n| {
            let _ = tx.send(n);
        })
        .connect_http(url)
        .await
        .unwrap();
    (client, rx)
}

async fn serve_http(server: Server) -> (String, ServerHandle) {
    let handle = server.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve_http_listener(listener, HttpConfig::default()));
    (format!("http://{addr}/mcp"), handle)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<ServerNotification>) -> ServerNotification {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a notification within 10 s")
        .expect("the client is gone")
}

#[tokio::test]
async fn the_toolkit_client_reads_the_elicitations_of_the_error() {
    let (url, _) = serve_http(server()).await;
    let (client, _) = url_client(&url).await;
    let e = client.call_tool("agenda", json!({})).await.unwrap_err();
    assert_eq!(
        e.url_elicitations(),
        Some(vec![UrlElicitation::new(
            "cal-9",
            "https://example.com/connect?s=9",
            "Connect your calendar"
        )])
    );
    let other = client.call_tool("nope", json!({})).await.unwrap_err();
    assert_eq!(other.url_elicitations(), None);
}

#[tokio::test]
async fn a_later_completion_reaches_only_the_client_that_was_asked() {
    let (url, handle) = serve_http(server()).await;
    let (alice, mut alice_heard) = url_client(&url).await;
    let (_bob, mut bob_heard) = url_client(&url).await;
    let r = alice
        .call_tool("connect", json!({"id": "alice-1"}))
        .await
        .unwrap();
    assert_eq!(r.text_content(), "Accept");

    assert!(handle.elicitation_complete("alice-1"));
    assert!(!handle.elicitation_complete("alice-1"), "told once");
    assert!(!handle.elicitation_complete("never-sent"));
    assert_eq!(
        next(&mut alice_heard).await,
        ServerNotification::ElicitationComplete {
            elicitation_id: "alice-1".into()
        }
    );
    // Bob's next notification is the list change sent after the completion: he heard nothing of
    // Alice's elicitation.
    handle.remove_tool("agenda");
    assert_eq!(
        next(&mut bob_heard).await,
        ServerNotification::ToolsListChanged
    );
    assert_eq!(
        next(&mut alice_heard).await,
        ServerNotification::ToolsListChanged
    );
}
