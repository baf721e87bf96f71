use serde::{Deserialize, Serialize};

/// What a `completion/complete` request completes: a prompt's argument or a resource template's
/// variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum CompleteReference {
    /// `ref/prompt`: an argument of the prompt `name`.
    #[serde(rename = "ref/prompt")]
    Prompt {
        /// The prompt's name.
        name: String,
    },
    /// `ref/resource`: a variable of the resource template `uri`.
    #[serde(rename = "ref/resource")]
    Resource {
        /// The URI template.
        uri: String,
    },
}

impl CompleteReference {
    /// An argument of the prompt `name`.
    pub fn prompt(name: impl Into<String>) -> Self {
        CompleteReference::Prompt { name: name.into() }
    }

    /// A variable of the resource template `uri_template`.
    pub fn resource(uri_template: impl Into<String>) -> Self {
        CompleteReference::Resource {
            uri: uri_template.into(),
        }
    }
}

/// The candidates of a `completion/complete` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Completion {
    /// Candidate values (at most 100).
    pub values: Vec<String>,
    /// How many candidates there are in all, when the server knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// More candidates exist than `values` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

impl Completion {
    /// These candidates, without a total.
    pub fn new(values: Vec<String>) -> Self {
        Completion {
            values,
            total: None,
            has_more: None,
        }
    }

    /// Set how many candidates there are in all.
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }

    /// Set whether more candidates exist than `values` holds.
    pub fn with_has_more(mut self, has_more: bool) -> Self {
        self.has_more = Some(has_more);
        self
    }
}
