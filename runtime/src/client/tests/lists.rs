//! Typed list calls and their paging: every page followed, one page at a time, a server that
//! pages forever stopped at the limit; and `completion/complete`.

use super::*;
use crate::protocol::CompleteReference;

/// Answer the next request, checking it asks for `method` at `cursor`.
async fn page(fake: &mut Fake, method: &str, cursor: Option<&str>, result: Value) {
    let req = fake.recv().await;
    assert_eq!(req["method"], method, "{req}");
    assert_eq!(req["params"]["cursor"].as_str(), cursor, "{req}");
    fake.answer(&req, result).await;
}

#[tokio::test]
async fn list_all_follows_every_page_of_each_kind() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let listing = tokio::spawn(async move {
        (
            c.list_all_resources().await,
            c.list_all_resource_templates().await,
            c.list_all_prompts().await,
        )
    });
    page(
        &mut fake,
        "resources/list",
        None,
        json!({"resources": [
        {"uri": "a://1", "name": "one", "icons": [{"src": "https://x/i.png", "theme": "light"}]}
    ], "nextCursor": "p2"}),
    )
    .await;
    page(
        &mut fake,
        "resources/list",
        Some("p2"),
        json!({"resources": [
            {"uri": "a://2", "name": "two"}
        ]}),
    )
    .await;
    page(
        &mut fake,
        "resources/templates/list",
        None,
        json!({"resourceTemplates": [
        {"uriTemplate": "a://{id}", "name": "any"}
    ], "nextCursor": null}),
    )
    .await;
    page(
        &mut fake,
        "prompts/list",
        None,
        json!({"prompts": [], "nextCursor": "more"}),
    )
    .await;
    page(
        &mut fake,
        "prompts/list",
        Some("more"),
        json!({"prompts": [
            {"name": "greet", "title": "Greet", "arguments": [{"name": "who", "required": true}]}
        ]}),
    )
    .await;
    let (resources, templates, prompts) = listing.await.unwrap();
    let resources = resources.unwrap();
    assert_eq!(
        resources.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>(),
        ["a://1", "a://2"]
    );
    assert_eq!(resources[0].icons[0].src, "https://x/i.png");
    assert_eq!(resources[0].icons[0].theme.as_deref(), Some("light"));
    assert_eq!(templates.unwrap()[0].uri_template, "a://{id}");
    let prompts = prompts.unwrap();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].title.as_deref(), Some("Greet"));
}

#[tokio::test]
async fn one_page_at_a_time() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let first = tokio::spawn(async move { c.list_prompts_page(None).await });
    page(
        &mut fake,
        "prompts/list",
        None,
        json!({"prompts": [{"name": "a"}], "nextCursor": "n"}),
    )
    .await;
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.items[0].name, "a");
    assert_eq!(first.next_cursor.as_deref(), Some("n"));
    let c = Arc::clone(&client);
    let second = tokio::spawn(async move { c.list_tools_page(Some("n")).await });
    page(
        &mut fake,
        "tools/list",
        Some("n"),
        json!({"tools": [
            {"name": "t", "inputSchema": {"type": "object"}}
        ]}),
    )
    .await;
    let second = second.await.unwrap().unwrap();
    assert_eq!(second.items[0].name, "t");
    assert_eq!(second.next_cursor, None);
    // A malformed page is a clear error, not a panic or an empty list.
    let c = Arc::clone(&client);
    let bad = tokio::spawn(async move { c.list_resources_page(None).await });
    page(
        &mut fake,
        "resources/list",
        None,
        json!({"resources": [], "nextCursor": 7}),
    )
    .await;
    let err = bad.await.unwrap().unwrap_err();
    assert!(
        err.to_string().contains("`nextCursor` is not a string"),
        "{err}"
    );
    let c = Arc::clone(&client);
    let bad = tokio::spawn(async move { c.list_resources_page(None).await });
    page(&mut fake, "resources/list", None, json!({"items": []})).await;
    let err = bad.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("no `resources`"), "{err}");
}

#[tokio::test]
async fn a_server_that_pages_forever_is_stopped_at_the_limit() {
    let builder = Client::builder("c", "1").max_list_pages(5);
    let (client, mut fake, _) = connect(builder).await;
    let listing = tokio::spawn(async move {
        let r = client.list_tools().await;
        (client, r)
    });
    // Five pages, each with a new cursor: the client asks for no sixth.
    for n in 0..5 {
        let cursor = (n > 0).then(|| format!("c{n}"));
        page(
            &mut fake,
            "tools/list",
            cursor.as_deref(),
            json!({
                "tools": [], "nextCursor": format!("c{}", n + 1)
            }),
        )
        .await;
    }
    let (client, r) = tokio::time::timeout(WAIT, listing)
        .await
        .expect("the client kept listing past the page limit")
        .unwrap();
    let err = r.unwrap_err();
    assert!(
        matches!(&err, ClientError::InvalidResponse { method, .. } if method == "tools/list"),
        "{err:?}"
    );
    assert!(err.to_string().contains("after 5 pages"), "{err}");
    // Nothing more was asked: the next frame is the ping sent after the failure.
    let ping = tokio::spawn(async move { client.ping().await });
    let next = fake.recv().await;
    assert_eq!(
        next["method"], "ping",
        "the client asked for a sixth page: {next}"
    );
    fake.answer(&next, json!({})).await;
    ping.await.unwrap().unwrap();
}

#[tokio::test]
async fn complete_sends_the_reference_argument_and_context() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let mut context = Map::new();
    context.insert("language".into(), json!("rust"));
    let call = tokio::spawn(async move {
        client
            .complete(
                CompleteReference::prompt("review"),
                "style",
                "id",
                Some(context),
            )
            .await
    });
    let req = fake.recv().await;
    assert_eq!(req["method"], "completion/complete");
    assert_eq!(
        req["params"],
        json!({"ref": {"type": "ref/prompt", "name": "review"},
               "argument": {"name": "style", "value": "id"},
               "context": {"arguments": {"language": "rust"}}})
    );
    fake.answer(
        &req,
        json!({"completion": {"values": ["idiomatic"], "total": 1, "hasMore": false}}),
    )
    .await;
    let completion = call.await.unwrap().unwrap();
    assert_eq!(completion.values, ["idiomatic"]);
    assert_eq!(
        (completion.total, completion.has_more),
        (Some(1), Some(false))
    );
}
