//! The answer to `roots/list`.

use serde::{Deserialize, Serialize};

/// A root the client exposes (a directory or file URI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Root {
    /// The root's URI (`file://...`).
    pub uri: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
