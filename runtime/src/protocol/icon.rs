use serde::{Deserialize, Serialize};

/// An icon for a server, tool, resource or prompt (`icons[]`). Clients pick one by `sizes`,
/// `mimeType` and `theme`.
///
/// ```
/// use toolsmith::protocol::Icon;
///
/// let icon = Icon::new("https://example.com/logo.svg")
///     .mime_type("image/svg+xml")
///     .sizes(["any"])
///     .theme("dark");
/// assert_eq!(
///     serde_json::to_value(&icon).unwrap(),
///     serde_json::json!({"src": "https://example.com/logo.svg", "mimeType": "image/svg+xml",
///                        "sizes": ["any"], "theme": "dark"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Icon {
    /// An `https:` URL or a `data:image/...` URI.
    pub src: String,
    /// The image's MIME type, when the URL does not make it plain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The sizes the image suits, as in HTML's `sizes` (`"48x48"`, `"any"`). Read from a list,
    /// or from one space-separated string as early drafts of the spec sent it.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "sizes"
    )]
    pub sizes: Vec<String>,
    /// The theme the icon is drawn for: `"light"` or `"dark"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

/// `sizes` as a list of strings, or as one space-separated string.
fn sizes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Sizes {
        List(Vec<String>),
        One(String),
    }
    Ok(match Sizes::deserialize(d)? {
        Sizes::List(list) => list,
        Sizes::One(s) => s.split_whitespace().map(str::to_owned).collect(),
    })
}

impl Icon {
    /// An icon at `src` (checked when the server is built: see
    /// [`toolsmith_rules::check_icon_src`]).
    pub fn new(src: impl Into<String>) -> Self {
        Icon {
            src: src.into(),
            mime_type: None,
            sizes: Vec::new(),
            theme: None,
        }
    }

    /// Set the MIME type.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Set the sizes.
    pub fn sizes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, sizes: I) -> Self {
        self.sizes = sizes.into_iter().map(Into::into).collect();
        self
    }

    /// Set the theme (`"light"` or `"dark"`).
    pub fn theme(mut self, theme: impl Into<String>) -> Self {
        self.theme = Some(theme.into());
        self
    }
}

/// Check every icon of `owner` (named in the error) with the rule the macros apply.
#[cfg(feature = "server")]
pub(crate) fn check_icons(owner: &str, icons: &[Icon]) -> Result<(), String> {
    for icon in icons {
        toolsmith_rules::check_icon_src(&icon.src).map_err(|e| format!("{owner}: {e}"))?;
        if let Some(theme) = &icon.theme {
            if theme != "light" && theme != "dark" {
                return Err(format!(
                    "{owner}: icon theme `{theme}` is neither `light` nor `dark`"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_from_a_list_or_a_string() {
        let list: Icon =
            serde_json::from_value(serde_json::json!({"src": "https://x/i", "sizes": ["16x16"]}))
                .unwrap();
        assert_eq!(list.sizes, ["16x16"]);
        let one: Icon = serde_json::from_value(
            serde_json::json!({"src": "https://x/i", "sizes": "16x16 32x32"}),
        )
        .unwrap();
        assert_eq!(one.sizes, ["16x16", "32x32"]);
        let none: Icon = serde_json::from_value(serde_json::json!({"src": "https://x/i"})).unwrap();
        assert!(none.sizes.is_empty());
        assert!(serde_json::from_value::<Icon>(
            serde_json::json!({"src": "https://x/i", "sizes": 3})
        )
        .is_err());
    }
}
