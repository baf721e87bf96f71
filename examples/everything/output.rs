//! Tools: return values (text, image, audio, embedded resources, mixed content, errors).

use serde_json::json;
use toolsmith::prelude::*;

/// A 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x05, 0x02, 0x00, 0x5f, 0xc8, 0xf1, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A tiny WAV file (one silent sample).
pub(crate) const WAV: &[u8] = &[
    0x52, 0x49, 0x46, 0x46, 0x26, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20,
    0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x00, 0x7d, 0x00, 0x00,
    0x02, 0x00, 0x10, 0x00, 0x64, 0x61, 0x74, 0x61, 0x02, 0x00, 0x00, 0x00,
];

// ===== Tools: return values =====================================================================
//
// A `#[tool]` is an `async fn`; its doc comment is the description, its parameters the input
// schema. Whatever it returns becomes the result: a `String` is one text block, `Content` one
// block of any kind, `CallToolResult` the whole result, and `Err(ToolError::new(..))` a tool
// error (`isError: true`) whose message the client's model reads.

/// Tests simple text content response
#[tool]
pub(crate) async fn test_simple_text() -> String {
    "This is a simple text response for testing.".into()
}

/// Tests image content response
#[tool]
pub(crate) async fn test_image_content() -> Content {
    Content::image(PNG, "image/png")
}

/// Tests audio content response
#[tool]
pub(crate) async fn test_audio_content() -> Content {
    Content::audio(WAV, "audio/wav")
}

/// Tests embedded resource content response
#[tool]
pub(crate) async fn test_embedded_resource() -> Content {
    Content::resource(ResourceContents::text(
        "test://embedded-resource",
        Some("text/plain".into()),
        "This is an embedded resource content.",
    ))
}

/// Tests response with multiple content types (text, image, resource)
#[tool]
pub(crate) async fn test_multiple_content_types() -> CallToolResult {
    CallToolResult::new(vec![
        Content::text("Multiple content types test:"),
        Content::image(PNG, "image/png"),
        Content::resource(ResourceContents::text(
            "test://mixed-content-resource",
            Some("application/json".into()),
            json!({"test": "data", "value": 123}).to_string(),
        )),
    ])
}

/// Tests error response handling
#[tool]
pub(crate) async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}
