//! `x-mcp-header` designations (SEP-2243): a tool's input schema may mark an argument with
//! `"x-mcp-header": "Name"` so that HTTP clients mirror its value into an `Mcp-Param-Name` header.
//! A designation is valid when it sits on a property reached from the schema's root through
//! `properties` keys alone, its name is a non-empty HTTP token (RFC 9110 `tchar`s), the property's
//! `type` is `string`, `integer` or `boolean`, and no other designation of the tool has the same
//! name, compared case-insensitively.
//!
//! This crate has no JSON type: the caller walks the schema and hands each designation here.

use std::collections::HashSet;
use std::fmt;

/// Why an `x-mcp-header` designation is not valid. `at` is the argument's path, its chain of
/// `properties` keys joined with `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DesignationError {
    /// The annotation sits where a chain of `properties` keys does not lead (the schema's root,
    /// inside `items`, `oneOf`, `$defs`..).
    Misplaced,
    /// The annotation's value is not a JSON string.
    NotAString {
        /// The argument's path.
        at: String,
    },
    /// The header name is empty.
    Empty {
        /// The argument's path.
        at: String,
    },
    /// The header name holds a character an HTTP field name may not hold.
    InvalidChar {
        /// The argument's path.
        at: String,
        /// The header name.
        name: String,
        /// The first character not allowed.
        ch: char,
    },
    /// The property's `type` is not `string`, `integer` or `boolean` (`None`: it has no `type`).
    UnsupportedType {
        /// The argument's path.
        at: String,
        /// The header name.
        name: String,
        /// The property's `type`, when it has one that is a string.
        found: Option<String>,
    },
    /// Two designations of one tool share a header name (compared case-insensitively).
    Duplicate {
        /// The name, as the second designation writes it.
        name: String,
    },
}

impl fmt::Display for DesignationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DesignationError::Misplaced => f.write_str(
                "`x-mcp-header` appears where only a chain of `properties` keys may lead: put it on a property of the input schema (or of an object property)",
            ),
            DesignationError::NotAString { at } => {
                write!(f, "the `x-mcp-header` of `{at}` is not a string")
            }
            DesignationError::Empty { at } => write!(
                f,
                "the `x-mcp-header` of `{at}` is empty: give the header's name, such as `Region`"
            ),
            DesignationError::InvalidChar { at, name, ch } => write!(
                f,
                "the `x-mcp-header` `{name}` of `{at}` has {ch:?}, which an HTTP field name may not hold: use ASCII letters, digits and !#$%&'*+-.^_`|~"
            ),
            DesignationError::UnsupportedType { at, name, found } => write!(
                f,
                "`{at}` (header `{name}`) has type {}, not string, integer or boolean",
                found
                    .as_deref()
                    .map_or("(none)".to_owned(), |t| format!("`{t}`"))
            ),
            DesignationError::Duplicate { name } => write!(
                f,
                "the header name `{name}` is used twice (names are case-insensitive)"
            ),
        }
    }
}

impl std::error::Error for DesignationError {}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Check a header name on its own: a non-empty HTTP token. `at` is the argument's path.
pub fn check_header_name(at: &str, name: &str) -> Result<(), DesignationError> {
    if name.is_empty() {
        return Err(DesignationError::Empty { at: at.to_owned() });
    }
    if let Some(ch) = name.chars().find(|c| !is_tchar(*c)) {
        return Err(DesignationError::InvalidChar {
            at: at.to_owned(),
            name: name.to_owned(),
            ch,
        });
    }
    Ok(())
}

/// Check one designation found on the property at `at` (reached through `properties` keys):
/// `header` is the annotation's value when it is a string (`None` otherwise), `property_type`
/// the property's `type` when it is a string.
pub fn check_designation(
    at: &str,
    header: Option<&str>,
    property_type: Option<&str>,
) -> Result<(), DesignationError> {
    let Some(name) = header else {
        return Err(DesignationError::NotAString { at: at.to_owned() });
    };
    check_header_name(at, name)?;
    match property_type {
        Some("string" | "integer" | "boolean") => Ok(()),
        other => Err(DesignationError::UnsupportedType {
            at: at.to_owned(),
            name: name.to_owned(),
            found: other.map(str::to_owned),
        }),
    }
}

/// Check that a tool's header names (each already checked) are unique, case-insensitively.
pub fn check_unique_headers<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), DesignationError> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(DesignationError::Duplicate {
                name: name.to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_tokens_on_scalar_properties() {
        for ty in ["string", "integer", "boolean"] {
            assert_eq!(check_designation("a", Some("Region"), Some(ty)), Ok(()));
        }
        assert_eq!(check_header_name("a", "X-Tenant_id.2~!#$%&'*+^`|"), Ok(()));
        assert_eq!(check_unique_headers(["A", "B", "Region"]), Ok(()));
        assert_eq!(check_unique_headers([]), Ok(()));
    }

    #[test]
    fn rejects_bad_names() {
        assert_eq!(
            check_designation("a.b", None, Some("string")),
            Err(DesignationError::NotAString { at: "a.b".into() })
        );
        assert_eq!(
            check_designation("a", Some(""), Some("string")),
            Err(DesignationError::Empty { at: "a".into() })
        );
        for (name, ch) in [("A B", ' '), ("A:B", ':'), ("Grüße", 'ü'), ("A\r\n", '\r')] {
            assert_eq!(
                check_designation("a", Some(name), Some("string")),
                Err(DesignationError::InvalidChar {
                    at: "a".into(),
                    name: name.into(),
                    ch
                })
            );
        }
    }

    #[test]
    fn rejects_properties_that_are_not_scalars() {
        for ty in [
            Some("object"),
            Some("array"),
            Some("null"),
            Some("number"),
            None,
        ] {
            assert_eq!(
                check_designation("a", Some("A"), ty),
                Err(DesignationError::UnsupportedType {
                    at: "a".into(),
                    name: "A".into(),
                    found: ty.map(str::to_owned)
                })
            );
        }
    }

    #[test]
    fn rejects_a_name_used_twice_in_any_case() {
        assert_eq!(
            check_unique_headers(["Same", "Other", "sAME"]),
            Err(DesignationError::Duplicate {
                name: "sAME".into()
            })
        );
    }

    #[test]
    fn messages_name_the_argument_and_the_problem() {
        let msg = |e: Result<(), DesignationError>| e.unwrap_err().to_string();
        assert!(msg(check_designation("a", Some(""), Some("string"))).contains("of `a` is empty"));
        assert!(msg(check_designation("a", Some("A B"), Some("string")))
            .contains("which an HTTP field name may not hold"));
        assert_eq!(
            msg(check_designation("o.n", Some("N"), None)),
            "`o.n` (header `N`) has type (none), not string, integer or boolean"
        );
        assert!(DesignationError::Misplaced.to_string().contains("chain"));
        assert!(msg(check_unique_headers(["A", "a"])).contains("used twice"));
    }
}
