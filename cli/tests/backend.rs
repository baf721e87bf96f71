//! With `OPENAI_BASE_URL` set, sampling goes to that OpenAI-compatible API instead of the
//! offline model (here a stand-in served by the test).

mod common;

use std::sync::{Arc, Mutex};

use axum::routing::post;
use axum::{Json, Router};
use common::{stdio, toolsmith_with_env};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn sampling_goes_to_the_configured_backend() {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let record = Arc::clone(&seen);
    // It answers `neutral` where the offline model would say `positive`.
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |Json(body): Json<Value>| {
            let record = Arc::clone(&record);
            async move {
                record.lock().unwrap().push(body);
                Json(json!({
                    "model": "stand-in-model",
                    "choices": [{
                        "message": { "role": "assistant", "content": "neutral" },
                        "finish_reason": "stop"
                    }]
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let args = stdio(
        &["call", "analyze_sentiment", "text=I love it"],
        "sentiment_server",
    );
    let run = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        toolsmith_with_env(
            &args,
            "",
            &[
                ("OPENAI_BASE_URL", &base),
                ("OPENAI_MODELS", "stand-in-model"),
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("\"label\": \"neutral\""), "{run:?}");
    assert!(
        run.stderr
            .contains("answered by the OpenAI-compatible backend (model stand-in-model)"),
        "{run:?}"
    );
    let requests = seen.lock().unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["model"], "stand-in-model");
}
