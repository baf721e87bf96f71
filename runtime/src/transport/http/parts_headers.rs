//! A request's header fields read from its shared `Parts`.

use std::sync::Arc;

use http::HeaderValue;

use crate::transport::Headers;

/// A request's header fields read from its shared `Parts` (kept for the request's facts anyway),
/// so a POST's header map is not copied.
pub(super) struct PartsHeaders(pub(super) Arc<http::request::Parts>);

impl Headers for PartsHeaders {
    fn get(&self, name: &str) -> Option<&[u8]> {
        self.0.headers.get(name).map(HeaderValue::as_bytes)
    }
}
