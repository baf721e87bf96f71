//! Results as people read them: content blocks, structured content, errors, resource contents
//! and prompt messages.

use serde_json::Value;
use toolsmith::protocol::{
    CallToolResult, Content, GetPromptResult, ReadResourceResult, ResourceContents, Role,
};

/// A tool's result: each content block, then the structured content (pretty JSON) when it
/// says more than the text does; an error result is headed `error:`.
pub fn call_result(result: &CallToolResult) -> String {
    let mut out = Vec::new();
    if result.is_error() {
        out.push("error: the tool reported a failure".to_owned());
    }
    for block in &result.content {
        out.push(content(block));
    }
    if let Some(structured) = &result.structured_content {
        let pretty = pretty(structured);
        // Servers usually repeat the structured content as a text block: show it once.
        let repeated = result
            .content
            .iter()
            .filter_map(Content::as_text)
            .any(|t| serde_json::from_str::<Value>(t).ok().as_ref() == Some(structured));
        if !repeated {
            out.push(format!("structured content:\n{pretty}"));
        } else if out.len() == 1 + usize::from(result.is_error()) {
            // The only block is the JSON text: show it pretty.
            out.pop();
            out.push(pretty);
        }
    }
    if out.is_empty() {
        out.push("(no content)".to_owned());
    }
    out.join("\n")
}

/// One content block: text as is, everything else described in brackets.
pub fn content(block: &Content) -> String {
    match block {
        Content::Text { text, .. } => text.clone(),
        Content::Image {
            data, mime_type, ..
        } => format!("[image {mime_type}, {} bytes]", decoded_len(data)),
        Content::Audio {
            data, mime_type, ..
        } => format!("[audio {mime_type}, {} bytes]", decoded_len(data)),
        Content::ResourceLink { uri, name, .. } => format!("[resource link {name}: {uri}]"),
        Content::Resource { resource, .. } => resource_contents(resource),
        // A block kind newer than this build.
        _ => "[unknown content block]".into(),
    }
}

/// One resource's contents: a header with its URI and type, then its text (or a blob's size).
pub fn resource_contents(contents: &ResourceContents) -> String {
    match contents {
        ResourceContents::Text {
            uri,
            mime_type,
            text,
            ..
        } => format!("[resource {uri}{}]\n{text}", mime(mime_type)),
        ResourceContents::Blob {
            uri,
            mime_type,
            blob,
            ..
        } => format!(
            "[resource {uri}{}, {} bytes of binary data]",
            mime(mime_type),
            decoded_len(blob)
        ),
    }
}

/// A `resources/read` result.
pub fn read_result(result: &ReadResourceResult) -> String {
    if result.contents.is_empty() {
        return "(no contents)".to_owned();
    }
    result
        .contents
        .iter()
        .map(resource_contents)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `prompts/get` result: its description, then each message under its role.
pub fn prompt_result(result: &GetPromptResult) -> String {
    let mut out = Vec::new();
    if let Some(description) = &result.description {
        out.push(format!("# {description}"));
    }
    for message in &result.messages {
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        out.push(format!("[{role}]\n{}", content(&message.content)));
    }
    out.join("\n")
}

fn mime(mime_type: &Option<String>) -> String {
    mime_type
        .as_deref()
        .map_or_else(String::new, |m| format!(" ({m})"))
}

/// The size of base64 `data` once decoded.
fn decoded_len(data: &str) -> usize {
    let padding = data.bytes().rev().take_while(|&b| b == b'=').count();
    (data.len() / 4 * 3).saturating_sub(padding)
}

/// Pretty JSON.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_and_structured_content_are_both_shown_once() {
        let mut result = CallToolResult::text(r#"{"label":"positive"}"#);
        result.structured_content = Some(json!({ "label": "positive" }));
        assert_eq!(call_result(&result), "{\n  \"label\": \"positive\"\n}");
        let mut result = CallToolResult::text("done");
        result.structured_content = Some(json!({ "n": 1 }));
        assert_eq!(
            call_result(&result),
            "done\nstructured content:\n{\n  \"n\": 1\n}"
        );
    }

    #[test]
    fn an_error_result_says_so() {
        let result = CallToolResult::error("division by zero");
        assert_eq!(
            call_result(&result),
            "error: the tool reported a failure\ndivision by zero"
        );
    }

    #[test]
    fn binary_blocks_are_described_with_their_size() {
        assert_eq!(
            content(&Content::image([1u8, 2, 3, 4], "image/png")),
            "[image image/png, 4 bytes]"
        );
        let blob = ResourceContents::blob("test://b", None, [0u8, 0, 0]);
        assert_eq!(
            resource_contents(&blob),
            "[resource test://b, 3 bytes of binary data]"
        );
    }
}
