//! The `sentiment_server` example's `--fallback-model`: a client that cannot sample still gets a
//! real label, from the server's own (offline lexicon) model, and the answer names that model;
//! a client that can sample is still asked; without the flag the answer stays `unknown`.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::process::Command;
use toolsmith::client::{Client, ClientBuilder, SamplingRequest};
use toolsmith_tests::interop::example_binary;

/// Start `sentiment_server` with `args` (and no `OPENAI_*` variables, so the fallback is the
/// offline model) and connect `builder` to it.
async fn start(args: &[&str], builder: ClientBuilder) -> Client {
    let mut command = Command::new(example_binary("sentiment_server"));
    command.args(args);
    for var in ["OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODELS"] {
        command.env_remove(var);
    }
    builder
        .request_timeout(Duration::from_secs(30))
        .connect_stdio(command)
        .await
        .unwrap_or_else(|e| panic!("connect to sentiment_server {args:?}: {e}"))
}

/// Call `analyze_sentiment` on `text` and return its structured output.
async fn analyze(client: &Client, text: &str) -> Value {
    let result = client
        .call_tool("analyze_sentiment", json!({ "text": text }))
        .await
        .expect("tools/call");
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result.structured_content.expect("structured output")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_sampling_gets_the_servers_own_model() {
    let client = start(&["--fallback-model"], Client::builder("no-sampling", "1.0")).await;
    let positive = analyze(&client, "I love it, it is absolutely wonderful").await;
    assert_eq!(positive["label"], "positive", "{positive}");
    assert_eq!(positive["model"], "lexicon-sentiment-v1", "{positive}");
    assert!(positive.get("error").is_none(), "{positive}");
    let negative = analyze(&client, "This is terrible and I hate it").await;
    assert_eq!(negative["label"], "negative", "{negative}");
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_samples_is_still_asked_first() {
    let builder = Client::builder("sampling", "1.0")
        .sampling_handler(|_req: SamplingRequest| async move { Ok("neutral".to_owned()) });
    let client = start(&["--fallback-model"], builder).await;
    // The lexicon would say positive; the client's model says neutral, and it is the one asked.
    let answer = analyze(&client, "I love it, it is absolutely wonderful").await;
    assert_eq!(answer["label"], "neutral", "{answer}");
    assert_ne!(answer["model"], "lexicon-sentiment-v1", "{answer}");
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_a_client_without_sampling_gets_unknown() {
    let client = start(&[], Client::builder("no-sampling", "1.0")).await;
    let answer = analyze(&client, "I love it, it is absolutely wonderful").await;
    assert_eq!(answer["label"], "unknown", "{answer}");
    assert!(answer.get("model").is_none(), "{answer}");
    assert!(answer["error"].is_string(), "{answer}");
    client.close().await.expect("close");
}
