//! OAuth scope tokens (RFC 6749 §3.3), as handlers name the scopes they require.

use std::fmt;

/// Why a scope is not a valid OAuth scope token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// The scope is empty.
    Empty,
    /// The scope has a character a scope token cannot have (a space, a quote, a backslash, a
    /// control or non-ASCII character).
    BadChar {
        /// The scope.
        scope: String,
        /// The offending character.
        found: char,
    },
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::Empty => f.write_str("a scope cannot be empty"),
            ScopeError::BadChar { scope, found } => write!(
                f,
                "scope `{scope}` has {found:?}, which a scope cannot have (visible ASCII but `\"` and `\\`, no spaces: name each scope separately)"
            ),
        }
    }
}

impl std::error::Error for ScopeError {}

/// Check that `scope` is one OAuth scope token: `1*( %x21 / %x23-5B / %x5D-7E )`.
pub fn check_scope(scope: &str) -> Result<(), ScopeError> {
    if scope.is_empty() {
        return Err(ScopeError::Empty);
    }
    match scope
        .chars()
        .find(|&c| !(c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c)))
    {
        Some(found) => Err(ScopeError::BadChar {
            scope: scope.to_owned(),
            found,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_tokens() {
        for ok in ["files:read", "mcp", "a!#[]~", "https://x/y.read"] {
            assert_eq!(check_scope(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_scope(""), Err(ScopeError::Empty));
        for (bad, c) in [
            ("files read", ' '),
            ("a\"b", '"'),
            ("a\\b", '\\'),
            ("é", 'é'),
        ] {
            assert_eq!(
                check_scope(bad),
                Err(ScopeError::BadChar {
                    scope: bad.into(),
                    found: c
                })
            );
        }
    }
}
