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
