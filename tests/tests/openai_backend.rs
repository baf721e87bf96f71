//! The OpenAI-compatible backend against a local fake chat-completions server (no network).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json as AxumJson, Router};
use serde_json::{json, Value};
use toolsmith::client::OpenAiBackend;
use toolsmith::prelude::*;
use toolsmith::protocol::CreateMessageParams;
use toolsmith::SamplerMode;
use toolsmith_tests::RawClient;

type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

#[derive(Clone, Default)]
struct Fake {
    /// Responses to give, in order (status, body); the last one repeats.
    script: Arc<Mutex<Vec<(u16, Value)>>>,
    seen: Seen,
}

async fn completions(
    State(fake): State<Fake>,
    headers: axum::http::HeaderMap,
    AxumJson(body): AxumJson<Value>,
) -> impl IntoResponse {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned());
    fake.seen.lock().unwrap().push((auth, body));
    let mut script = fake.script.lock().unwrap();
    let (status, body) = if script.len() > 1 {
        script.remove(0)
    } else {
        script[0].clone()
    };
    let mut resp = (StatusCode::from_u16(status).unwrap(), AxumJson(body)).into_response();
    if status == 429 {
        resp.headers_mut()
            .insert("retry-after", "0".parse().unwrap());
    }
    resp
}

async fn fake(script: Vec<(u16, Value)>) -> (String, Fake) {
    fake_at("/v1", script).await
}

/// A fake backend whose chat-completions endpoint is under `prefix`.
async fn fake_at(prefix: &str, script: Vec<(u16, Value)>) -> (String, Fake) {
    let fake = Fake {
        script: Arc::new(Mutex::new(script)),
        ..Default::default()
    };
    let app = Router::new()
        .route(&format!("{prefix}/chat/completions"), post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{prefix}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, fake)
}

fn text_reply(text: &str) -> Value {
    json!({"model": "local-7b", "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": text}}]})
}

fn params(v: Value) -> CreateMessageParams {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn maps_requests_and_retries_on_429_and_5xx() {
    let (url, fake) = fake(vec![
        (429, json!({"error": "slow down"})),
        (503, json!({})),
        (200, text_reply("Positive.")),
    ])
    .await;
    let backend = OpenAiBackend::new(url, ["local-7b", "gpt-4o"])
        .api_key("k")
        .retries(3, Duration::from_millis(10));
    let p = params(json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": "I love it"}}],
        "systemPrompt": "Classify.", "maxTokens": 5, "temperature": 0.0, "stopSequences": ["\n"],
        "modelPreferences": {"hints": [{"name": "gpt-4o"}]}
    }));
    let r = backend.complete(&p).await.unwrap();
    assert_eq!(r.text_content(), "Positive.");
    assert_eq!(r.model, "local-7b");
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "two retries then success");
    let (auth, body) = &seen[2];
    assert_eq!(auth.as_deref(), Some("Bearer k"));
    assert_eq!(body["model"], "gpt-4o", "routed by the hint");
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "Classify."})
    );
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": "I love it"})
    );
    assert_eq!(body["max_tokens"], 5);
    assert_eq!(body["temperature"], 0.0);
    assert_eq!(body["stop"], json!(["\n"]));
}

#[tokio::test]
async fn client_errors_are_not_retried_and_tool_calls_map_both_ways() {
    let (url, fake_server) = fake(vec![(400, json!({"error": "bad model"}))]).await;
    let backend = OpenAiBackend::new(url, ["m"]).retries(3, Duration::from_millis(10));
    let p = params(
        json!({"messages": [{"role": "user", "content": {"type": "text", "text": "x"}}], "maxTokens": 5}),
    );
    let e = backend.complete(&p).await.unwrap_err();
    assert!(e.message().contains("400"), "{}", e.message());
    assert_eq!(fake_server.seen.lock().unwrap().len(), 1);

    let body = OpenAiBackend::request_body(
        &params(json!({
            "messages": [
                {"role": "user", "content": {"type": "text", "text": "weather?"}},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "c1", "name": "weather", "input": {"city": "Oslo"}}]},
                {"role": "user", "content": [{"type": "tool_result", "toolUseId": "c1", "content": [{"type": "text", "text": "rain"}]}]}
            ],
            "maxTokens": 50,
            "tools": [{"name": "weather", "description": "Weather", "inputSchema": {"type": "object"}}],
            "toolChoice": {"mode": "auto"}
        })),
        "m",
    );
    assert_eq!(body["tools"][0]["function"]["name"], "weather");
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(
        body["messages"][1]["tool_calls"][0]["function"]["arguments"],
        r#"{"city":"Oslo"}"#
    );
    assert_eq!(
        body["messages"][2],
        json!({"role": "tool", "tool_call_id": "c1", "content": "rain"})
    );

    let r = OpenAiBackend::parse_response(&json!({"model": "m", "choices": [{"finish_reason": "tool_calls", "message": {
        "content": null, "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"}}]}}]}))
    .unwrap();
    assert_eq!(r.stop_reason, Some(toolsmith::StopReason::ToolUse));
    assert!(
        matches!(&r.content[0], toolsmith::protocol::SamplingContent::ToolUse { name, input, .. } if name == "weather" && input["city"] == "Rome")
    );
}

/// Ask the model.
#[tool]
async fn ask(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample(question).max_tokens(10).await?.text())
}

#[tokio::test]
async fn serves_as_the_servers_own_sampler() {
    let (url, _fake) = fake(vec![(200, text_reply("Paris"))]).await;
    let backend = OpenAiBackend::new(url, ["local-7b"]);
    let server = Server::new("s", "1")
        .tool(ask)
        .sampler(backend, SamplerMode::Fallback);
    let mut c = RawClient::initialized(server, json!({})).await;
    let r = c
        .request(
            "tools/call",
            json!({"name": "ask", "arguments": {"question": "Capital of France?"}}),
        )
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "Paris");
}

fn question() -> CreateMessageParams {
    params(
        json!({"messages": [{"role": "user", "content": {"type": "text", "text": "x"}}], "maxTokens": 5}),
    )
}

/// What the backend says when it fails, and where it lives, stay local: the error the MCP server
/// gets names the status only.
#[tokio::test]
async fn backend_error_bodies_and_urls_are_not_passed_on() {
    let secret_body = json!({"error": "invalid key sk-SECRET-123"});
    for status in [400, 503] {
        let (url, _fake) = fake_at("/token-s3cr3t/v1", vec![(status, secret_body.clone())]).await;
        let backend = OpenAiBackend::new(url, ["m"]).retries(1, Duration::ZERO);
        let e = backend.complete(&question()).await.unwrap_err();
        let text = e.message();
        assert!(text.contains(&status.to_string()), "{text}");
        assert!(
            !text.contains("SECRET") && !text.contains("s3cr3t"),
            "{text}"
        );
    }
    // Unreachable: reqwest's own message would name the URL.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let backend = OpenAiBackend::new(format!("http://{addr}/token-s3cr3t/v1"), ["m"])
        .retries(0, Duration::ZERO);
    let e = backend.complete(&question()).await.unwrap_err();
    assert!(e.message().contains("unreachable"), "{}", e.message());
    assert!(!e.message().contains("s3cr3t"), "{}", e.message());
}

/// A huge retry count is bounded (10 retries) and its backoff saturates instead of overflowing.
#[tokio::test]
async fn large_retry_counts_are_bounded_without_overflow() {
    let (url, fake) = fake(vec![(503, json!({}))]).await;
    let backend = OpenAiBackend::new(url, ["m"]).retries(u32::MAX, Duration::ZERO);
    let e = backend.complete(&question()).await.unwrap_err();
    assert!(e.message().contains("503"), "{}", e.message());
    assert_eq!(
        fake.seen.lock().unwrap().len(),
        11,
        "the first attempt and 10 retries"
    );
}

/// A backend that accepts the request and never answers fails the attempt at the timeout.
#[tokio::test]
async fn a_backend_that_never_answers_times_out() {
    let app = Router::new().route(
        "/v1/chat/completions",
        post(std::future::pending::<StatusCode>),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let backend = OpenAiBackend::new(url, ["m"])
        .retries(0, Duration::ZERO)
        .timeout(Duration::from_millis(200));
    let outcome = tokio::time::timeout(Duration::from_secs(30), backend.complete(&question()))
        .await
        .expect("the backend's own timeout ends the attempt");
    let e = outcome.unwrap_err();
    assert!(e.message().contains("unreachable"), "{}", e.message());
}

/// A backend that redirects elsewhere: the prompt is not re-sent to the other origin.
#[tokio::test]
async fn redirects_are_not_followed() {
    let (elsewhere, other) = fake(vec![(200, text_reply("leaked"))]).await;
    let target = format!("{elsewhere}/chat/completions");
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let target = target.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", target)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let backend = OpenAiBackend::new(url, ["m"])
        .api_key("k")
        .retries(0, Duration::ZERO);
    let e = backend.complete(&question()).await.unwrap_err();
    assert!(e.message().contains("307"), "{}", e.message());
    assert!(
        other.seen.lock().unwrap().is_empty(),
        "the prompt reached the other origin"
    );
}
