//! Reading a request's `Accept` header: which media types it takes.

use http::{header, HeaderMap};

use super::handlers::header_str;

/// True when the `Accept` header lists `mime` (or a range covering it).
pub(super) fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    accepts_all(headers, [mime])
}

/// True when the `Accept` header lists every one of `mimes` (read once for all of them).
pub(super) fn accepts_all<const N: usize>(headers: &HeaderMap, mimes: [&str; N]) -> bool {
    let Some(accept) = header_str(headers, header::ACCEPT) else {
        return false;
    };
    let mut found = [false; N];
    for part in accept.split(',') {
        let t = part.split(';').next().unwrap_or("").trim();
        for (mime, seen) in mimes.iter().zip(&mut found) {
            *seen |= t == *mime
                || t == "*/*"
                || (t.ends_with("/*") && mime.starts_with(&t[..t.len() - 1]));
        }
    }
    found.iter().all(|seen| *seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.parse().expect("a header value"));
        headers
    }

    #[test]
    fn every_type_must_be_listed_or_covered() {
        let both = ["application/json", "text/event-stream"];
        assert!(accepts_all(
            &accept("application/json, text/event-stream"),
            both
        ));
        assert!(accepts_all(&accept("text/*;q=0.5, application/json"), both));
        assert!(accepts_all(&accept("*/*"), both));
        assert!(!accepts_all(&accept("application/json"), both));
        assert!(!accepts_all(&HeaderMap::new(), both));
        assert!(accepts(&accept("text/event-stream"), "text/event-stream"));
    }
}
