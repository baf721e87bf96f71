use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::icon::Icon;
use super::with_extra::deserialize_with_extra;

deserialize_with_extra!(Implementation, "struct Implementation",
    required { name: "name", version: "version" }
    optional { title: "title", description: "description", icons: "icons", website_url: "websiteUrl" });
deserialize_with_extra!(SamplingCapability, "struct SamplingCapability",
    required {}
    optional { tools: "tools", context: "context" });
deserialize_with_extra!(ClientCapabilities, "struct ClientCapabilities",
    required {}
    optional { sampling: "sampling", elicitation: "elicitation", roots: "roots", experimental: "experimental" });

/// Name and version of a client or server implementation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Human-readable title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the implementation is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Icons for a client to show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Icon>,
    /// Its home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    /// Everything else, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Implementation {
    /// A name and version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Implementation {
            name: name.into(),
            version: version.into(),
            title: None,
            description: None,
            icons: Vec::new(),
            website_url: None,
            extra: Map::new(),
        }
    }

    /// Set the human-readable title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Set the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Set the icons.
    pub fn with_icons(mut self, icons: Vec<Icon>) -> Self {
        self.icons = icons;
        self
    }

    /// Set the home page URL.
    pub fn with_website_url(mut self, website_url: impl Into<String>) -> Self {
        self.website_url = Some(website_url.into());
        self
    }
}

/// The client's `sampling` capability.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SamplingCapability {
    /// Present when the client accepts `tools`/`toolChoice` in sampling requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Value>,
    /// Present when the client honours `includeContext` other than `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a client can do. Unknown keys are kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClientCapabilities {
    /// The client can answer `sampling/createMessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingCapability>,
    /// The client can answer `elicitation/create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation: Option<Value>,
    /// The client can answer `roots/list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roots: Option<Value>,
    /// Experimental capabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Value>,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a server can do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerCapabilities {
    /// Tools are offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Value>,
    /// Resources are offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Value>,
    /// Prompts are offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<Value>,
    /// The server sends log messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Value>,
    /// The server answers `completion/complete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<Value>,
    /// Experimental capabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Value>,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Parameters of `initialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InitializeParams {
    /// The revision the client asks for.
    pub protocol_version: String,
    /// The client's capabilities.
    pub capabilities: ClientCapabilities,
    /// The client's name and version.
    pub client_info: Implementation,
}

/// Result of `initialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InitializeResult {
    /// The negotiated revision.
    pub protocol_version: String,
    /// The server's capabilities.
    pub capabilities: ServerCapabilities,
    /// The server's name and version.
    pub server_info: Implementation,
    /// Instructions for the model on how to use this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

impl SamplingCapability {
    /// No sub-capability: plain sampling.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declare `sampling.tools` (usually `{}`).
    pub fn with_tools(mut self, tools: Value) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Declare `sampling.context` (usually `{}`).
    pub fn with_context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }
}

impl ClientCapabilities {
    /// No capability.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declare `sampling`.
    pub fn with_sampling(mut self, sampling: SamplingCapability) -> Self {
        self.sampling = Some(sampling);
        self
    }

    /// Declare `elicitation` (e.g. `{"form": {}, "url": {}}`).
    pub fn with_elicitation(mut self, elicitation: Value) -> Self {
        self.elicitation = Some(elicitation);
        self
    }

    /// Declare `roots` (e.g. `{"listChanged": true}`).
    pub fn with_roots(mut self, roots: Value) -> Self {
        self.roots = Some(roots);
        self
    }

    /// Declare experimental capabilities.
    pub fn with_experimental(mut self, experimental: Value) -> Self {
        self.experimental = Some(experimental);
        self
    }
}

impl ServerCapabilities {
    /// No capability.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declare `tools` (e.g. `{"listChanged": true}`).
    pub fn with_tools(mut self, tools: Value) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Declare `resources`.
    pub fn with_resources(mut self, resources: Value) -> Self {
        self.resources = Some(resources);
        self
    }

    /// Declare `prompts`.
    pub fn with_prompts(mut self, prompts: Value) -> Self {
        self.prompts = Some(prompts);
        self
    }

    /// Declare `logging` (usually `{}`).
    pub fn with_logging(mut self, logging: Value) -> Self {
        self.logging = Some(logging);
        self
    }

    /// Declare `completions` (usually `{}`).
    pub fn with_completions(mut self, completions: Value) -> Self {
        self.completions = Some(completions);
        self
    }

    /// Declare experimental capabilities.
    pub fn with_experimental(mut self, experimental: Value) -> Self {
        self.experimental = Some(experimental);
        self
    }
}

impl InitializeParams {
    /// Ask for `protocol_version` with these capabilities, as `client_info`.
    pub fn new(
        protocol_version: impl Into<String>,
        capabilities: ClientCapabilities,
        client_info: Implementation,
    ) -> Self {
        InitializeParams {
            protocol_version: protocol_version.into(),
            capabilities,
            client_info,
        }
    }
}

impl InitializeResult {
    /// Answer with `protocol_version`, these capabilities, as `server_info`.
    pub fn new(
        protocol_version: impl Into<String>,
        capabilities: ServerCapabilities,
        server_info: Implementation,
    ) -> Self {
        InitializeResult {
            protocol_version: protocol_version.into(),
            capabilities,
            server_info,
            instructions: None,
        }
    }

    /// Set the instructions for the model.
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }
}
