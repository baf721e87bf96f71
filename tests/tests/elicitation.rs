//! Typed elicitation and roots, on both protocol eras, from the same handler.

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith_tests::fixtures::roots;
use toolsmith_tests::RawClient;

/// A plan.
#[derive(Debug, Deserialize, JsonSchema, Elicit, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Plan {
    Free,
    Pro,
}

/// Who is signing up.
#[derive(Debug, Deserialize, JsonSchema, Elicit)]
struct SignUp {
    /// Your name
    name: String,
    /// Your age, if you like
    age: Option<u32>,
    newsletter: bool,
    plan: Plan,
}

/// Sign a user up, asking them for their details.
#[tool]
async fn sign_up(ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(match ctx.elicit_as::<SignUp>("Please sign up").await? {
        Elicitation::Accepted(s) => format!(
            "{} ({:?}, {:?}, newsletter {})",
            s.name, s.age, s.plan, s.newsletter
        ),
        Elicitation::Declined => "declined".into(),
        Elicitation::Cancelled => "cancelled".into(),
    })
}

fn server() -> Server {
    Server::new("e", "1").tool(sign_up).tool(roots)
}

fn accept(content: Value) -> Value {
    json!({"action": "accept", "content": content})
}

#[tokio::test]
async fn typed_forms_on_a_live_session() {
    let mut c = RawClient::initialized(server(), json!({"elicitation": {}, "roots": {}})).await;
    let id = c
        .send_request("tools/call", json!({"name": "sign_up", "arguments": {}}))
        .await;
    let ask = c.expect_method("elicitation/create").await;
    let schema = &ask["params"]["requestedSchema"];
    assert_eq!(ask["params"]["message"], "Please sign up");
    assert_eq!(schema["properties"]["name"]["type"], "string");
    assert_eq!(schema["properties"]["age"]["type"], "integer");
    assert_eq!(schema["properties"]["plan"]["enum"], json!(["free", "pro"]));
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": accept(json!({"name": "Ada", "newsletter": true, "plan": "pro"}))})).await;
    assert_eq!(
        c.response(id).await["result"]["content"][0]["text"],
        "Ada (None, Pro, newsletter true)"
    );

    let id = c
        .send_request("tools/call", json!({"name": "sign_up", "arguments": {}}))
        .await;
    let ask = c.expect_method("elicitation/create").await;
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": {"action": "decline"}}))
        .await;
    assert_eq!(
        c.response(id).await["result"]["content"][0]["text"],
        "declined"
    );

    // A submitted form that does not fit is a clear error for the tool.
    let id = c
        .send_request("tools/call", json!({"name": "sign_up", "arguments": {}}))
        .await;
    let ask = c.expect_method("elicitation/create").await;
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": accept(json!({"name": 5}))}))
        .await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["isError"], true);
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("does not fit"),
        "{r}"
    );

    let id = c
        .send_request("tools/call", json!({"name": "roots", "arguments": {}}))
        .await;
    let ask = c.expect_method("roots/list").await;
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": {"roots": [{"uri": "file:///a"}, {"uri": "file:///b", "name": "B"}]}})).await;
    assert_eq!(
        c.response(id).await["result"]["content"][0]["text"],
        "file:///a,file:///b"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_same_handlers_over_multi_round_trips() {
    let mut c = RawClient::start(server());
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "roots": {}}});
    let r1 = c
        .request(
            "tools/call",
            json!({"name": "sign_up", "arguments": {}, "_meta": meta}),
        )
        .await;
    let (key, ask) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(ask["method"], "elicitation/create");
    assert_eq!(
        ask["params"]["requestedSchema"]["properties"]["plan"]["enum"],
        json!(["free", "pro"])
    );
    let r2 = c
        .request("tools/call", json!({"name": "sign_up", "arguments": {}, "_meta": meta,
            "inputResponses": {key: accept(json!({"name": "Lin", "age": 30, "newsletter": false, "plan": "free"}))},
            "requestState": r1["result"]["requestState"]}))
        .await;
    assert_eq!(
        r2["result"]["content"][0]["text"],
        "Lin (Some(30), Free, newsletter false)"
    );

    let r1 = c
        .request(
            "tools/call",
            json!({"name": "roots", "arguments": {}, "_meta": meta}),
        )
        .await;
    let (key, ask) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(ask["method"], "roots/list");
    let r2 = c
        .request("tools/call", json!({"name": "roots", "arguments": {}, "_meta": meta,
            "inputResponses": {key: {"roots": [{"uri": "file:///x"}]}}, "requestState": r1["result"]["requestState"]}))
        .await;
    assert_eq!(r2["result"]["content"][0]["text"], "file:///x");

    // Without the capability, nothing is asked: the tool gets the error at once.
    let r = c
        .request("tools/call", json!({"name": "sign_up", "arguments": {}, "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}))
        .await;
    assert_eq!(r["result"]["isError"], true);
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("elicitation"),
        "{r}"
    );
    c.close().await.unwrap();
}
