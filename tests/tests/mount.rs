//! `Server::mount`: a server exposes another's tools, resources, prompts and completers under a
//! prefix (tools and prompts `prefix_name`, resources at their own URIs with prefixed names);
//! the mounted handlers run with the outer server's `Context`, so their samples and
//! elicitations reach the end client, in both eras; bad prefixes and clashes are refused.

use serde_json::{json, Map};
use toolsmith::client::Protocol;
use toolsmith::prelude::*;
use toolsmith::protocol::CompleteReference;
use toolsmith::testing::TestClient;
use toolsmith::ToolDef;

/// Ask the model for a headline.
#[tool]
async fn headline(text: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample(format!("Headline for: {text}")).await?.text())
}

/// Ask the user to confirm.
#[tool]
async fn confirm(ctx: Context<'_>) -> Result<String, ToolError> {
    let answer = ctx
        .elicit(
            "Sure?",
            json!({"type": "object", "properties": {"ok": {"type": "boolean"}}}),
        )
        .await?;
    Ok(format!("{:?}", answer.action))
}

/// The desk's style guide.
#[resource(uri = "news://style")]
async fn style() -> String {
    "short words".into()
}

/// One story.
#[resource(uri = "news://stories/{id}")]
async fn story(id: String) -> String {
    format!("story {id}")
}

/// Pitch a story.
#[prompt]
async fn pitch(topic: String) -> String {
    format!("Pitch a story about {topic}.")
}

/// The server being mounted: a news desk.
fn desk() -> Server {
    Server::new("desk", "1")
        .tool(headline)
        .tool(confirm)
        .resource(style)
        .resource(story)
        .prompt(pitch)
        .complete_prompt_argument("pitch", "topic", |typed, _| {
            vec![format!("{typed}-politics"), format!("{typed}-sport")]
        })
}

/// Say what this is.
#[tool]
async fn about() -> String {
    "the hub".into()
}

fn hub() -> Server {
    Server::new("hub", "1").tool(about).mount("news", desk())
}

#[tokio::test]
async fn mounted_tools_sample_and_elicit_through_the_end_client_in_both_eras() {
    for protocol in [Protocol::Legacy, Protocol::Stateless] {
        let client = TestClient::builder(hub())
            .protocol(protocol)
            .sample_reply("Rain again")
            .elicit_accept(json!({"ok": true}))
            .connect()
            .await
            .unwrap();
        let names: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["about", "news_headline", "news_confirm"]);
        let result = client
            .call_tool("news_headline", json!({"text": "weather"}))
            .await
            .unwrap();
        assert_eq!(
            result.text_content(),
            "Rain again",
            "{protocol:?}: {result:?}"
        );
        assert_eq!(
            client.sampled()[0].last_user_text(),
            "Headline for: weather"
        );
        let result = client.call_tool("news_confirm", json!({})).await.unwrap();
        assert_eq!(result.text_content(), "Accept", "{protocol:?}: {result:?}");
        assert_eq!(client.elicited().len(), 1);
        // The original names are not offered.
        let missing = client.call_tool("headline", json!({"text": "x"})).await;
        assert!(missing.is_err() || missing.unwrap().is_error());
        client.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn mounted_resources_keep_their_uris_and_prompts_and_completers_are_prefixed() {
    let client = TestClient::connect(hub()).await.unwrap();
    let resources = client.list_all_resources().await.unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].uri, "news://style");
    assert_eq!(resources[0].name, "news_style");
    let templates = client.list_all_resource_templates().await.unwrap();
    assert_eq!(templates[0].uri_template, "news://stories/{id}");
    assert_eq!(templates[0].name, "news_story");
    let read = client.read_resource("news://stories/7").await.unwrap();
    assert_eq!(
        serde_json::to_value(&read.contents[0]).unwrap()["text"],
        "story 7"
    );
    let prompts = client.list_all_prompts().await.unwrap();
    assert_eq!(prompts[0].name, "news_pitch");
    let got = client
        .get_prompt("news_pitch", json!({"topic": "tides"}))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&got.messages[0]).unwrap()["content"]["text"],
        "Pitch a story about tides."
    );
    let err = client
        .get_prompt("news_pitch", json!({}))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("prompt `news_pitch`"), "{err}");
    let completion = client
        .complete(
            CompleteReference::prompt("news_pitch"),
            "topic",
            "uk",
            Some(Map::new()),
        )
        .await
        .unwrap();
    assert_eq!(completion.values, ["uk-politics", "uk-sport"]);
}

#[tokio::test]
async fn what_the_mounted_server_offers_when_mounted_is_mounted_dynamic_tools_included() {
    let inner = Server::new("inner", "1");
    inner
        .handle()
        .add_tool(ToolDef::dynamic(
            "made",
            json!({"type": "object"}),
            |_ctx, _args| Box::pin(async move { Ok(CallToolResult::text("made at run time")) }),
        ))
        .unwrap();
    let client = TestClient::connect(Server::new("outer", "1").mount("in", inner))
        .await
        .unwrap();
    let result = client.call_tool("in_made", json!({})).await.unwrap();
    assert_eq!(result.text_content(), "made at run time");
}

#[tokio::test]
async fn bad_prefixes_clashes_and_the_mounted_servers_errors_are_refused() {
    for (server, says) in [
        (
            Server::new("hub", "1").mount("two words", desk()),
            "mount prefix `two words` breaks the tool name rule",
        ),
        (
            Server::new("hub", "1")
                .mount("a", desk())
                .mount("b", desk()),
            "two resources have the URI `news://style`",
        ),
        (
            Server::new("hub", "1")
                .tool(about)
                .mount("x", Server::new("bad", "1").tool(about).tool(about)),
            "mounted server `x`: two tools are named `about`",
        ),
    ] {
        let err = TestClient::connect(server)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains(says), "{err}");
    }
}
