//! Tools: long-running work as tasks (the tasks extension, `io.modelcontextprotocol/tasks`).
//!
//! `#[tool(task = "optional")]` runs the tool as a task for a client that declares the
//! extension: the call answers at once with the task, the tool runs in the background, and the
//! client polls `tasks/get`. `task = "required"` refuses clients without the extension. Inside a
//! task, `ctx.elicit()` / `ctx.sample()` park the task as `input_required` until the client
//! answers with `tasks/update`.

use std::time::Duration;

use serde_json::json;
use toolsmith::prelude::*;

use super::asking::field;

/// Greets someone (a plain tool: never a task)
#[tool]
pub(crate) async fn greet(#[arg(description = "Who to greet")] name: String) -> String {
    format!("Hello, {name}!")
}

/// Works for `seconds` seconds, then reports (a task for clients that support tasks)
#[tool(task = "optional")]
pub(crate) async fn slow_compute(
    #[arg(description = "How long to work, in seconds")] seconds: u64,
    #[arg(description = "A label echoed in the result")] label: Option<String>,
) -> String {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    format!(
        "computed `{}` in {seconds}s",
        label.unwrap_or_else(|| "job".into())
    )
}

/// Fails after a second with a tool error (only as a task)
#[tool(task = "required")]
pub(crate) async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(ToolError::new("the job failed, as it always does"))
}

/// Panics: a protocol-level failure of its task
#[tool(task = "optional")]
pub(crate) async fn protocol_error_job() -> String {
    panic!("protocol_error_job always panics")
}

/// Asks the user to confirm before deleting a file (its task waits for the answer)
#[tool(task = "optional")]
pub(crate) async fn confirm_delete(
    #[arg(description = "The file to delete")] filename: String,
    ctx: Context<'_>,
) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {"confirm": {"type": "boolean", "description": "Delete it?"}},
        "required": ["confirm"]
    });
    let answer = ctx.elicit(format!("Delete `{filename}`?"), schema).await?;
    let confirmed = answer.content.as_ref().and_then(|c| c.get("confirm")) == Some(&json!(true));
    Ok(if confirmed {
        format!("deleted `{filename}`")
    } else {
        format!("kept `{filename}`")
    })
}

/// Asks two questions at once (its task waits for both answers)
#[tool(task = "optional")]
pub(crate) async fn multi_input(ctx: Context<'_>) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "confirm": {"type": "boolean"}},
        "required": ["name"]
    });
    let (first, second) = futures::join!(
        ctx.elicit("First question: your name?", schema.clone()),
        ctx.elicit("Second question: your name again?", schema.clone()),
    );
    let (first, second) = (first?, second?);
    Ok(format!(
        "first={}, second={}",
        field(&first, "name"),
        field(&second, "name")
    ))
}

/// Asks for a name (multi round-trip), then finishes the work as a task
#[tool(task = "required", escalate)]
pub(crate) async fn test_tool_with_task(ctx: Context<'_>) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string", "description": "Your name"}},
        "required": ["name"]
    });
    let answer = ctx
        .elicit("What is your name?", schema)
        .key("user_name")
        .await?;
    // The input is in: answer the call with a task, and do the slow part in the background.
    ctx.run_as_task().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(format!(
        "Hello, {}! Your task is done.",
        field(&answer, "name")
    ))
}
