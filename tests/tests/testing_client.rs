//! `toolsmith::testing`: a `TestClient` in memory, answering sampling and elicitation from a
//! script, in both eras; what it records, and its errors when the script runs out.

use serde_json::json;
use toolsmith::client::{Protocol, SamplingError};
use toolsmith::prelude::*;
use toolsmith::testing::TestClient;
use toolsmith::ElicitAction;

/// Ask the model twice: a title, then a summary.
#[tool]
async fn headline(text: String, ctx: Context<'_>) -> Result<String, ToolError> {
    let title = ctx.sample(format!("Title for: {text}")).await?.text();
    let summary = ctx.sample(format!("Summary of: {text}")).await?.text();
    Ok(format!("{title} / {summary}"))
}

/// Ask the model, or say it could not.
#[tool]
async fn maybe(ctx: Context<'_>) -> String {
    match ctx.sample("anything").await {
        Ok(r) => r.text(),
        Err(e) => format!("no model: {e}"),
    }
}

/// Ask the user's name.
#[tool]
async fn greet(ctx: Context<'_>) -> Result<String, ToolError> {
    let answer = ctx
        .elicit(
            "Your name?",
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
        )
        .await?;
    Ok(match answer.action {
        ElicitAction::Accept => format!(
            "Hello, {}!",
            answer.content.unwrap_or_default()["name"]
                .as_str()
                .unwrap_or("?")
        ),
        other => format!("no name ({other:?})"),
    })
}

fn server() -> Server {
    Server::new("scripted", "1.0")
        .tool(headline)
        .tool(maybe)
        .tool(greet)
}

#[tokio::test]
async fn scripted_samples_are_answered_in_order_in_both_eras() {
    for protocol in [Protocol::Legacy, Protocol::Stateless] {
        let client = TestClient::builder(server())
            .protocol(protocol)
            .sample_reply("Rain")
            .sample_reply("It rains.")
            .connect()
            .await
            .unwrap();
        let result = client
            .call_tool("headline", json!({"text": "weather"}))
            .await
            .unwrap();
        assert_eq!(result.text_content(), "Rain / It rains.", "{protocol:?}");
        let asked: Vec<String> = client
            .sampled()
            .iter()
            .map(|r| r.last_user_text())
            .collect();
        assert_eq!(
            asked,
            ["Title for: weather", "Summary of: weather"],
            "{protocol:?}"
        );
        assert_eq!(client.unused_answers(), 0);
        client.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_script_that_runs_out_refuses_with_a_clear_error() {
    let client = TestClient::builder(server())
        .sample_reply("Rain")
        .connect()
        .await
        .unwrap();
    let result = client
        .call_tool("headline", json!({"text": "weather"}))
        .await
        .unwrap();
    assert!(result.is_error(), "{result:?}");
    assert!(
        result
            .text_content()
            .contains("no answer for sampling request #2"),
        "{}",
        result.text_content()
    );
}

#[tokio::test]
async fn without_scripted_samples_the_client_cannot_sample_and_errors_are_scripted_too() {
    let client = TestClient::connect(server()).await.unwrap();
    let text = client
        .call_tool("maybe", json!({}))
        .await
        .unwrap()
        .text_content();
    assert!(text.starts_with("no model:"), "{text}");
    assert!(client.sampled().is_empty());

    let client = TestClient::builder(server())
        .sample_error(SamplingError::rejected("the user said no"))
        .connect()
        .await
        .unwrap();
    let text = client
        .call_tool("maybe", json!({}))
        .await
        .unwrap()
        .text_content();
    assert!(text.contains("the user said no"), "{text}");
}

#[tokio::test]
async fn scripted_elicitations_answer_and_are_recorded_in_both_eras() {
    for protocol in [Protocol::Legacy, Protocol::Stateless] {
        let client = TestClient::builder(server())
            .protocol(protocol)
            .elicit_accept(json!({"name": "Ada"}))
            .elicit_decline()
            .connect()
            .await
            .unwrap();
        let first = client
            .call_tool("greet", json!({}))
            .await
            .unwrap()
            .text_content();
        assert_eq!(first, "Hello, Ada!", "{protocol:?}");
        let second = client
            .call_tool("greet", json!({}))
            .await
            .unwrap()
            .text_content();
        assert_eq!(second, "no name (Decline)", "{protocol:?}");
        let asked = client.elicited();
        assert_eq!(asked.len(), 2);
        assert_eq!(asked[0].message, "Your name?");
    }
}

#[tokio::test]
async fn a_server_that_fails_to_start_reports_its_error() {
    let bad = Server::new("bad", "1.0").tool(maybe).tool(maybe);
    let err = TestClient::connect(bad)
        .await
        .err()
        .expect("no server to connect to");
    assert!(
        err.to_string().contains("two tools are named `maybe`"),
        "{err}"
    );
}
