//! The answer to `elicitation/create`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What the user did with an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitAction {
    /// Submitted the form.
    Accept,
    /// Declined to answer.
    Decline,
    /// Dismissed it.
    Cancel,
}

/// The answer to an elicitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ElicitResult {
    /// What the user did.
    pub action: ElicitAction,
    /// The submitted values (with `accept`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Map<String, Value>>,
}

impl ElicitResult {
    /// An answer with `action` and no content.
    pub fn new(action: ElicitAction) -> Self {
        ElicitResult {
            action,
            content: None,
        }
    }

    /// The user submitted the form with these values.
    pub fn accept(content: Map<String, Value>) -> Self {
        ElicitResult::new(ElicitAction::Accept).with_content(content)
    }

    /// The user declined to answer.
    pub fn decline() -> Self {
        ElicitResult::new(ElicitAction::Decline)
    }

    /// The user dismissed the elicitation.
    pub fn cancel() -> Self {
        ElicitResult::new(ElicitAction::Cancel)
    }

    /// Set the submitted values.
    pub fn with_content(mut self, content: Map<String, Value>) -> Self {
        self.content = Some(content);
        self
    }
}

/// A URL-mode elicitation the user must complete before a request can go on: an entry of the
/// URL-elicitation-required error (`-32042`, `data.elicitations`), protocol 2025-11-25.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UrlElicitation {
    /// Always `url`.
    pub mode: String,
    /// The server's id for the elicitation (its completion notification names it).
    pub elicitation_id: String,
    /// The URL the user should visit.
    pub url: String,
    /// What to tell the user.
    pub message: String,
}

impl UrlElicitation {
    /// Elicitation `elicitation_id`: visit `url`, with `message` for the user.
    pub fn new(
        elicitation_id: impl Into<String>,
        url: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        UrlElicitation {
            mode: "url".into(),
            elicitation_id: elicitation_id.into(),
            url: url.into(),
            message: message.into(),
        }
    }
}
