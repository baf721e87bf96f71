//! Prompts: plain, with arguments, with an embedded resource, with an image, and one that asks.

use toolsmith::prelude::*;

use super::*;

// ===== Prompts ==================================================================================
//
// `#[prompt]`: each parameter is a prompt argument (required unless `Option<T>`). Return a
// `String` (one user message), `Content`, or `Vec<PromptMessage>`.

/// A simple prompt without arguments
#[prompt(title = "Simple Test Prompt")]
pub(crate) async fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with required arguments
#[prompt(title = "Prompt With Arguments")]
pub(crate) async fn test_prompt_with_arguments(
    #[arg(description = "First test argument")] arg1: String,
    #[arg(description = "Second test argument")] arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt that includes an embedded resource
#[prompt(title = "Prompt With Embedded Resource")]
pub(crate) async fn test_prompt_with_embedded_resource(
    #[arg(name = "resourceUri", description = "URI of the resource to embed")] resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::resource(ResourceContents::text(
            resource_uri,
            Some("text/plain".into()),
            "Embedded resource content for testing.",
        ))),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt that includes image content
#[prompt(title = "Prompt With Image")]
pub(crate) async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(PNG, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// MRTR: prompt that requires elicitation input
#[prompt]
pub(crate) async fn test_input_required_result_prompt(ctx: Context<'_>) -> Result<String, String> {
    let answer = ctx
        .elicit("What context should the prompt use?", ask_for("context"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "Prompt with context: {}",
        field(&answer, "context")
    ))
}
