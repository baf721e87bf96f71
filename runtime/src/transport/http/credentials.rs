//! Reading bearer credentials (RFC 6750 §2.1) and writing `WWW-Authenticate: Bearer`
//! challenges (RFC 6750 §3, RFC 9728 §5.1).

use http::{header, HeaderMap};

/// Why a request's credentials were not usable.
#[derive(Debug, PartialEq)]
pub(crate) enum BadCredentials {
    /// No `Authorization: Bearer` at all (another scheme counts as none).
    Missing,
    /// A bearer credential that is not a bounded RFC 6750 `b64token`.
    Malformed(&'static str),
}

/// The bearer token of `headers`: `Authorization: Bearer <b64token>` (scheme case-insensitive),
/// at most `max` bytes.
pub(crate) fn bearer_token(headers: &HeaderMap, max: usize) -> Result<&str, BadCredentials> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BadCredentials::Missing);
    };
    if values.next().is_some() {
        return Err(BadCredentials::Malformed(
            "more than one Authorization header",
        ));
    }
    let raw = value.as_bytes();
    let Some(space) = raw.iter().position(|&b| b == b' ') else {
        return Err(if raw.eq_ignore_ascii_case(b"bearer") {
            BadCredentials::Malformed("the bearer token is empty")
        } else {
            BadCredentials::Missing
        });
    };
    if !raw[..space].eq_ignore_ascii_case(b"bearer") {
        return Err(BadCredentials::Missing);
    }
    let token = raw[space + 1..].trim_ascii();
    if token.is_empty() {
        return Err(BadCredentials::Malformed("the bearer token is empty"));
    }
    if token.len() > max {
        return Err(BadCredentials::Malformed("the bearer token is too long"));
    }
    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    let body_end = token.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let well_formed = body_end > 0
        && token[..body_end]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !well_formed {
        return Err(BadCredentials::Malformed(
            "the bearer token has characters a token cannot have",
        ));
    }
    std::str::from_utf8(token)
        .map_err(|_| BadCredentials::Malformed("the bearer token is not ASCII"))
}

/// A `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1).
pub(crate) fn challenge_header(
    error: Option<&str>,
    description: Option<&str>,
    scopes: &[&str],
    metadata_url: Option<&str>,
) -> String {
    let quote = |s: &str| -> String {
        // Quoted-string without quotes or backslashes; visible ASCII only.
        s.chars()
            .map(|c| {
                if c == '"' || c == '\\' || !(' '..='~').contains(&c) {
                    '\''
                } else {
                    c
                }
            })
            .collect()
    };
    let mut params = Vec::new();
    if let Some(e) = error {
        params.push(format!("error=\"{e}\""));
    }
    if let Some(d) = description {
        params.push(format!("error_description=\"{}\"", quote(d)));
    }
    if !scopes.is_empty() {
        params.push(format!("scope=\"{}\"", quote(&scopes.join(" "))));
    }
    if let Some(url) = metadata_url {
        params.push(format!("resource_metadata=\"{}\"", quote(url)));
    }
    if params.is_empty() {
        "Bearer".to_owned()
    } else {
        format!("Bearer {}", params.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn auth(value: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(value).unwrap(),
        );
        h
    }

    #[test]
    fn bearer_tokens_are_read_strictly() {
        assert_eq!(
            bearer_token(&auth(b"Bearer abc.DEF-_~+/=="), 64),
            Ok("abc.DEF-_~+/==")
        );
        assert_eq!(bearer_token(&auth(b"bearer abc"), 64), Ok("abc"));
        assert_eq!(
            bearer_token(&HeaderMap::new(), 64),
            Err(BadCredentials::Missing)
        );
        assert_eq!(
            bearer_token(&auth(b"Basic YWxhZGRpbg=="), 64),
            Err(BadCredentials::Missing)
        );
        for bad in [
            &b"Bearer "[..],
            b"Bearer",
            b"Bearer a b",
            b"Bearer a\"b",
            b"Bearer ==",
            b"Bearer \xff",
        ] {
            assert!(
                matches!(
                    bearer_token(&auth(bad), 64),
                    Err(BadCredentials::Malformed(_))
                ),
                "{bad:?}"
            );
        }
        let huge = format!("Bearer {}", "a".repeat(65));
        assert!(matches!(
            bearer_token(&auth(huge.as_bytes()), 64),
            Err(BadCredentials::Malformed(_))
        ));
        let mut two = auth(b"Bearer a");
        two.append(header::AUTHORIZATION, HeaderValue::from_static("Bearer b"));
        assert!(matches!(
            bearer_token(&two, 64),
            Err(BadCredentials::Malformed(_))
        ));
    }

    #[test]
    fn challenges_quote_safely() {
        assert_eq!(
            challenge_header(Some("invalid_token"), Some("bad \"sig\"\n"), &["a", "b"], Some("https://x/m")),
            "Bearer error=\"invalid_token\", error_description=\"bad 'sig''\", scope=\"a b\", resource_metadata=\"https://x/m\""
        );
        assert_eq!(challenge_header(None, None, &[], None), "Bearer");
    }
}
