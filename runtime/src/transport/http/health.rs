//! The health (readiness) endpoint for load balancers: `200 ok` while serving, `503 draining`
//! once a graceful shutdown has begun ([`HttpConfig::health_path`](super::HttpConfig::health_path)).

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use http::{header, StatusCode};

use super::shutdown::Draining;

/// A router answering `GET path` with the server's readiness.
pub(super) fn router(path: &str) -> Router {
    Router::new().route(path, get(health))
}

async fn health(draining: Option<Extension<Draining>>) -> Response {
    let draining = draining.is_some_and(|Extension(d)| d.is_unready());
    let (status, body) = if draining {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n")
    } else {
        (StatusCode::OK, "ok\n")
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
