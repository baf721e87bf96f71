use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user (or the server speaking for it).
    User,
    /// The model.
    Assistant,
}

/// A content block in a sampling message. (Read by a written-out `Deserialize`,
/// `sampling/content_de.rs`, that reads a block whose `type` comes first without buffering it.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SamplingContent {
    /// Text.
    #[non_exhaustive]
    Text {
        /// The text.
        text: String,
        /// Extra metadata.
        #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
        meta: Option<Map<String, Value>>,
    },
    /// A base64 image.
    #[non_exhaustive]
    Image {
        /// Base64 data.
        data: String,
        /// MIME type.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// Base64 audio.
    #[non_exhaustive]
    Audio {
        /// Base64 data.
        data: String,
        /// MIME type.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// The model asks to call a tool (2025-11-25).
    #[non_exhaustive]
    ToolUse {
        /// Correlates the matching `tool_result`.
        id: String,
        /// The tool's name.
        name: String,
        /// The arguments.
        input: Value,
    },
    /// The result of a tool the model called (2025-11-25).
    #[non_exhaustive]
    ToolResult {
        /// The `tool_use` id answered.
        #[serde(rename = "toolUseId")]
        tool_use_id: String,
        /// Unstructured result.
        content: Vec<super::Content>,
        /// Structured result.
        #[serde(
            rename = "structuredContent",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        structured_content: Option<Value>,
        /// True when the tool failed.
        #[serde(rename = "isError", default, skip_serializing_if = "Option::is_none")]
        is_error: Option<bool>,
    },
}

impl SamplingContent {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        SamplingContent::Text {
            text: text.into(),
            meta: None,
        }
    }

    /// An image block from base64 `data`.
    pub fn image(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        SamplingContent::Image {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// An audio block from base64 `data`.
    pub fn audio(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        SamplingContent::Audio {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// The model asks to call tool `name` with `input`; `id` correlates the result.
    pub fn tool_use(id: impl Into<String>, name: impl Into<String>, input: Value) -> Self {
        SamplingContent::ToolUse {
            id: id.into(),
            name: name.into(),
            input,
        }
    }

    /// The result of the tool call `tool_use_id`, as a tool call's result.
    pub fn tool_result(tool_use_id: impl Into<String>, result: super::CallToolResult) -> Self {
        SamplingContent::ToolResult {
            tool_use_id: tool_use_id.into(),
            content: result.content,
            structured_content: result.structured_content,
            is_error: result.is_error,
        }
    }
}

/// Serialise one block as an object and several as an array (older clients read only objects).
fn ser_blocks<S: Serializer>(blocks: &[SamplingContent], s: S) -> Result<S::Ok, S::Error> {
    match blocks {
        [one] => one.serialize(s),
        many => many.serialize(s),
    }
}

/// One block (an object) or several (an array), read as what they are: no untagged buffering
/// of the whole content to try one shape and then the other, and an error about the block itself.
fn de_blocks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SamplingContent>, D::Error> {
    struct Blocks;
    impl<'de> serde::de::Visitor<'de> for Blocks {
        type Value = Vec<SamplingContent>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a content block or an array of content blocks")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let one =
                SamplingContent::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            Ok(vec![one])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut blocks = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(64));
            while let Some(block) = seq.next_element()? {
                blocks.push(block);
            }
            Ok(blocks)
        }
    }
    d.deserialize_any(Blocks)
}

/// One message of a sampling conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SamplingMessage {
    /// The speaker.
    pub role: Role,
    /// One block or several (several only from 2025-11-25).
    #[serde(serialize_with = "ser_blocks", deserialize_with = "de_blocks")]
    pub content: Vec<SamplingContent>,
}

impl SamplingMessage {
    /// A message from `role` with these blocks.
    pub fn new(role: Role, content: Vec<SamplingContent>) -> Self {
        SamplingMessage { role, content }
    }

    /// A user message with one text block.
    pub fn user(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::User,
            content: vec![SamplingContent::text(text)],
        }
    }

    /// An assistant message with one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::Assistant,
            content: vec![SamplingContent::text(text)],
        }
    }

    /// The text blocks of this message, joined with newlines.
    pub fn text(&self) -> String {
        text_of(&self.content)
    }
}

/// The text blocks of `blocks`, joined with newlines (one allocation, the result's).
fn text_of(blocks: &[SamplingContent]) -> String {
    let mut texts = blocks.iter().filter_map(|c| match c {
        SamplingContent::Text { text, .. } => Some(text.as_str()),
        _ => None,
    });
    let Some(first) = texts.next() else {
        return String::new();
    };
    let mut joined = first.to_owned();
    for text in texts {
        joined.push('\n');
        joined.push_str(text);
    }
    joined
}

/// A model name hint: matched as a substring of model names, in order, first match wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelHint {
    /// The (partial) model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ModelHint {
    /// A hint naming `name` (matched as a substring of model names).
    pub fn new(name: impl Into<String>) -> Self {
        ModelHint {
            name: Some(name.into()),
        }
    }
}

/// The server's preferences for model selection (all advisory).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelPreferences {
    /// Name hints, in order of preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hints: Option<Vec<ModelHint>>,
    /// How much cost matters, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_priority: Option<f64>,
    /// How much speed matters, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_priority: Option<f64>,
    /// How much intelligence matters, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intelligence_priority: Option<f64>,
}

impl ModelPreferences {
    /// No preferences.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a name hint after the existing ones.
    pub fn hint(mut self, name: impl Into<String>) -> Self {
        self.hints.get_or_insert_with(Vec::new).push(ModelHint {
            name: Some(name.into()),
        });
        self
    }

    /// Set the cost priority (0..=1; checked when the request is sent).
    pub fn cost(mut self, priority: f64) -> Self {
        self.cost_priority = Some(priority);
        self
    }

    /// Set the speed priority (0..=1; checked when the request is sent).
    pub fn speed(mut self, priority: f64) -> Self {
        self.speed_priority = Some(priority);
        self
    }

    /// Set the intelligence priority (0..=1; checked when the request is sent).
    pub fn intelligence(mut self, priority: f64) -> Self {
        self.intelligence_priority = Some(priority);
        self
    }

    /// The hint names, in order.
    pub fn hint_names(&self) -> impl Iterator<Item = &str> {
        self.hints
            .iter()
            .flatten()
            .filter_map(|h| h.name.as_deref())
    }

    /// Check every priority is a number in 0..=1, naming the first one that is not.
    pub fn validate(&self) -> Result<(), String> {
        for (field, value) in [
            ("costPriority", self.cost_priority),
            ("speedPriority", self.speed_priority),
            ("intelligencePriority", self.intelligence_priority),
        ] {
            if let Some(v) = value {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!(
                        "modelPreferences.{field} must be between 0 and 1, got {v}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// How much MCP context the client should add to a sampling request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IncludeContext {
    /// None.
    None,
    /// Context from this server.
    ThisServer,
    /// Context from every server.
    AllServers,
}

/// Parameters of `sampling/createMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateMessageParams {
    /// The conversation.
    pub messages: Vec<SamplingMessage>,
    /// Model selection preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_preferences: Option<ModelPreferences>,
    /// System prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Context to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_context: Option<IncludeContext>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// The most tokens to generate (required by the spec).
    pub max_tokens: u32,
    /// Sequences that stop generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Provider-specific metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Tools the model may call (2025-11-25, needs `sampling.tools`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// How the model should use the tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl CreateMessageParams {
    /// Ask for at most `max_tokens` tokens continuing `messages`.
    pub fn new(messages: Vec<SamplingMessage>, max_tokens: u32) -> Self {
        CreateMessageParams {
            messages,
            model_preferences: None,
            system_prompt: None,
            include_context: None,
            temperature: None,
            max_tokens,
            stop_sequences: None,
            metadata: None,
            tools: None,
            tool_choice: None,
            meta: None,
        }
    }

    /// Set the model preferences.
    pub fn with_model_preferences(mut self, model_preferences: ModelPreferences) -> Self {
        self.model_preferences = Some(model_preferences);
        self
    }

    /// Set the system prompt.
    pub fn with_system_prompt(mut self, system_prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(system_prompt.into());
        self
    }

    /// Set the context to include.
    pub fn with_include_context(mut self, include_context: IncludeContext) -> Self {
        self.include_context = Some(include_context);
        self
    }

    /// Set the sampling temperature.
    pub fn with_temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Set the stop sequences.
    pub fn with_stop_sequences(mut self, stop_sequences: Vec<String>) -> Self {
        self.stop_sequences = Some(stop_sequences);
        self
    }

    /// Set provider-specific metadata.
    pub fn with_metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Set the tools the model may call (2025-11-25).
    pub fn with_tools(mut self, tools: Vec<Value>) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Set how the model should use the tools.
    pub fn with_tool_choice(mut self, tool_choice: Value) -> Self {
        self.tool_choice = Some(tool_choice);
        self
    }

    /// Set the request `_meta`.
    pub fn with_meta(mut self, meta: Map<String, Value>) -> Self {
        self.meta = Some(meta);
        self
    }
}

/// Why the model stopped. Open-ended: unknown reasons are kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The model finished its turn.
    EndTurn,
    /// A stop sequence was produced.
    StopSequence,
    /// `maxTokens` was reached.
    MaxTokens,
    /// The model wants to call tools.
    ToolUse,
    /// Any other reason.
    Other(String),
}

impl StopReason {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            StopReason::EndTurn => "endTurn",
            StopReason::StopSequence => "stopSequence",
            StopReason::MaxTokens => "maxTokens",
            StopReason::ToolUse => "toolUse",
            StopReason::Other(s) => s,
        }
    }
}

impl Serialize for StopReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StopReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read from the text where it can be: a known reason allocates nothing.
        struct Reason;
        impl serde::de::Visitor<'_> for Reason {
            type Value = StopReason;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<StopReason, E> {
                Ok(match s {
                    "endTurn" => StopReason::EndTurn,
                    "stopSequence" => StopReason::StopSequence,
                    "maxTokens" => StopReason::MaxTokens,
                    "toolUse" => StopReason::ToolUse,
                    _ => StopReason::Other(s.to_owned()),
                })
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<StopReason, E> {
                match self.visit_str::<E>(&s)? {
                    StopReason::Other(_) => Ok(StopReason::Other(s)),
                    known => Ok(known),
                }
            }
        }
        d.deserialize_string(Reason)
    }
}

/// Result of `sampling/createMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateMessageResult {
    /// The speaker (normally `assistant`).
    pub role: Role,
    /// The generated content.
    #[serde(serialize_with = "ser_blocks", deserialize_with = "de_blocks")]
    pub content: Vec<SamplingContent>,
    /// The model that produced it.
    pub model: String,
    /// Why generation stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl CreateMessageResult {
    /// An answer from `role` with these blocks, produced by `model`, without a stop reason.
    pub fn new(role: Role, content: Vec<SamplingContent>, model: impl Into<String>) -> Self {
        CreateMessageResult {
            role,
            content,
            model: model.into(),
            stop_reason: None,
            meta: None,
        }
    }

    /// Set why generation stopped.
    pub fn with_stop_reason(mut self, stop_reason: StopReason) -> Self {
        self.stop_reason = Some(stop_reason);
        self
    }

    /// Set the `_meta` object.
    pub fn with_meta(mut self, meta: Map<String, Value>) -> Self {
        self.meta = Some(meta);
        self
    }

    /// An assistant text answer from `model`, stopped at end of turn.
    pub fn text(model: impl Into<String>, text: impl Into<String>) -> Self {
        CreateMessageResult {
            role: Role::Assistant,
            content: vec![SamplingContent::text(text)],
            model: model.into(),
            stop_reason: Some(StopReason::EndTurn),
            meta: None,
        }
    }

    /// The text blocks joined with newlines.
    pub fn text_content(&self) -> String {
        text_of(&self.content)
    }
}

mod content_de;

#[cfg(test)]
mod tests;
