//! Tools: asking the client (sampling, elicitation, roots, `input_required` rounds).

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{ElicitAction, ElicitResult};

// ===== Tools: asking the client =================================================================
//
// `ctx.sample()` asks the client's model, `ctx.elicit()` the user, `ctx.list_roots()` the
// client's roots. Each is a lazy builder: set options, then `.await` it. On a 2025-11-25 session
// it is a request to the client on this request's stream; on a 2026-07-28 request the handler's
// unanswered asks end the round with `input_required`, and the retry replays the handler with
// the answers. `.key(..)` names an ask when the client must answer under a known key.

/// Tests server-initiated sampling (LLM completion request)
#[tool]
pub(crate) async fn test_sampling(
    #[arg(description = "The prompt to send to the LLM")] prompt: String,
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let reply = ctx.sample(prompt).max_tokens(100).await?;
    Ok(format!("LLM response: {}", reply.text()))
}

/// The user's answer, as text for the model.
pub(crate) fn describe(answer: &ElicitResult) -> String {
    let action = match answer.action {
        ElicitAction::Accept => "accept",
        ElicitAction::Decline => "decline",
        ElicitAction::Cancel => "cancel",
    };
    let content = Value::Object(answer.content.clone().unwrap_or_default());
    format!("action={action}, content={content}")
}

/// A string field of an accepted form.
pub(crate) fn field(answer: &ElicitResult, name: &str) -> String {
    answer
        .content
        .as_ref()
        .and_then(|c| c.get(name))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .unwrap_or_default()
}

/// Tests server-initiated elicitation (user input request)
#[tool]
pub(crate) async fn test_elicitation(
    #[arg(description = "The message to show the user")] message: String,
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "Your user name"},
            "email": {"type": "string", "description": "Your email address"}
        },
        "required": ["username", "email"]
    });
    let answer = ctx.elicit(message, schema).await?;
    Ok(format!("User response: {}", describe(&answer)))
}

/// Tests elicitation with default values per SEP-1034
#[tool]
pub(crate) async fn test_elicitation_sep1034_defaults(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "User name", "default": "John Doe"},
            "age": {"type": "integer", "description": "User age", "default": 30},
            "score": {"type": "number", "description": "User score", "default": 95.5},
            "status": {
                "type": "string",
                "description": "User status",
                "enum": ["active", "inactive", "pending"],
                "default": "active"
            },
            "verified": {"type": "boolean", "description": "Verification status", "default": true}
        },
        "required": []
    });
    let answer = ctx
        .elicit(
            "Please review and update the form fields with defaults",
            schema,
        )
        .await?;
    Ok(format!("Elicitation completed: {}", describe(&answer)))
}

/// Tests elicitation with enum schema improvements per SEP-1330
#[tool]
pub(crate) async fn test_elicitation_sep1330_enums(ctx: Context<'_>) -> Result<String, ToolError> {
    let titled = |titles: [&str; 3]| {
        (1..=3)
            .zip(titles)
            .map(|(i, title)| json!({"const": format!("value{i}"), "title": title}))
            .collect::<Vec<_>>()
    };
    let schema = json!({
        "type": "object",
        "properties": {
            "untitledSingle": {
                "type": "string",
                "description": "Select one option",
                "enum": ["option1", "option2", "option3"]
            },
            "titledSingle": {
                "type": "string",
                "description": "Select one option with titles",
                "oneOf": titled(["First Option", "Second Option", "Third Option"])
            },
            "legacyEnum": {
                "type": "string",
                "description": "Select one option (legacy)",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"]
            },
            "untitledMulti": {
                "type": "array",
                "description": "Select multiple options",
                "minItems": 1,
                "maxItems": 3,
                "items": {"type": "string", "enum": ["option1", "option2", "option3"]}
            },
            "titledMulti": {
                "type": "array",
                "description": "Select multiple options with titles",
                "minItems": 1,
                "maxItems": 3,
                "items": {"anyOf": titled(["First Choice", "Second Choice", "Third Choice"])}
            }
        },
        "required": []
    });
    let answer = ctx
        .elicit("Please select options from the enum fields", schema)
        .await?;
    Ok(format!("Elicitation completed: {}", describe(&answer)))
}

/// A one-field form asking for a string.
pub(crate) fn ask_for(field: &str) -> Value {
    json!({"type": "object", "properties": {field: {"type": "string"}}, "required": [field]})
}

/// MRTR: asks the user's name (elicitation, under the key `user_name`)
#[tool]
pub(crate) async fn test_input_required_result_elicitation(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("What is your name?", ask_for("name"))
        .key("user_name")
        .await?;
    Ok(format!("Hello, {}!", field(&answer, "name")))
}

/// MRTR: asks the client's model a question (sampling)
#[tool]
pub(crate) async fn test_input_required_result_sampling(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let reply = ctx
        .sample("What is the capital of France?")
        .max_tokens(100)
        .await?;
    Ok(format!("Sampling result: {}", reply.text()))
}

/// MRTR: asks for the client's roots (roots/list)
#[tool]
pub(crate) async fn test_input_required_result_list_roots(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let roots = ctx.list_roots().await?;
    Ok(format!("Found {} root(s)", roots.len()))
}

/// MRTR: asks for a confirmation; the answer comes back with the sealed requestState
#[tool]
pub(crate) async fn test_input_required_result_request_state(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let schema =
        json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
    let answer = ctx.elicit("Please confirm", schema).await?;
    let ok = answer.content.as_ref().and_then(|c| c.get("ok")) == Some(&Value::Bool(true));
    Ok(format!("state-ok: confirmed={ok}"))
}

/// MRTR: asks three things at once (elicitation, sampling and roots in one round)
#[tool]
pub(crate) async fn test_input_required_result_multiple_inputs(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let (name, greeting, roots) = futures::join!(
        ctx.elicit("What is your name?", ask_for("name")),
        ctx.sample("Generate a greeting").max_tokens(50),
        ctx.list_roots(),
    );
    Ok(format!(
        "Name: {}; Greeting: {}; Roots: {}",
        field(&name?, "name"),
        greeting?.text(),
        roots?.len()
    ))
}

/// MRTR: asks one question per round, the second after the first is answered
#[tool]
pub(crate) async fn test_input_required_result_multi_round(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let name = field(
        &ctx.elicit("Step 1: What is your name?", ask_for("name"))
            .await?,
        "name",
    );
    let color = field(
        &ctx.elicit("Step 2: What is your favorite color?", ask_for("color"))
            .await?,
        "color",
    );
    Ok(format!("Multi-round complete for {name} who likes {color}"))
}

/// MRTR: the requestState is sealed (AES-256-GCM-SIV); a tampered one is refused before this runs again
#[tool]
pub(crate) async fn test_input_required_result_tampered_state(
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let schema =
        json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
    ctx.elicit("Please confirm", schema).await?;
    Ok("integrity-ok: state verified".into())
}

/// MRTR: asks only for what the request's client capabilities declare
#[tool]
pub(crate) async fn test_input_required_result_capabilities(ctx: Context<'_>) -> String {
    // An ask the client did not declare fails at once with `NotSupported`; nothing is sent.
    let (elicited, sampled) = futures::join!(
        ctx.elicit("Elicitation input", ask_for("value")),
        ctx.sample("Sample request").max_tokens(50),
    );
    let received: Vec<&str> = [
        elicited.is_ok().then_some("elicitation"),
        sampled.is_ok().then_some("sampling"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if received.is_empty() {
        "No supported capabilities declared".into()
    } else {
        format!("capabilities-ok: received {}", received.join(","))
    }
}

/// Needs the client's model: refused up front when the request does not declare sampling
#[tool(requires(sampling))]
pub(crate) async fn test_missing_capability(ctx: Context<'_>) -> Result<String, ToolError> {
    // `requires(sampling)`: a 2026-07-28 request without the capability gets -32021 (naming
    // it) before the tool runs; a 2025-11-25 session gets a tool error.
    ctx.sample("Say 'Success'").max_tokens(5).await?;
    Ok("Success".into())
}

/// Diagnostic tool validating response progress streams
#[tool]
pub(crate) async fn test_streaming_elicitation(ctx: Context<'_>) -> String {
    ctx.report_progress(50.0, Some(100.0), Some("Halfway"))
        .await;
    "Streaming complete".into()
}

/// Diagnostic logging validator tool
#[tool]
pub(crate) async fn test_logging_tool(ctx: Context<'_>) -> String {
    // Sent only when the request asked for a log level: 2026-07-28 requests without
    // `_meta["io.modelcontextprotocol/logLevel"]` get no log messages at all.
    ctx.info("Diagnostic trace logging activated").await;
    "Logging evaluated".into()
}
