//! A POST's body, read as axum's `Bytes` extractor reads it (under the route's
//! `DefaultBodyLimit`, with the same refusals) but from the request itself: the handler keeps
//! the request's head as it came, instead of the copy a `Parts` extractor makes (its headers
//! cloned, then both dropped, on every POST).

use axum::body::Bytes;
use axum::extract::Request;
use axum::RequestExt as _;
use http::request::Parts;
use http_body_util::BodyExt as _;

/// Why a body could not be read.
#[derive(Debug)]
pub(super) enum BodyError {
    /// Over the route's body limit.
    TooLarge,
    /// Anything else, as axum words it ("Failed to buffer the request body: ...").
    Unreadable(String),
}

/// The request's head, and its body read whole under the route's limit.
pub(super) async fn read(request: Request) -> (Parts, Result<Bytes, BodyError>) {
    let (parts, body) = request.with_limited_body().into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(classify(e)),
    };
    (parts, bytes)
}

/// As axum's `FailedToBufferBody` does: the cause under its error boxes decides.
fn classify(e: axum::Error) -> BodyError {
    let mut cause = e.into_inner();
    loop {
        match cause.downcast::<axum::Error>() {
            Ok(boxed) => cause = boxed.into_inner(),
            Err(other) => {
                cause = other;
                break;
            }
        }
    }
    if cause.is::<http_body_util::LengthLimitError>() {
        BodyError::TooLarge
    } else {
        BodyError::Unreadable(format!("Failed to buffer the request body: {cause}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::{DefaultBodyLimit, FromRequest};
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt as _;

    async fn extractor(request: Request) -> String {
        match Bytes::from_request(request, &()).await {
            Ok(b) => format!("ok {}", b.len()),
            Err(r) => format!("{} {}", r.status().as_u16(), r.body_text()),
        }
    }

    async fn ours(request: Request) -> String {
        let (parts, body) = read(request).await;
        assert_eq!(parts.headers["x-kept"], "yes");
        match body {
            Ok(b) => format!("ok {}", b.len()),
            Err(BodyError::TooLarge) => {
                "413 Failed to buffer the request body: length limit exceeded".into()
            }
            Err(BodyError::Unreadable(text)) => format!("400 {text}"),
        }
    }

    /// What the route answers to a POST of `body` (built twice: bodies are read once).
    async fn answer(path: &str, body: Body) -> String {
        let app = Router::new()
            .route("/extractor", post(extractor))
            .route("/ours", post(ours))
            .layer(DefaultBodyLimit::max(10));
        let request = http::Request::post(path)
            .header("x-kept", "yes")
            .body(body)
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn bodies_read_and_fail_as_the_bytes_extractor_reads_them() {
        let failing = || {
            Body::from_stream(futures::stream::iter([
                Ok(Bytes::from_static(b"abc")),
                Err(std::io::Error::other("the peer went away")),
            ]))
        };
        type Case = (&'static str, fn() -> Body);
        let cases: [Case; 4] = [
            ("within the limit", || Body::from("0123456789")),
            ("empty", Body::empty),
            ("over the limit", || Body::from("0123456789A")),
            ("failing", failing),
        ];
        for (name, body) in cases {
            let expected = answer("/extractor", body()).await;
            assert_eq!(answer("/ours", body()).await, expected, "{name}");
        }
        assert_eq!(
            answer("/ours", Body::from("0123456789A")).await.get(..3),
            Some("413")
        );
        assert!(answer("/ours", failing())
            .await
            .contains("the peer went away"));
    }
}
