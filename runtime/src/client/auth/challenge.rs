//! The `WWW-Authenticate: Bearer ...` challenge of a `401` or `403` (RFC 6750 §3, RFC 9728 §5.1).

/// What a Bearer challenge says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Challenge {
    /// `resource_metadata`: where the protected resource metadata is.
    pub resource_metadata: Option<String>,
    /// `scope`: the scopes the request needs, space-separated.
    pub scope: Option<String>,
    /// `error`: `invalid_token`, `insufficient_scope`, ...
    pub error: Option<String>,
}

impl Challenge {
    /// The Bearer challenge among the header values (the other schemes are ignored). Unreadable
    /// or missing headers give an empty challenge: discovery then uses the well-known locations.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Challenge {
        for value in values {
            let Ok(challenges) = http_auth::parse_challenges(value) else {
                tracing::debug!("an unreadable WWW-Authenticate header was ignored");
                continue;
            };
            for c in challenges {
                if !c.scheme.eq_ignore_ascii_case("bearer") {
                    continue;
                }
                let mut found = Challenge::default();
                for (name, v) in &c.params {
                    let v = v.to_unescaped();
                    match name.to_ascii_lowercase().as_str() {
                        "resource_metadata" => found.resource_metadata = Some(v),
                        "scope" => found.scope = Some(v),
                        "error" => found.error = Some(v),
                        _ => {}
                    }
                }
                return found;
            }
        }
        Challenge::default()
    }

    /// True for `error="insufficient_scope"` (step-up).
    pub fn insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bearer_parameters() {
        let c = Challenge::parse([
            r#"Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", error_description="Scope upgrade will never succeed""#,
        ]);
        assert_eq!(c.scope.as_deref(), Some("mcp:read mcp:write"));
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("https://mcp.example/.well-known/oauth-protected-resource/mcp")
        );
        assert!(c.insufficient_scope());
    }

    #[test]
    fn skips_other_schemes_and_unreadable_values() {
        let c = Challenge::parse([
            "this is, not = a challenge\"",
            r#"Basic realm="x", Bearer scope="a""#,
        ]);
        assert_eq!(c.scope.as_deref(), Some("a"));
        assert_eq!(c.resource_metadata, None);
        assert!(!c.insufficient_scope());
    }

    #[test]
    fn no_bearer_challenge_is_an_empty_one() {
        assert_eq!(Challenge::parse([]), Challenge::default());
        assert_eq!(
            Challenge::parse([r#"Basic realm="x""#]),
            Challenge::default()
        );
    }

    #[test]
    fn unescapes_quoted_values() {
        let c = Challenge::parse([r#"Bearer scope="a\"b""#]);
        assert_eq!(c.scope.as_deref(), Some("a\"b"));
    }
}
