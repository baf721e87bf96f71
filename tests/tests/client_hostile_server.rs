//! Our HTTP client against a server that misbehaves on purpose: what the client holds open for
//! it ends when the client gives up.

use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use futures::StreamExt;
use tokio::sync::oneshot;
use toolsmith::client::{Client, ClientError};

/// Tells the test when the server's response stream is dropped (the client went away).
struct Dropped(Option<oneshot::Sender<()>>);

impl Drop for Dropped {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// A server that answers every POST with an SSE stream of keep-alive comments that never ends
/// (and never carries the answer).
async fn endless_stream_server() -> (String, oneshot::Receiver<()>) {
    let (dropped_tx, dropped) = oneshot::channel();
    let guard = std::sync::Arc::new(std::sync::Mutex::new(Some(dropped_tx)));
    let app = Router::new().route(
        "/mcp",
        post(move || {
            let guard = Dropped(guard.lock().unwrap().take());
            async move {
                let comments = futures::stream::unfold(guard, |guard| async move {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    Some((Ok::<_, std::io::Error>(": still here\n\n"), guard))
                });
                (
                    [(CONTENT_TYPE, "text/event-stream")],
                    axum::body::Body::from_stream(comments.boxed()),
                )
                    .into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, dropped)
}

/// `initialize` is never cancelled, so when its answer stream never ends the failed handshake
/// must stop reading it itself (it read on forever).
#[tokio::test]
async fn a_failed_handshake_stops_reading_an_endless_answer_stream() {
    let (url, dropped) = endless_stream_server().await;
    let error = Client::builder("c", "1")
        .request_timeout(Duration::from_millis(300))
        .connect_http(&url)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Timeout { method, .. } if method == "initialize"),
        "{error:?}"
    );
    tokio::time::timeout(Duration::from_secs(10), dropped)
        .await
        .expect("the client closed the endless stream")
        .expect("the stream's guard reports its drop");
}
