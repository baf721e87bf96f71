//! Tools returning non-object values (a list, a string, a number, an enum, an `Option`), one
//! handler source for both protocol eras: in 2026-07-28 the tool lists its own output schema and
//! answers with the value itself as `structuredContent`; in 2025-11-25 (object output only) both
//! are wrapped as `{"result": ...}`. An object output is the same in both. The toolkit's client
//! checks every answer against the listed schema (a mismatch would be an error), over streamable
//! HTTP and over a stdio-style pipe.

use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::client::{Client, Protocol};
use toolsmith::prelude::*;
use toolsmith::HttpConfig;
use toolsmith_tests::output_shapes::{rows, server};
use toolsmith_tests::RawClient;

#[derive(Debug, Clone, Copy)]
enum Wire {
    Http,
    Pipe,
}

async fn connect(protocol: Protocol, wire: Wire) -> Client {
    let builder = Client::builder("output-schemas-client", "1.0")
        .protocol(protocol)
        .request_timeout(Duration::from_secs(20));
    match wire {
        Wire::Http => {
            let router = server().into_http_router(HttpConfig::default()).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
            builder
                .connect_http(&format!("http://{addr}/mcp"))
                .await
                .expect("connect over HTTP")
        }
        Wire::Pipe => {
            let (client_end, server_end) = tokio::io::duplex(1 << 20);
            let (sr, sw) = tokio::io::split(server_end);
            tokio::spawn(server().serve(sr, sw));
            let (r, w) = tokio::io::split(client_end);
            builder.connect(r, w).await.expect("connect over the pipe")
        }
    }
}

/// The listed output schemas, by tool name.
async fn schemas(client: &Client) -> serde_json::Map<String, Value> {
    client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                t.name.clone(),
                t.output_schema.clone().unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// Call `tool`: its `structuredContent` (checked by the client against the listed schema) and
/// its text.
async fn call(client: &Client, tool: &str, args: Value) -> (Option<Value>, String) {
    let r = client
        .call_tool(tool, args)
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(!r.is_error(), "{tool}: {r:?}");
    (r.structured_content.clone(), r.text_content())
}

/// `{"result": v}`: a 2025-11-25 wrapping.
fn wrapped(v: Value) -> Option<Value> {
    Some(json!({ "result": v }))
}

/// The schema of `Row` as schemars writes it.
fn row_schema() -> Value {
    json!({
        "description": "A row of a table.",
        "type": "object",
        "properties": {
            "id": {"description": "Its key.", "type": "integer", "format": "uint32", "minimum": 0},
            "name": {"description": "Its name.", "type": "string"}
        },
        "required": ["id", "name"]
    })
}

#[tokio::test]
async fn in_2026_07_28_non_object_outputs_are_sent_as_they_are() {
    for wire in [Wire::Http, Wire::Pipe] {
        let client = connect(Protocol::Stateless, wire).await;
        let s = schemas(&client).await;
        assert_eq!(s["rows"]["type"], "array", "{wire:?}: {}", s["rows"]);
        assert_eq!(s["rows"]["items"], json!({"$ref": "#/$defs/Row"}));
        assert_eq!(s["rows"]["$defs"]["Row"], row_schema());
        // A plain string is plain text: no output schema, no structuredContent.
        assert_eq!(s["label"], Value::Null);
        assert_eq!(s["total"]["type"], "integer");
        assert_eq!(s["mood"]["title"], "Mood", "{}", s["mood"]);
        assert_eq!(s["mood"]["oneOf"][1]["const"], "sad", "{}", s["mood"]);
        assert_eq!(s["fallible_rows"]["type"], "array");
        assert_eq!(s["first_row"]["type"], "object");
        assert!(
            s["find"].get("type") != Some(&json!("object")),
            "{}",
            s["find"]
        );

        let (v, text) = call(&client, "rows", json!({"n": 2})).await;
        let two = json!([{"id": 1, "name": "row 1"}, {"id": 2, "name": "row 2"}]);
        assert_eq!(v, Some(two.clone()), "{wire:?}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), two);
        assert_eq!(
            call(&client, "label", json!({})).await,
            (None, "hello".into())
        );
        assert_eq!(
            call(&client, "total", json!({"a": 2, "b": 3})).await,
            (Some(json!(5)), "5".into())
        );
        let (v, _) = call(&client, "mood", json!({"happy": false})).await;
        assert_eq!(v, Some(json!("sad")));
        let (v, _) = call(&client, "find", json!({"id": 1})).await;
        assert_eq!(v, Some(json!({"id": 1, "name": "row 1"})));
        // `None` is `null`, which reads back as absent, and the schema allows it.
        let (v, text) = call(&client, "find", json!({"id": 2})).await;
        assert_eq!((v, text.as_str()), (None, "null"));
        let (v, _) = call(&client, "fallible_rows", json!({"ok": true})).await;
        assert_eq!(v, Some(json!([{"id": 7, "name": "row 7"}])));
        let failed = client
            .call_tool("fallible_rows", json!({"ok": false}))
            .await
            .unwrap();
        assert!(failed.is_error() && failed.structured_content.is_none());
        assert_eq!(failed.text_content(), "no rows today");
        let (v, _) = call(&client, "first_row", json!({})).await;
        assert_eq!(v, Some(json!({"id": 1, "name": "row 1"})));
    }
}

#[tokio::test]
async fn in_2025_11_25_non_object_outputs_are_wrapped_in_an_object() {
    for wire in [Wire::Http, Wire::Pipe] {
        let client = connect(Protocol::Legacy, wire).await;
        assert_eq!(client.protocol_version(), "2025-11-25");
        let s = schemas(&client).await;
        // Every output schema is an object schema (a plain string has none); the definitions
        // stay at the root.
        for (name, schema) in s.iter().filter(|(_, schema)| !schema.is_null()) {
            assert_eq!(schema["type"], "object", "{wire:?}: {name}: {schema}");
        }
        assert_eq!(
            s["rows"],
            json!({
                "type": "object",
                "$defs": {"Row": row_schema()},
                "properties": {"result": {
                    "type": "array", "items": {"$ref": "#/$defs/Row"}
                }},
                "required": ["result"]
            })
        );
        assert_eq!(s["label"], Value::Null);
        assert_eq!(
            s["mood"]["properties"]["result"]["oneOf"][1]["const"],
            "sad"
        );
        // An object output is not wrapped.
        assert_eq!(s["first_row"]["properties"], row_schema()["properties"]);

        let (v, text) = call(&client, "rows", json!({"n": 1})).await;
        assert_eq!(v, wrapped(json!([{"id": 1, "name": "row 1"}])), "{wire:?}");
        assert_eq!(text, r#"[{"id":1,"name":"row 1"}]"#);
        assert_eq!(
            call(&client, "label", json!({})).await,
            (None, "hello".into())
        );
        let (v, _) = call(&client, "total", json!({"a": 2, "b": 3})).await;
        assert_eq!(v, wrapped(json!(5)));
        let (v, _) = call(&client, "mood", json!({"happy": true})).await;
        assert_eq!(v, wrapped(json!("happy")));
        // An `Option<Row>`'s schema is wrapped, so a row is wrapped too; `None` is a null result.
        let (v, _) = call(&client, "find", json!({"id": 1})).await;
        assert_eq!(v, wrapped(json!({"id": 1, "name": "row 1"})));
        let (v, _) = call(&client, "find", json!({"id": 2})).await;
        assert_eq!(v, wrapped(Value::Null));
        let (v, _) = call(&client, "fallible_rows", json!({"ok": true})).await;
        assert_eq!(v, wrapped(json!([{"id": 7, "name": "row 7"}])));
        let (v, _) = call(&client, "first_row", json!({})).await;
        assert_eq!(v, Some(json!({"id": 1, "name": "row 1"})));
    }
}

/// Ask the model, which may call `rows`.
#[tool]
async fn research_rows(ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample("Which rows?").tool(rows).await?.text())
}

/// A tool loop in 2025-11-25 lists the tools and sends their results the way `tools/list` and
/// `tools/call` do: non-object output wrapped.
#[tokio::test]
async fn in_2025_11_25_a_sampling_tool_loop_wraps_non_object_outputs() {
    let server = Server::new("s", "1").tool(research_rows);
    let mut c = RawClient::initialized(server, json!({"sampling": {"tools": {}}})).await;
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "research_rows", "arguments": {}}),
        )
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    let listed = &ask["params"]["tools"][0];
    assert_eq!(listed["name"], "rows");
    assert_eq!(listed["outputSchema"]["type"], "object", "{listed}");
    assert_eq!(
        listed["outputSchema"]["properties"]["result"]["type"],
        "array"
    );
    let tool_use = json!({"role": "assistant", "model": "m", "stopReason": "toolUse", "content": [
        {"type": "tool_use", "id": "t1", "name": "rows", "input": {"n": 1}}
    ]});
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": tool_use}))
        .await;
    let ask2 = c.expect_method("sampling/createMessage").await;
    let result = &ask2["params"]["messages"][2]["content"];
    assert_eq!(result["type"], "tool_result", "{ask2}");
    assert_eq!(
        result["structuredContent"],
        json!({"result": [{"id": 1, "name": "row 1"}]})
    );
    let done = json!({"role": "assistant", "model": "m", "stopReason": "endTurn",
        "content": {"type": "text", "text": "one row"}});
    c.send(&json!({"jsonrpc": "2.0", "id": ask2["id"], "result": done}))
        .await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["content"][0]["text"], "one row", "{r}");
    // Its own result is a plain string: text only, nothing to wrap.
    assert_eq!(r["result"].get("structuredContent"), None, "{r}");
}
