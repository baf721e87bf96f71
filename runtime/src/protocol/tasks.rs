//! Wire types of the tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663): a tool's task
//! support, a task's status, and the extension's name.

use serde::{Deserialize, Serialize};

/// The extension's identifier, as declared under `capabilities.extensions` by both sides.
pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// Whether a tool runs as a task (listed as `execution.taskSupport` in `tools/list`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TaskSupport {
    /// Never a task: the call is answered when the tool returns (the default).
    #[default]
    Forbidden,
    /// A task when the caller declares the tasks extension; otherwise answered when it returns.
    Optional,
    /// Only as a task: a caller that does not declare the extension gets the
    /// missing-capability error (`-32021`).
    Required,
}

impl TaskSupport {
    /// The spelling used on the wire and in `#[tool(task = "..")]`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSupport::Forbidden => "forbidden",
            TaskSupport::Optional => "optional",
            TaskSupport::Required => "required",
        }
    }
}

/// How a tool is executed (the `execution` member of a tool's listing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolExecution {
    /// Whether the tool runs as a task.
    #[serde(default)]
    pub task_support: TaskSupport,
}

impl ToolExecution {
    /// Execution with this task support.
    pub fn new(task_support: TaskSupport) -> Self {
        ToolExecution { task_support }
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TaskStatus {
    /// Running.
    Working,
    /// Waiting for the client's answers to its `inputRequests` (sent with `tasks/update`).
    InputRequired,
    /// Done: the tool's result (which may be a tool error, `isError: true`) is inlined.
    Completed,
    /// A protocol-level failure: an error object is inlined, no result.
    Failed,
    /// Cancelled with `tasks/cancel` (or it outlived its time to live).
    Cancelled,
}

impl TaskStatus {
    /// True for `completed`, `failed` and `cancelled`: nothing changes any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_spellings() {
        assert_eq!(
            serde_json::to_value(ToolExecution {
                task_support: TaskSupport::Required
            })
            .unwrap(),
            json!({"taskSupport": "required"})
        );
        assert_eq!(
            serde_json::to_value(TaskStatus::InputRequired).unwrap(),
            json!("input_required")
        );
        assert!(TaskStatus::Cancelled.is_terminal());
        assert!(!TaskStatus::Working.is_terminal());
    }
}
