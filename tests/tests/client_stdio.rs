//! The toolkit's client against the real `sentiment_server` example, a child process over stdio.
//!
//! The server is built once per run (`cargo build --workspace --examples`, see `toolsmith_tests::interop`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use toolsmith::client::{
    Client, ClientBuilder, LogMessage, ModelRouter, Progress, SamplingError, SamplingRequest,
};
use toolsmith::protocol::Role;
use toolsmith::LoggingLevel;

fn server_binary() -> PathBuf {
    toolsmith_tests::interop::example_binary("sentiment_server")
}

/// Everything the client received as logs.
type Logs = Arc<Mutex<Vec<LogMessage>>>;

/// Start the server and connect `builder` to it, recording the logs it sends.
async fn start(builder: ClientBuilder) -> (Client, Logs) {
    let logs: Logs = Arc::default();
    let sink = Arc::clone(&logs);
    let client = builder
        .on_log(move |m| sink.lock().unwrap().push(m))
        .request_timeout(Duration::from_secs(20))
        .connect_stdio(tokio::process::Command::new(server_binary()))
        .await
        .expect("connect to sentiment_server");
    (client, logs)
}

/// A client whose model answers with `reply` for every text.
fn answering(reply: &'static str) -> ClientBuilder {
    Client::builder("stdio-test", "1.0").sampling_handler(move |_| async move { Ok(reply) })
}

async fn sentiment(client: &Client, args: Value) -> Value {
    let result = client
        .call_tool("analyze_sentiment", args)
        .await
        .expect("tools/call");
    assert!(!result.is_error(), "{result:?}");
    result
        .structured_content
        .expect("the tool returns structured output")
}

#[tokio::test]
async fn the_handshake_and_the_tool_listing() {
    let (client, _) = start(answering("positive")).await;
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert_eq!(client.server_info().name, "sentiment");
    assert!(client.initialize_result().capabilities.tools.is_some());
    client.ping().await.unwrap();

    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["analyze_sentiment", "analyze_batch"]);
    let single = &tools[0];
    assert_eq!(single.input_schema["type"], "object");
    assert_eq!(
        single.input_schema["properties"]["text"]["type"], "string",
        "{}",
        single.input_schema
    );
    assert!(single.input_schema["properties"].get("model").is_some());
    assert_eq!(single.input_schema["required"], json!(["text"]));
    let output = single.output_schema.as_ref().expect("an output schema");
    assert!(output["properties"].get("label").is_some(), "{output}");
    let batch = &tools[1];
    assert_eq!(batch.input_schema["properties"]["texts"]["type"], "array");
    assert_eq!(batch.input_schema["required"], json!(["texts"]));
    assert!(single.description.as_deref().unwrap().contains("sentiment"));

    // Anything the server does not know is a JSON-RPC error, not a hang.
    let err = client
        .request("resources/unknown", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32601, "{err}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_sampling_request_carries_the_servers_preferences() {
    let seen: Arc<Mutex<Vec<SamplingRequest>>> = Arc::default();
    let s = Arc::clone(&seen);
    let builder = Client::builder("stdio-test", "1.0").sampling_handler(move |req| {
        s.lock().unwrap().push(req);
        async { Ok("neutral") }
    });
    let (client, _) = start(builder).await;
    let out = sentiment(&client, json!({"text": "It rained.", "model": "my-model"})).await;
    assert_eq!(out["label"], "neutral");
    sentiment(&client, json!({"text": "Second text"})).await;

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let hints = |r: &SamplingRequest| -> Vec<String> {
        r.model_preferences()
            .expect("model preferences")
            .hint_names()
            .map(String::from)
            .collect()
    };
    assert_eq!(hints(&seen[0]), ["my-model", "custom_model", "gpt-4o"]);
    assert_eq!(hints(&seen[1]), ["custom_model", "gpt-4o"]);
    for (req, text) in seen.iter().zip(["It rained.", "Second text"]) {
        assert!(!req.system_prompt().unwrap_or("").trim().is_empty());
        assert_eq!(req.params.temperature, Some(0.0));
        assert!(req.max_tokens() <= 20, "maxTokens {}", req.max_tokens());
        assert_eq!(req.messages().len(), 1);
        assert_eq!(req.messages()[0].role, Role::User);
        assert!(req.messages()[0].text().contains(text));
        assert_eq!(req.route, None, "no router was configured");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn model_replies_are_parsed_into_labels() {
    let builder =
        Client::builder("stdio-test", "1.0").sampling_handler(|req: SamplingRequest| async move {
            Ok(match req.last_user_text().as_str() {
                "a" => "Positive.",
                "b" => "NEGATIVE",
                _ => "I cannot say",
            })
        });
    let (client, logs) = start(builder).await;
    for (text, label) in [("a", "positive"), ("b", "negative"), ("c", "unknown")] {
        let out = sentiment(&client, json!({ "text": text })).await;
        assert_eq!(out["label"], label, "{text}: {out}");
        // A text reply is sent as coming from model "unknown" when the client has no router.
        assert_eq!(out["model"], "unknown");
        assert!(out.get("error").is_none(), "{out}");
    }
    assert!(logs.lock().unwrap().is_empty(), "no failures, no logs");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_text_reply_carries_the_routed_model() {
    // The server hints custom_model then gpt-4o: the second hint matches this catalogue.
    let router = ModelRouter::new(["claude-haiku", "gpt-4o-mini"], "claude-haiku");
    let (client, _) = start(answering("positive").model_router(router)).await;
    let out = sentiment(&client, json!({"text": "great"})).await;
    assert_eq!(out["label"], "positive");
    assert_eq!(out["model"], "gpt-4o-mini");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_refused_sample_gives_unknown_and_an_error_log() {
    let builder = Client::builder("stdio-test", "1.0").sampling_handler(|_| async {
        Err::<String, _>(SamplingError::rejected("the user declined"))
    });
    let (client, logs) = start(builder).await;
    let result = client
        .call_tool("analyze_sentiment", json!({"text": "hello"}))
        .await
        .unwrap();
    assert!(!result.is_error(), "{result:?}");
    let out = result.structured_content.unwrap();
    assert_eq!(out["label"], "unknown");
    let error = out["error"].as_str().unwrap();
    assert!(
        error.contains("the user declined") && error.contains("-1"),
        "{error}"
    );
    let logs = logs.lock().unwrap().clone();
    let log = logs
        .iter()
        .find(|l| l.level == LoggingLevel::Error)
        .expect("an error-level log");
    assert!(log.text().contains("the user declined"), "{log:?}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn without_a_sampling_handler_the_server_says_sampling_is_unsupported() {
    let (client, logs) = start(Client::builder("no-sampling", "1.0")).await;
    let out = sentiment(&client, json!({"text": "hello"})).await;
    assert_eq!(out["label"], "unknown");
    let logs = logs.lock().unwrap().clone();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].level, LoggingLevel::Error);
    assert!(
        logs[0].text().contains("does not support sampling"),
        "{:?}",
        logs[0]
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_batch_is_sampled_concurrently_in_order_with_progress() {
    // Later texts answer sooner, so finishing order is the reverse of input order.
    let builder =
        Client::builder("stdio-test", "1.0").sampling_handler(|req: SamplingRequest| async move {
            let text = req.last_user_text();
            let k: u64 = text[text.len() - 1..].parse().unwrap();
            tokio::time::sleep(Duration::from_millis(200 + (5 - k) * 20)).await;
            Ok(text.split(' ').next().unwrap().to_owned())
        });
    let (client, _) = start(builder).await;
    let texts = [
        "positive 1",
        "negative 2",
        "neutral 3",
        "positive 4",
        "negative 5",
    ];
    let updates: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let u = Arc::clone(&updates);
    let started = Instant::now();
    let result = client
        .call_tool_with_progress("analyze_batch", json!({ "texts": texts }), move |p| {
            u.lock().unwrap().push(p)
        })
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(800),
        "5 samples of >= 200 ms took {elapsed:?}: not concurrent"
    );
    let out = result.structured_content.unwrap();
    let labels: Vec<&str> = out["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["positive", "negative", "neutral", "positive", "negative"]
    );
    let updates = updates.lock().unwrap().clone();
    assert_eq!(updates.len(), 5, "{updates:?}");
    for (k, p) in updates.iter().enumerate() {
        let k = k + 1;
        assert_eq!(p.progress, k as f64);
        assert_eq!(p.total, Some(5.0));
        assert_eq!(
            p.message.as_deref(),
            Some(format!("{k} of 5 classified").as_str())
        );
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn bad_arguments_name_the_field_and_the_session_survives() {
    let (client, _) = start(answering("negative")).await;
    for args in [json!({"text": 5}), json!({})] {
        // Invalid arguments are a tool error (a result with isError), not a protocol error.
        let result = client
            .call_tool("analyze_sentiment", args.clone())
            .await
            .unwrap();
        assert!(result.is_error(), "{args}: {result:?}");
        assert!(
            result.text_content().contains("`text`"),
            "{args}: {}",
            result.text_content()
        );
    }
    let out = sentiment(&client, json!({"text": "still here"})).await;
    assert_eq!(out["label"], "negative");
    client.close().await.unwrap();
}

#[tokio::test]
async fn closing_the_client_lets_the_server_exit_cleanly() {
    let (client, _) = start(answering("positive")).await;
    sentiment(&client, json!({"text": "bye"})).await;
    let started = Instant::now();
    let closed = client.close().await.unwrap();
    assert!(!closed.killed, "the server had to be killed");
    let status = closed
        .exit_status
        .expect("a child process has an exit status");
    assert!(status.success(), "{status}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(client.is_closed());
    let err = client.ping().await.unwrap_err();
    assert!(err.is_connection_closed(), "{err:?}");
}

#[tokio::test]
async fn a_missing_server_program_is_a_clear_error() {
    let err = Client::builder("stdio-test", "1.0")
        .connect_stdio(tokio::process::Command::new(
            "/nonexistent/toolsmith-no-such-server",
        ))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("toolsmith-no-such-server"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_exits_at_once_fails_the_handshake_with_its_status() {
    let mut command = tokio::process::Command::new("sh");
    command.args(["-c", "exit 3"]);
    let err = Client::builder("stdio-test", "1.0")
        .connect_stdio(command)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("exited") && message.contains('3'),
        "{message}"
    );
}
