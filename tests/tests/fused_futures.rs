//! `Sample`, `Structured` and `Ask` are fused futures: polled again after they completed (as
//! `&mut fut` in a `tokio::select!` loop is), they return `Pending` instead of panicking, and
//! `FusedFuture::is_terminated` says they are done.

use futures::future::FusedFuture;
use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::protocol::{CreateMessageParams, CreateMessageResult};
use toolsmith::SamplerMode;
use toolsmith_tests::RawClient;

/// What polling `fut` again after it completed gives: whether that poll was pending, whether the
/// future says it is terminated, and which branch a biased `select!` that polls it first took.
macro_rules! poll_again {
    ($fut:ident) => {{
        let pending = futures::poll!(&mut $fut).is_pending();
        let terminated = $fut.is_terminated();
        let branch = tokio::select! {
            biased;
            _ = &mut $fut => "the finished future",
            _ = std::future::ready(()) => "the other branch",
        };
        json!({ "pending": pending, "terminated": terminated, "select": branch })
    }};
}

/// Runs a sample, a structured sample and an ask to completion, then polls each again.
#[tool]
async fn poll_again(ctx: Context<'_>) -> String {
    let mut sample = ctx.sample("numbers");
    let before = sample.is_terminated();
    let text = match (&mut sample).await {
        Ok(r) => r.text(),
        Err(e) => format!("sample failed: {e}"),
    };
    let sample_again = poll_again!(sample);

    let mut structured = ctx.sample("numbers").structured::<Vec<u32>>();
    let numbers = match (&mut structured).await {
        Ok(n) => json!(n),
        Err(e) => json!(format!("structured failed: {e}")),
    };
    let structured_again = poll_again!(structured);

    // The client declared no roots capability: the ask completes at once with an error.
    let mut ask = ctx.list_roots();
    let roots = match (&mut ask).await {
        Ok(_) => "roots listed".to_owned(),
        Err(e) => e.to_string(),
    };
    let ask_again = poll_again!(ask);

    json!({
        "terminated_before": before,
        "text": text,
        "numbers": numbers,
        "roots": roots,
        "sample": sample_again,
        "structured": structured_again,
        "ask": ask_again,
    })
    .to_string()
}

#[tokio::test]
async fn completed_requests_polled_again_stay_pending() {
    let local =
        |_: CreateMessageParams| async { Ok(CreateMessageResult::text("local-model", "[1, 2]")) };
    let server = Server::new("s", "1")
        .tool(poll_again)
        .sampler(local, SamplerMode::Always);
    let mut c = RawClient::initialized(server, json!({})).await;
    let r = c
        .request("tools/call", json!({"name": "poll_again", "arguments": {}}))
        .await;
    let text = r["result"]["content"][0]["text"].as_str();
    let out: Value = serde_json::from_str(text.unwrap_or_default())
        .unwrap_or_else(|e| panic!("the tool's report is not JSON ({e}): {r}"));
    assert_eq!(out["terminated_before"], false, "{r}");
    assert_eq!(out["text"], "[1, 2]", "{r}");
    assert_eq!(out["numbers"], json!([1, 2]), "{r}");
    assert!(
        out["roots"].as_str().unwrap().contains("roots"),
        "the ask completed with the capability error: {r}"
    );
    let again = json!({ "pending": true, "terminated": true, "select": "the other branch" });
    assert_eq!(out["sample"], again, "{r}");
    assert_eq!(out["structured"], again, "{r}");
    assert_eq!(out["ask"], again, "{r}");
}
