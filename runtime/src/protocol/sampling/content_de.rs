//! Reading a sampling content block. Its `type` nearly always comes first (every SDK writes it
//! so): then the block is read straight into its variant. Otherwise the block is buffered first,
//! as a derived internally tagged enum always does (which costs an allocation per member), and
//! read the same way from the buffer. Errors are those of the derived enum.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::SamplingContent;

/// The `type`s, as the wire spells them.
const VARIANTS: &[&str] = &["text", "image", "audio", "tool_use", "tool_result"];

/// What the derived enum said it expected.
const EXPECTING: &str = "internally tagged enum SamplingContent";

impl<'de> Deserialize<'de> for SamplingContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Block)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Image,
    Audio,
    ToolUse,
    ToolResult,
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Kind;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("variant identifier")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Kind, E> {
                Ok(match s {
                    "text" => Kind::Text,
                    "image" => Kind::Image,
                    "audio" => Kind::Audio,
                    "tool_use" => Kind::ToolUse,
                    "tool_result" => Kind::ToolResult,
                    other => return Err(E::unknown_variant(other, VARIANTS)),
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A member of a block, read without allocating (except an unknown one's name).
enum Field {
    Type,
    Text,
    Meta,
    Data,
    MimeType,
    Id,
    Name,
    Input,
    ToolUseId,
    Content,
    StructuredContent,
    IsError,
    Other(String),
}

impl Field {
    fn name(&self) -> &str {
        match self {
            Field::Type => "type",
            Field::Text => "text",
            Field::Meta => "_meta",
            Field::Data => "data",
            Field::MimeType => "mimeType",
            Field::Id => "id",
            Field::Name => "name",
            Field::Input => "input",
            Field::ToolUseId => "toolUseId",
            Field::Content => "content",
            Field::StructuredContent => "structuredContent",
            Field::IsError => "isError",
            Field::Other(name) => name,
        }
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Field, E> {
                Ok(match s {
                    "type" => Field::Type,
                    "text" => Field::Text,
                    "_meta" => Field::Meta,
                    "data" => Field::Data,
                    "mimeType" => Field::MimeType,
                    "id" => Field::Id,
                    "name" => Field::Name,
                    "input" => Field::Input,
                    "toolUseId" => Field::ToolUseId,
                    "content" => Field::Content,
                    "structuredContent" => Field::StructuredContent,
                    "isError" => Field::IsError,
                    other => Field::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A whole block: its `type` first, or buffered.
struct Block;

impl<'de> Visitor<'de> for Block {
    type Value = SamplingContent;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SamplingContent, A::Error> {
        let first = match map.next_key::<Field>()? {
            None => return Err(de::Error::missing_field("type")),
            Some(Field::Type) => {
                let kind = map.next_value::<Kind>()?;
                return Members(kind).visit_map(map);
            }
            Some(first) => first,
        };
        // `type` comes later: buffer the members, then read them as above.
        let mut buffered = Map::new();
        buffered.insert(first.name().to_owned(), map.next_value::<Value>()?);
        while let Some(key) = map.next_key::<String>()? {
            if buffered.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let value = map.next_value::<Value>()?;
            buffered.insert(key, value);
        }
        let kind = buffered
            .remove("type")
            .ok_or_else(|| de::Error::missing_field("type"))?;
        let kind = Kind::deserialize(kind).map_err(de::Error::custom)?;
        Value::Object(buffered)
            .deserialize_map(Members(kind))
            .map_err(de::Error::custom)
    }
}

/// The members after `type`, read into the variant it names; members of other variants and
/// unknown ones are skipped.
struct Members(Kind);

/// Fill `slot` with the next value, once.
fn fill<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

impl<'de> Visitor<'de> for Members {
    type Value = SamplingContent;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SamplingContent, A::Error> {
        let (mut text, mut meta) = (None, None::<Option<Map<String, Value>>>);
        let (mut data, mut mime_type) = (None::<String>, None::<String>);
        let (mut id, mut name, mut input) = (None::<String>, None::<String>, None::<Value>);
        let (mut tool_use_id, mut content) = (None::<String>, None);
        let (mut structured, mut is_error) = (None::<Option<Value>>, None::<Option<bool>>);
        while let Some(field) = map.next_key::<Field>()? {
            match (self.0, field) {
                (_, Field::Type) => return Err(de::Error::duplicate_field("type")),
                (Kind::Text, Field::Text) => fill(&mut map, &mut text, "text")?,
                (Kind::Text, Field::Meta) => fill(&mut map, &mut meta, "_meta")?,
                (Kind::Image | Kind::Audio, Field::Data) => fill(&mut map, &mut data, "data")?,
                (Kind::Image | Kind::Audio, Field::MimeType) => {
                    fill(&mut map, &mut mime_type, "mimeType")?
                }
                (Kind::ToolUse, Field::Id) => fill(&mut map, &mut id, "id")?,
                (Kind::ToolUse, Field::Name) => fill(&mut map, &mut name, "name")?,
                (Kind::ToolUse, Field::Input) => fill(&mut map, &mut input, "input")?,
                (Kind::ToolResult, Field::ToolUseId) => {
                    fill(&mut map, &mut tool_use_id, "toolUseId")?
                }
                (Kind::ToolResult, Field::Content) => fill(&mut map, &mut content, "content")?,
                (Kind::ToolResult, Field::StructuredContent) => {
                    fill(&mut map, &mut structured, "structuredContent")?
                }
                (Kind::ToolResult, Field::IsError) => fill(&mut map, &mut is_error, "isError")?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        fn needed<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
            slot.ok_or_else(|| E::missing_field(name))
        }
        Ok(match self.0 {
            Kind::Text => SamplingContent::Text {
                text: needed(text, "text")?,
                meta: meta.flatten(),
            },
            Kind::Image => SamplingContent::Image {
                data: needed(data, "data")?,
                mime_type: needed(mime_type, "mimeType")?,
            },
            Kind::Audio => SamplingContent::Audio {
                data: needed(data, "data")?,
                mime_type: needed(mime_type, "mimeType")?,
            },
            Kind::ToolUse => SamplingContent::ToolUse {
                id: needed(id, "id")?,
                name: needed(name, "name")?,
                input: needed(input, "input")?,
            },
            Kind::ToolResult => SamplingContent::ToolResult {
                tool_use_id: needed(tool_use_id, "toolUseId")?,
                content: needed(content, "content")?,
                structured_content: structured.flatten(),
                is_error: is_error.flatten(),
            },
        })
    }
}
