//! Our HTTP client against a server that redirects: redirects are not followed, so neither the
//! custom headers (credentials), nor the session id, nor the request body reach another origin.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use toolsmith::client::{Client, ClientError};

/// What the other origin received: method and headers of each request.
type Received = Arc<Mutex<Vec<(Method, HeaderMap)>>>;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The other origin: records everything and answers nothing useful.
async fn elsewhere() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/mcp",
            any(
                |State(seen): State<Received>, method: Method, headers: HeaderMap| async move {
                    seen.lock().unwrap().push((method, headers));
                    StatusCode::BAD_REQUEST
                },
            ),
        )
        .with_state(Arc::clone(&received));
    (serve(app).await, received)
}

/// A server that answers `initialize` (assigning a session) and notifications itself, and
/// redirects everything else (later requests, the GET stream) to `target` with `307`.
async fn redirecting(target: String) -> String {
    let handler = |State(target): State<String>, method: Method, body: Bytes| async move {
        let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if method == Method::POST && message["method"] == "initialize" {
            let answer = json!({"jsonrpc": "2.0", "id": message["id"], "result": {
                "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "redirector", "version": "1"}}});
            return (
                [
                    ("mcp-session-id", "session-1"),
                    ("content-type", "application/json"),
                ],
                answer.to_string(),
            )
                .into_response();
        }
        if method == Method::POST && message.get("id").is_none() {
            return StatusCode::ACCEPTED.into_response();
        }
        Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header("location", target)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    serve(Router::new().route("/mcp", any(handler)).with_state(target)).await
}

#[tokio::test]
async fn redirects_are_not_followed_and_nothing_reaches_the_other_origin() {
    let (target, received) = elsewhere().await;
    let url = redirecting(target.clone()).await;
    let client = Client::builder("redirect-test", "1")
        .http_header("Authorization", "Bearer secret-token")
        .http_header("X-Api-Key", "secret-key")
        .request_timeout(Duration::from_secs(10))
        .connect_http(&url)
        .await
        .expect("initialize is answered without a redirect");
    assert_eq!(client.session_id().as_deref(), Some("session-1"));

    let error = client.list_tools().await.unwrap_err();
    match &error {
        ClientError::Transport {
            status: Some(307),
            reason,
            ..
        } => {
            assert!(reason.contains("does not follow redirects"), "{reason}");
            assert!(reason.contains(&target), "names where it pointed: {reason}");
        }
        other => panic!("expected a 307 transport error, got {other:?}"),
    }
    client.close().await.unwrap();

    // Neither the request (with its session id and custom headers) nor the GET stream went
    // to the other origin.
    let received = received.lock().unwrap();
    assert!(
        received.is_empty(),
        "the other origin received {:?}",
        received
            .iter()
            .map(|(m, h)| (m.clone(), h.keys().cloned().collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    );
}
