//! Icon sources (`icons[].src` on the server info, tools, resources and prompts).

use std::fmt;

/// Why a string is not an acceptable icon source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IconError {
    /// The source is empty.
    Empty,
    /// The source is not an `https:`, `http:` or `data:` URI (a `javascript:` or `file:` URI, a
    /// relative path, ...).
    BadScheme {
        /// The source as given.
        src: String,
    },
    /// A `data:` URI that does not hold an image (`data:image/...`).
    NotAnImage {
        /// The source as given (cut short when long).
        src: String,
    },
    /// The source has whitespace or a control character.
    BadChar {
        /// The source as given.
        src: String,
    },
}

impl fmt::Display for IconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IconError::Empty => f.write_str("an icon source cannot be empty"),
            IconError::BadScheme { src } => write!(
                f,
                "icon source `{src}` is not an `https:`, `http:` or `data:` URI (clients refuse other schemes)"
            ),
            IconError::NotAnImage { src } => write!(
                f,
                "icon source `{src}` is a `data:` URI that does not hold an image (expected `data:image/...`)"
            ),
            IconError::BadChar { src } => write!(
                f,
                "icon source `{src}` has whitespace or a control character (percent-encode it)"
            ),
        }
    }
}

impl std::error::Error for IconError {}

/// Check that `src` is an icon source clients accept: an `https:` or `http:` URL, or a
/// `data:image/...` URI (schemes compared case-insensitively).
pub fn check_icon_src(src: &str) -> Result<(), IconError> {
    if src.is_empty() {
        return Err(IconError::Empty);
    }
    if src.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IconError::BadChar {
            src: src.to_owned(),
        });
    }
    let lower = src.get(..11).unwrap_or(src).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        // A host must follow.
        let rest = &src[src.find("//").map_or(0, |i| i + 2)..];
        if rest.is_empty() || rest.starts_with('/') {
            return Err(IconError::BadScheme {
                src: src.to_owned(),
            });
        }
        return Ok(());
    }
    if lower.starts_with("data:") {
        if lower.starts_with("data:image/") {
            return Ok(());
        }
        let shown: String = src.chars().take(40).collect();
        return Err(IconError::NotAnImage { src: shown });
    }
    Err(IconError::BadScheme {
        src: src.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icon_sources() {
        for ok in [
            "https://example.com/icon.png",
            "HTTPS://example.com/i.svg",
            "http://localhost:8080/i.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "DATA:image/svg+xml;utf8,%3Csvg%3E",
        ] {
            assert_eq!(check_icon_src(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_icon_src(""), Err(IconError::Empty));
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "icon.png",
            "/icons/a.png",
            "https://",
            "https:///path",
            "ftp://x/y.png",
        ] {
            assert!(
                matches!(check_icon_src(bad), Err(IconError::BadScheme { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            check_icon_src("data:text/html,<script>"),
            Err(IconError::NotAnImage { .. })
        ));
        assert!(matches!(
            check_icon_src("https://x/a b.png"),
            Err(IconError::BadChar { .. })
        ));
        assert!(check_icon_src("javascript:x")
            .unwrap_err()
            .to_string()
            .contains("not an `https:`"));
    }
}
