//! Everything the official MCP conformance suite (`@modelcontextprotocol/conformance`) asks a
//! server for, written with Toolsmith's macros — and a tour of the toolkit, top to bottom:
//! plain tools, rich content, logging and progress, asking the client (sampling, elicitation,
//! roots), shared state with `#[tools]`, resources and templates, prompts, completions, and
//! changing what the server offers while it runs.
//!
//! The same handlers serve both protocol eras: a 2025-11-25 session (`initialize`, then
//! server-to-client requests on the request's stream) and 2026-07-28 stateless requests, where
//! every `ctx.sample()` / `ctx.elicit()` / `ctx.list_roots()` becomes a multi round-trip request
//! (`input_required`, then a retry carrying the answers) without a line of code changing.
//!
//! ```text
//! cargo run --example everything_server -- --http 127.0.0.1:3001   # streamable HTTP at /mcp
//! cargo run --example everything_server -- --http                  # the same (the default)
//! cargo run --example everything_server                            # stdio
//! ```
//!
//! `.ci/conformance.sh` runs the suite against it.

use std::borrow::Cow;
use std::time::Duration;

use clap::Parser;
use schemars::{json_schema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{ElicitAction, ElicitResult, ServerHandle};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x05, 0x02, 0x00, 0x5f, 0xc8, 0xf1, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A tiny WAV file (one silent sample).
const WAV: &[u8] = &[
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
async fn test_simple_text() -> String {
    "This is a simple text response for testing.".into()
}

/// Tests image content response
#[tool]
async fn test_image_content() -> Content {
    Content::image(PNG, "image/png")
}

/// Tests audio content response
#[tool]
async fn test_audio_content() -> Content {
    Content::audio(WAV, "audio/wav")
}

/// Tests embedded resource content response
#[tool]
async fn test_embedded_resource() -> Content {
    Content::resource(ResourceContents::text(
        "test://embedded-resource",
        Some("text/plain".into()),
        "This is an embedded resource content.",
    ))
}

/// Tests response with multiple content types (text, image, resource)
#[tool]
async fn test_multiple_content_types() -> CallToolResult {
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
async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

// ===== Tools: talking while working =============================================================
//
// `ctx: Context<'_>` (any name, any position) is injected and left out of the schema. Logs go to
// the client at the level it asked for (`logging/setLevel`, or per request in 2026-07-28);
// progress goes out only when the caller sent a progress token. Both travel on the request's
// own stream, before its result.

/// Tests tool that emits log messages during execution
#[tool]
async fn test_tool_with_logging(ctx: Context<'_>) -> String {
    ctx.info("Tool execution started").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool processing data").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool execution completed").await;
    "Tool with logging executed successfully".into()
}

/// Tests tool that reports progress notifications
#[tool]
async fn test_tool_with_progress(ctx: Context<'_>) -> String {
    for step in [0.0, 50.0, 100.0] {
        let message = format!("Completed step {step} of 100");
        ctx.report_progress(step, Some(100.0), Some(&message)).await;
        if step < 100.0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    "Progress reported: 0, 50 and 100 of 100".into()
}

/// Tests SSE stream disconnection and client reconnection (SEP-1699)
#[tool]
async fn test_reconnection() -> String {
    // The suite's SSE-polling probe. The result comes on the request's own response (the server
    // may close a stream early and let the client resume it with `Last-Event-ID`, but a handler
    // cannot ask for that yet), which the probe accepts.
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully.".into()
}

// ===== Tools: asking the client =================================================================
//
// `ctx.sample()` asks the client's model, `ctx.elicit()` the user, `ctx.list_roots()` the
// client's roots. Each is a lazy builder: set options, then `.await` it. On a 2025-11-25 session
// it is a request to the client on this request's stream; on a 2026-07-28 request the handler's
// unanswered asks end the round with `input_required`, and the retry replays the handler with
// the answers. `.key(..)` names an ask when the client must answer under a known key.

/// Tests server-initiated sampling (LLM completion request)
#[tool]
async fn test_sampling(
    #[arg(description = "The prompt to send to the LLM")] prompt: String,
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let reply = ctx.sample(prompt).max_tokens(100).await?;
    Ok(format!("LLM response: {}", reply.text()))
}

/// The user's answer, as text for the model.
fn describe(answer: &ElicitResult) -> String {
    let action = match answer.action {
        ElicitAction::Accept => "accept",
        ElicitAction::Decline => "decline",
        ElicitAction::Cancel => "cancel",
    };
    let content = Value::Object(answer.content.clone().unwrap_or_default());
    format!("action={action}, content={content}")
}

/// A string field of an accepted form.
fn field(answer: &ElicitResult, name: &str) -> String {
    answer
        .content
        .as_ref()
        .and_then(|c| c.get(name))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .unwrap_or_default()
}

/// Tests server-initiated elicitation (user input request)
#[tool]
async fn test_elicitation(
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
async fn test_elicitation_sep1034_defaults(ctx: Context<'_>) -> Result<String, ToolError> {
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
async fn test_elicitation_sep1330_enums(ctx: Context<'_>) -> Result<String, ToolError> {
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
fn ask_for(field: &str) -> Value {
    json!({"type": "object", "properties": {field: {"type": "string"}}, "required": [field]})
}

/// MRTR: asks the user's name (elicitation, under the key `user_name`)
#[tool]
async fn test_input_required_result_elicitation(ctx: Context<'_>) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("What is your name?", ask_for("name"))
        .key("user_name")
        .await?;
    Ok(format!("Hello, {}!", field(&answer, "name")))
}

/// MRTR: asks the client's model a question (sampling)
#[tool]
async fn test_input_required_result_sampling(ctx: Context<'_>) -> Result<String, ToolError> {
    let reply = ctx
        .sample("What is the capital of France?")
        .max_tokens(100)
        .await?;
    Ok(format!("Sampling result: {}", reply.text()))
}

/// MRTR: asks for the client's roots (roots/list)
#[tool]
async fn test_input_required_result_list_roots(ctx: Context<'_>) -> Result<String, ToolError> {
    let roots = ctx.list_roots().await?;
    Ok(format!("Found {} root(s)", roots.len()))
}

/// MRTR: asks for a confirmation; the answer comes back with the sealed requestState
#[tool]
async fn test_input_required_result_request_state(ctx: Context<'_>) -> Result<String, ToolError> {
    let schema =
        json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
    let answer = ctx.elicit("Please confirm", schema).await?;
    let ok = answer.content.as_ref().and_then(|c| c.get("ok")) == Some(&Value::Bool(true));
    Ok(format!("state-ok: confirmed={ok}"))
}

/// MRTR: asks three things at once (elicitation, sampling and roots in one round)
#[tool]
async fn test_input_required_result_multiple_inputs(ctx: Context<'_>) -> Result<String, ToolError> {
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
async fn test_input_required_result_multi_round(ctx: Context<'_>) -> Result<String, ToolError> {
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

/// MRTR: the requestState is sealed (HMAC); a tampered one is refused before this runs again
#[tool]
async fn test_input_required_result_tampered_state(ctx: Context<'_>) -> Result<String, ToolError> {
    let schema =
        json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
    ctx.elicit("Please confirm", schema).await?;
    Ok("integrity-ok: state verified".into())
}

/// MRTR: asks only for what the request's client capabilities declare
#[tool]
async fn test_input_required_result_capabilities(ctx: Context<'_>) -> String {
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
async fn test_missing_capability(ctx: Context<'_>) -> Result<String, ToolError> {
    // `requires(sampling)`: a 2026-07-28 request without the capability gets -32021 (naming
    // it) before the tool runs; a 2025-11-25 session gets a tool error.
    ctx.sample("Say 'Success'").max_tokens(5).await?;
    Ok("Success".into())
}

/// Diagnostic tool validating response progress streams
#[tool]
async fn test_streaming_elicitation(ctx: Context<'_>) -> String {
    ctx.report_progress(50.0, Some(100.0), Some("Halfway"))
        .await;
    "Streaming complete".into()
}

/// Diagnostic logging validator tool
#[tool]
async fn test_logging_tool(ctx: Context<'_>) -> String {
    // Sent only when the request asked for a log level: 2026-07-28 requests without
    // `_meta["io.modelcontextprotocol/logLevel"]` get no log messages at all.
    ctx.info("Diagnostic trace logging activated").await;
    "Logging evaluated".into()
}

// ===== Tools: taking the input schema in hand ===================================================
//
// `Params<T>` takes the whole argument object as one type, and `T`'s `JsonSchema` is the input
// schema: schemars attributes shape it, and a hand-written `JsonSchema` impl publishes any JSON
// Schema 2020-12 document as is.

/// The arguments of `test_mirrored_header`.
#[derive(Debug, Deserialize, JsonSchema)]
struct RegionArgs {
    /// The region to run in
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: String,
}

/// Runs in a region; over HTTP the region also travels in an `Mcp-Param-Region` header, which
/// the transport checks against the argument (2026-07-28)
#[tool]
async fn test_mirrored_header(Params(args): Params<RegionArgs>) -> String {
    format!("Ran in region {}", args.region)
}

/// The arguments of `json_schema_2020_12_tool`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactForm {
    name: Option<String>,
    address: Option<Value>,
    contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl JsonSchema for ContactForm {
    fn schema_name() -> Cow<'static, str> {
        "ContactForm".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
                }
            },
            "properties": {
                "name": {"type": "string"},
                "address": {"$ref": "#/$defs/address"},
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"}
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false
        })
    }
}

/// Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)
#[tool]
async fn json_schema_2020_12_tool(Params(form): Params<ContactForm>) -> String {
    let args = serde_json::to_string(&form).unwrap_or_default();
    format!("JSON Schema 2020-12 tool called with: {args}")
}

// ===== Tools: shared state, and changing the server while it runs ===============================
//
// `#[tools]` on an impl block makes each `#[tool]` method a tool bound to shared state. Here the
// state is a `ServerHandle`, which adds and removes tools, resources and prompts at runtime;
// every client that listens (a 2025-11-25 session, or a 2026-07-28 `subscriptions/listen`
// stream) is told the list changed.

/// Changes what the server offers while it runs.
struct Mutations {
    server: ServerHandle,
}

#[tools]
impl Mutations {
    /// Re-registers a tool, so that listeners hear `notifications/tools/list_changed`
    #[tool]
    async fn test_trigger_tool_change(&self) -> Result<String, ToolError> {
        self.server.add_tool(test_simple_text)?;
        Ok("Mutation triggered".into())
    }

    /// Re-registers a prompt, so that listeners hear `notifications/prompts/list_changed`
    #[tool]
    async fn test_trigger_prompt_change(&self) -> Result<String, ToolError> {
        self.server.add_prompt(test_simple_prompt)?;
        Ok("Mutation triggered".into())
    }
}

// ===== Resources ================================================================================
//
// `#[resource(uri = ..)]` serves a static URI, or a family of URIs when the URI is a template
// (each `{variable}` is a parameter of the same name, parsed with `FromStr`). A `String` is text,
// `Vec<u8>` binary (sent base64), `Json<T>` the JSON text of any `Serialize` value.

/// A static text resource for testing
#[resource(
    uri = "test://static-text",
    name = "static-text",
    title = "Static Text Resource",
    mime_type = "text/plain"
)]
async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (image) for testing
#[resource(
    uri = "test://static-binary",
    name = "static-binary",
    title = "Static Binary Resource",
    mime_type = "image/png"
)]
async fn static_binary() -> Vec<u8> {
    PNG.to_vec()
}

/// A resource that subscribers hear about when it changes
#[resource(
    uri = "test://watched-resource",
    name = "watched-resource",
    title = "Watched Resource",
    mime_type = "text/plain"
)]
async fn watched_resource() -> &'static str {
    "Watched resource content"
}

/// What a read of `test://template/{id}/data` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateData {
    id: String,
    template_test: bool,
    data: String,
}

/// A resource template with parameter substitution
#[resource(
    uri = "test://template/{id}/data",
    name = "template",
    title = "Resource Template",
    mime_type = "application/json"
)]
async fn template(id: String) -> Json<TemplateData> {
    Json(TemplateData {
        data: format!("Data for ID: {id}"),
        id,
        template_test: true,
    })
}

// ===== Prompts ==================================================================================
//
// `#[prompt]`: each parameter is a prompt argument (required unless `Option<T>`). Return a
// `String` (one user message), `Content`, or `Vec<PromptMessage>`.

/// A simple prompt without arguments
#[prompt(title = "Simple Test Prompt")]
async fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with required arguments
#[prompt(title = "Prompt With Arguments")]
async fn test_prompt_with_arguments(
    #[arg(description = "First test argument")] arg1: String,
    #[arg(description = "Second test argument")] arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt that includes an embedded resource
#[prompt(title = "Prompt With Embedded Resource")]
async fn test_prompt_with_embedded_resource(
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
async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(PNG, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// MRTR: prompt that requires elicitation input
#[prompt]
async fn test_input_required_result_prompt(ctx: Context<'_>) -> Result<String, String> {
    let answer = ctx
        .elicit("What context should the prompt use?", ask_for("context"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "Prompt with context: {}",
        field(&answer, "context")
    ))
}

// ===== The server ===============================================================================

/// Build the server: register everything above, in the order `tools/list` shows it.
fn server() -> Server {
    let server = Server::new("mcp-conformance-test-server", "1.0.0");
    let mutations = Mutations {
        server: server.handle(),
    };
    server
        .instructions("A server exercising every feature the MCP conformance suite tests.")
        .tool(test_simple_text)
        .tool(test_image_content)
        .tool(test_audio_content)
        .tool(test_embedded_resource)
        .tool(test_multiple_content_types)
        .tool(test_tool_with_logging)
        .tool(test_tool_with_progress)
        .tool(test_error_handling)
        .tool(test_reconnection)
        .tool(test_sampling)
        .tool(test_elicitation)
        .tool(test_elicitation_sep1034_defaults)
        .tool(test_elicitation_sep1330_enums)
        .tool(json_schema_2020_12_tool)
        .tool(test_mirrored_header)
        .tool(test_missing_capability)
        .tool(test_streaming_elicitation)
        .tool(test_logging_tool)
        .tool(test_input_required_result_elicitation)
        .tool(test_input_required_result_sampling)
        .tool(test_input_required_result_list_roots)
        .tool(test_input_required_result_request_state)
        .tool(test_input_required_result_multiple_inputs)
        .tool(test_input_required_result_multi_round)
        .tool(test_input_required_result_tampered_state)
        .tool(test_input_required_result_capabilities)
        .tools(mutations)
        .resource(static_text)
        .resource(static_binary)
        .resource(watched_resource)
        .resource(template)
        .prompt(test_simple_prompt)
        .prompt(test_prompt_with_arguments)
        .prompt(test_prompt_with_embedded_resource)
        .prompt(test_prompt_with_image)
        .prompt(test_input_required_result_prompt)
        // `completion/complete` for a prompt argument (this one has no suggestions).
        .complete_prompt_argument("test_prompt_with_arguments", "arg1", |_typed, _args| {
            Vec::new()
        })
}

#[derive(Parser)]
#[command(about = "The MCP conformance suite's everything-server, built with Toolsmith")]
struct Args {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:3001")]
    http: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    // Diagnostics go to stderr: on stdio, stdout carries only protocol messages.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match Args::parse().http {
        Some(addr) => server().serve_http(addr).await,
        None => server().serve_stdio().await,
    }
}
