//! `structuredContent` checked against the `outputSchema` the tool was listed with.

use super::*;

/// List one tool `count` whose output is `{"n": integer}`, and `loose`, whose schema refers to
/// a local file (never read: not checked).
async fn listed() -> (Arc<Client>, Fake) {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let listing = tokio::spawn(async move { c.list_tools().await });
    let req = fake.recv().await;
    assert_eq!(req["method"], "tools/list");
    fake.answer(
        &req,
        json!({"tools": [
            {"name": "count", "inputSchema": {"type": "object"}, "outputSchema": {
                "type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
            {"name": "loose", "inputSchema": {"type": "object"},
                "outputSchema": {"$ref": "file:///etc/passwd"}}
        ]}),
    )
    .await;
    assert_eq!(listing.await.unwrap().unwrap().len(), 2);
    (client, fake)
}

/// Call `tool`, answered with `result`.
async fn call(
    client: &Arc<Client>,
    fake: &mut Fake,
    tool: &str,
    result: Value,
) -> Result<CallToolResult, ClientError> {
    let c = Arc::clone(client);
    let name = tool.to_owned();
    let call = tokio::spawn(async move { c.call_tool(&name, json!({})).await });
    let req = fake.recv().await;
    assert_eq!(req["params"]["name"], tool);
    fake.answer(&req, result).await;
    call.await.unwrap()
}

#[tokio::test]
async fn structured_content_is_checked_against_the_listed_schema() {
    let (client, mut fake) = listed().await;
    let ok = call(
        &client,
        &mut fake,
        "count",
        json!({"content": [], "structuredContent": {"n": 3}}),
    )
    .await;
    assert_eq!(ok.unwrap().structured_content, Some(json!({"n": 3})));

    let err = call(
        &client,
        &mut fake,
        "count",
        json!({"content": [], "structuredContent": {"n": "three"}}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ClientError::InvalidResponse { method, .. } if method == "tools/call"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("tool `count`") && msg.contains("does not match its outputSchema"),
        "{msg}"
    );

    let err = call(
        &client,
        &mut fake,
        "count",
        json!({"content": [{"type": "text", "text": "3"}]}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("returned no structuredContent"),
        "{err}"
    );

    // A failed call carries no structured output: not checked.
    let failed = call(
        &client,
        &mut fake,
        "count",
        json!({"content": [], "isError": true}),
    )
    .await;
    assert!(failed.unwrap().is_error());
    // A tool never listed, and one whose schema refers elsewhere (not fetched), are not checked.
    call(
        &client,
        &mut fake,
        "unlisted",
        json!({"content": [], "structuredContent": 1}),
    )
    .await
    .unwrap();
    call(
        &client,
        &mut fake,
        "loose",
        json!({"content": [], "structuredContent": 1}),
    )
    .await
    .unwrap();
}

/// 2026-07-28: any output schema and any JSON value, checked like objects are.
#[tokio::test]
async fn non_object_structured_content_is_checked_too() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let listing = tokio::spawn(async move { c.list_tools().await });
    let req = fake.recv().await;
    fake.answer(
        &req,
        json!({"tools": [
            {"name": "ids", "inputSchema": {"type": "object"},
                "outputSchema": {"type": "array", "items": {"type": "integer"}}},
            {"name": "maybe", "inputSchema": {"type": "object"},
                "outputSchema": {"type": ["string", "null"]}},
            {"name": "label", "inputSchema": {"type": "object"},
                "outputSchema": {"type": "string"}}
        ]}),
    )
    .await;
    listing.await.unwrap().unwrap();

    let ok = call(
        &client,
        &mut fake,
        "ids",
        json!({"content": [], "structuredContent": [1, 2]}),
    );
    assert_eq!(ok.await.unwrap().structured_content, Some(json!([1, 2])));
    let err = call(
        &client,
        &mut fake,
        "ids",
        json!({"content": [], "structuredContent": ["a"]}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("does not match its outputSchema"),
        "{err}"
    );
    let err = call(
        &client,
        &mut fake,
        "ids",
        json!({"content": [], "structuredContent": {"a": 1}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("does not match its outputSchema"),
        "{err}"
    );

    // `null` decodes as absent: accepted where the schema allows `null`, and only there.
    let null = call(
        &client,
        &mut fake,
        "maybe",
        json!({"content": [], "structuredContent": null}),
    );
    assert_eq!(null.await.unwrap().structured_content, None);
    let err = call(
        &client,
        &mut fake,
        "label",
        json!({"content": [], "structuredContent": null}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("returned no structuredContent"),
        "{err}"
    );
}
