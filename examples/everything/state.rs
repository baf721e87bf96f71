//! Tools: shared state, and changing the server while it runs.

use toolsmith::prelude::*;
use toolsmith::ServerHandle;

use super::*;

// ===== Tools: shared state, and changing the server while it runs ===============================
//
// `#[tools]` on an impl block makes each `#[tool]` method a tool bound to shared state. Here the
// state is a `ServerHandle`, which adds and removes tools, resources and prompts at runtime;
// every client that listens (a 2025-11-25 session, or a 2026-07-28 `subscriptions/listen`
// stream) is told the list changed.

/// Changes what the server offers while it runs.
pub(crate) struct Mutations {
    pub(crate) server: ServerHandle,
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
