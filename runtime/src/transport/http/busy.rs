//! The "server busy" refusal over HTTP: a request the dispatcher did not admit (its response is
//! the [`SERVER_BUSY`] error) is answered with `503 Service Unavailable` and `Retry-After`, the
//! JSON-RPC error as its body; one a rate limit refused ([`RATE_LIMITED`]) with
//! `429 Too Many Requests` and `Retry-After`.

use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use serde::Deserialize;

use crate::protocol::codes::{RATE_LIMITED, SERVER_BUSY};

#[derive(Deserialize)]
struct Peek {
    error: Option<ErrorPeek>,
}

#[derive(Deserialize)]
struct ErrorPeek {
    code: i64,
    data: Option<DataPeek>,
}

#[derive(Deserialize)]
struct DataPeek {
    #[serde(rename = "retryAfter")]
    retry_after: Option<u64>,
}

/// The 503 for `frame`, a request's response, when it is the busy error (429 for the
/// rate-limited error); `None` otherwise.
pub(super) fn refusal(frame: &str) -> Option<Response> {
    let error = serde_json::from_str::<Peek>(frame).ok()?.error?;
    let status = match error.code {
        SERVER_BUSY => StatusCode::SERVICE_UNAVAILABLE,
        RATE_LIMITED => StatusCode::TOO_MANY_REQUESTS,
        _ => return None,
    };
    let seconds = error.data.and_then(|d| d.retry_after).unwrap_or(1);
    Some(
        (
            status,
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::RETRY_AFTER, seconds.to_string()),
            ],
            frame.to_owned(),
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_error_becomes_503_with_retry_after() {
        let frame = format!(
            r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":{SERVER_BUSY},"message":"busy","data":{{"retryAfter":3}}}}}}"#
        );
        let r = refusal(&frame).expect("a refusal");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "3");
    }

    #[test]
    fn the_rate_limited_error_becomes_429_with_retry_after() {
        let frame = format!(
            r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":{RATE_LIMITED},"message":"slow down","data":{{"retryAfter":2}}}}}}"#
        );
        let r = refusal(&frame).expect("a refusal");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
    }

    #[test]
    fn other_responses_are_not_refusals() {
        assert!(refusal(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#).is_none());
        assert!(
            refusal(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"x"}}"#).is_none()
        );
    }
}
