//! The MCP tool-name rule: 1 to 128 characters of `A-Z`, `a-z`, `0-9`, `_`, `-` and `.`.

use std::fmt;

/// The longest tool name allowed, in characters.
pub const MAX_TOOL_NAME_LEN: usize = 128;

/// Why a tool name is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name has more than [`MAX_TOOL_NAME_LEN`] characters.
    TooLong {
        /// The name.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// The name holds a character outside `A-Z`, `a-z`, `0-9`, `_`, `-` and `.`.
    InvalidChar {
        /// The name.
        name: String,
        /// The first character not allowed.
        ch: char,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str(
                "a tool name can't be empty: use 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`",
            ),
            NameError::TooLong { name, len } => write!(
                f,
                "tool name `{name}` is {len} characters long; the limit is {MAX_TOOL_NAME_LEN}"
            ),
            NameError::InvalidChar { name, ch } => write!(
                f,
                "invalid tool name `{name}`: `{ch}` is not allowed; use only A-Z, a-z, 0-9, `_`, `-` and `.`"
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// Check a tool name against the rule.
pub fn check_tool_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(NameError::InvalidChar {
            name: name.to_owned(),
            ch,
        });
    }
    // Only ASCII remains, so bytes are characters.
    if name.len() > MAX_TOOL_NAME_LEN {
        return Err(NameError::TooLong {
            name: name.to_owned(),
            len: name.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_characters_up_to_the_limit() {
        for name in ["a", "get_weather", "ns.tool-v2", "A9", &"x".repeat(128)] {
            assert_eq!(check_tool_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        assert_eq!(check_tool_name(""), Err(NameError::Empty));
        let long = "x".repeat(129);
        assert_eq!(
            check_tool_name(&long),
            Err(NameError::TooLong {
                name: long.clone(),
                len: 129
            })
        );
        for (name, ch) in [("bad name", ' '), ("a/b", '/'), ("café", 'é'), ("a:b", ':')] {
            assert_eq!(
                check_tool_name(name),
                Err(NameError::InvalidChar {
                    name: name.to_owned(),
                    ch
                })
            );
        }
        // A non-ASCII name is refused for its character, not measured in bytes.
        let wide = "é".repeat(100);
        assert!(matches!(
            check_tool_name(&wide),
            Err(NameError::InvalidChar { ch: 'é', .. })
        ));
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let e = check_tool_name("bad name!").unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid tool name `bad name!`: ` ` is not allowed; use only A-Z, a-z, 0-9, `_`, `-` and `.`"
        );
        assert!(check_tool_name("")
            .unwrap_err()
            .to_string()
            .contains("1 to 128"));
        assert!(check_tool_name(&"x".repeat(200))
            .unwrap_err()
            .to_string()
            .contains("200 characters long; the limit is 128"));
    }
}
