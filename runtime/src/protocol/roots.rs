//! The answer to `roots/list`.

use serde::{Deserialize, Serialize};

/// A root the client exposes (a directory or file URI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Root {
    /// The root's URI (`file://...`).
    pub uri: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Root {
    /// A root at `uri` (`file://...`), without a display name.
    pub fn new(uri: impl Into<String>) -> Self {
        Root {
            uri: uri.into(),
            name: None,
        }
    }

    /// Set the display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_roots_keep_the_wire_shape() {
        assert_eq!(
            serde_json::to_value(Root::new("file:///a").with_name("a")).unwrap(),
            serde_json::json!({"uri": "file:///a", "name": "a"})
        );
        assert_eq!(
            serde_json::to_value(Root::new("file:///b")).unwrap(),
            serde_json::json!({"uri": "file:///b"})
        );
    }
}
