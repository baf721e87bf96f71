//! A request's header fields read from its shared `Parts`.

use std::sync::Arc;

use http::header::HeaderName;
use http::HeaderValue;

use crate::protocol::{SESSION_HEADER, VERSION_HEADER};
use crate::transport::Headers;

/// A request's header fields read from its shared `Parts` (kept for the request's facts anyway),
/// so a POST's header map is not copied.
pub(super) struct PartsHeaders(pub(super) Arc<http::request::Parts>);

/// The fields read on every request, as header names built once: a lookup by text parses and
/// checks the name first, every time.
static KNOWN: [(&str, HeaderName); 2] = [
    (SESSION_HEADER, HeaderName::from_static(SESSION_HEADER)),
    (VERSION_HEADER, HeaderName::from_static(VERSION_HEADER)),
];

impl Headers for PartsHeaders {
    fn get(&self, name: &str) -> Option<&[u8]> {
        let headers = &self.0.headers;
        let value = match KNOWN.iter().find(|(known, _)| *known == name) {
            Some((_, header)) => headers.get(header),
            None => headers.get(name),
        };
        value.map(HeaderValue::as_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_other_fields_are_found_and_missing_ones_not() {
        let request = http::Request::post("/mcp")
            .header("Mcp-Session-Id", "abc")
            .header("mcp-protocol-version", "2025-11-25")
            .header("X-Other", "x")
            .body(())
            .unwrap();
        let headers = PartsHeaders(Arc::new(request.into_parts().0));
        assert_eq!(headers.get_str(SESSION_HEADER), Some("abc"));
        assert_eq!(headers.get_str(VERSION_HEADER), Some("2025-11-25"));
        assert_eq!(headers.get_str("x-other"), Some("x"));
        assert_eq!(headers.get("last-event-id"), None);
        let bare = PartsHeaders(Arc::new(http::Request::new(()).into_parts().0));
        assert!(!bare.contains(SESSION_HEADER) && !bare.contains(VERSION_HEADER));
    }
}
