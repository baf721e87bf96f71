//! RFC 6570 URI templates, the subset resource templates use: `{var}` (one path segment,
//! percent-decoded) and `{+var}` (reserved expansion: may span `/`).
//!
//! A value never smuggles a path out of its place: a `{var}` value is one segment even after
//! percent-decoding (no `/`, and not `.` or `..`), and no `/`-separated segment of a `{+var}`
//! value is `.` or `..` once percent-decoded (a `{+var}` value is handed over as written, its
//! escapes kept).

use std::collections::HashMap;

use toolsmith_rules::Segment;
pub use toolsmith_rules::TemplateError;

/// A parsed URI template that can match concrete URIs. Parsing follows the rules the macros check
/// at compile time (the `toolsmith-rules` crate), so a template `#[resource]` accepts always parses.
#[derive(Debug, Clone, PartialEq)]
pub struct UriTemplate(toolsmith_rules::UriTemplate);

impl UriTemplate {
    /// Parse a template, naming what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, TemplateError> {
        toolsmith_rules::UriTemplate::parse(raw).map(UriTemplate)
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.0.variables()
    }

    /// True when the template has no variables: it names one fixed URI.
    pub(crate) fn is_fixed(&self) -> bool {
        self.0.is_fixed()
    }

    /// Match a concrete URI, returning the variables' values. A URI whose value for a `{var}`
    /// decodes to more than one path segment (`%2F`) or to a dot-segment (`..`, `%2E%2E`), or
    /// whose value for a `{+var}` has a dot-segment once decoded (or a malformed `%` escape),
    /// does not match.
    pub fn matches(&self, uri: &str) -> Option<HashMap<String, String>> {
        let mut vars = HashMap::new();
        let mut rest = uri;
        let mut segments = self.0.segments().peekable();
        while let Some(segment) = segments.next() {
            match segment {
                Segment::Literal(l) => rest = rest.strip_prefix(l)?,
                Segment::Variable { name, reserved } => {
                    let end = match segments.peek() {
                        Some(Segment::Literal(next)) => rest.find(next)?,
                        _ => rest.len(),
                    };
                    let value = &rest[..end];
                    if value.is_empty() || (!reserved && value.contains('/')) {
                        return None;
                    }
                    let value = if reserved {
                        if has_dot_segment(&percent_decode_bytes(value)?) {
                            return None;
                        }
                        value.to_owned()
                    } else {
                        let decoded = percent_decode(value)?;
                        if decoded.contains('/') || has_dot_segment(decoded.as_bytes()) {
                            return None;
                        }
                        decoded
                    };
                    vars.insert(name.to_owned(), value);
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(vars)
    }
}

/// True when a `/`-separated segment of `path` (already percent-decoded) is `.` or `..`: a segment
/// that moves through a path instead of naming something in it.
fn has_dot_segment(path: &[u8]) -> bool {
    path.split(|&b| b == b'/')
        .any(|segment| segment == b"." || segment == b"..")
}

/// `s` with its `%XX` escapes decoded; `None` when an escape is malformed.
fn percent_decode_bytes(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(percent_decode_bytes(s)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_simple_and_reserved_variables() {
        let t = UriTemplate::parse("users://{id}/profile").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["id"]);
        assert_eq!(t.matches("users://42/profile").unwrap()["id"], "42");
        assert_eq!(t.matches("users://a%20b/profile").unwrap()["id"], "a b");
        assert!(t.matches("users://42/other").is_none());
        assert!(t.matches("users:///profile").is_none());
        assert!(t.matches("users://a/b/profile").is_none());

        let t = UriTemplate::parse("file:///{+path}").unwrap();
        assert_eq!(t.matches("file:///a/b/c.txt").unwrap()["path"], "a/b/c.txt");

        let t = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(t.matches("test://template/123/data").unwrap()["id"], "123");
    }

    #[test]
    fn a_simple_value_stays_one_segment_after_decoding() {
        let t = UriTemplate::parse("files://{name}/meta").unwrap();
        for uri in [
            "files://a%2Fb/meta",
            "files://a%2fb/meta",
            "files://%2F/meta",
            "files://../meta",
            "files://./meta",
            "files://%2E%2E/meta",
            "files://%2e./meta",
            "files://.%2e/meta",
            "files://%2E/meta",
            "files://..%2Fetc/meta",
        ] {
            assert_eq!(t.matches(uri), None, "{uri}");
        }
        // Dots inside a name, or more than two, are a name like any other.
        for (uri, name) in [
            ("files://a..b/meta", "a..b"),
            ("files://...meta/meta", "...meta"),
            ("files://.hidden/meta", ".hidden"),
            ("files://v1.2/meta", "v1.2"),
        ] {
            assert_eq!(t.matches(uri).unwrap()["name"], name, "{uri}");
        }
    }

    #[test]
    fn a_reserved_value_has_no_dot_segment() {
        let t = UriTemplate::parse("file:///{+path}").unwrap();
        for uri in [
            "file:///../etc/passwd",
            "file:///a/../../etc/passwd",
            "file:///a/%2E%2E/b",
            "file:///a/.%2e/b",
            "file:///a/..",
            "file:///a/./b",
            "file:///a%2F..%2Fb",
            "file:///a/%zz",
        ] {
            assert_eq!(t.matches(uri), None, "{uri}");
        }
        assert_eq!(t.matches("file:///a/..b/c..").unwrap()["path"], "a/..b/c..");
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(UriTemplate::parse("a://{id").is_err());
        assert!(UriTemplate::parse("a://{a}{b}").is_err());
        assert!(UriTemplate::parse("a://{?q}").is_err());
        assert!(UriTemplate::parse("a://x}").is_err());
        assert!(UriTemplate::parse("a://{a}/{a}").is_err());
    }
}
