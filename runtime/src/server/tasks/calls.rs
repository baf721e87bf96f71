//! Which calls become tasks, and who may use the `tasks/*` methods.

use super::{declared, missing_extension};
use crate::jsonrpc::ErrorObject;
use crate::protocol::{ClientCapabilities, TaskSupport};

/// The methods of the tasks extension a client sends.
pub(crate) const METHODS: [&str; 3] = ["tasks/get", "tasks/update", "tasks/cancel"];

/// How a `tools/call` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Answered when the handler returns.
    Plain,
    /// A task from the start.
    Task,
    /// A plain request until the handler calls `ctx.run_as_task()`.
    Escalating,
}

/// How a `tools/call` of `tool` (its name, task support and whether it escalates; `None`:
/// another method) from a caller declaring `caps` runs: as a task when the tool supports tasks
/// and the caller declared the extension; the missing-capability error when the
/// tool requires a task and the caller did not declare it; else plain (also for a legacy `task`
/// parameter on a tool without task support).
pub(crate) fn mode(
    tool: Option<(&str, TaskSupport, bool)>,
    caps: &ClientCapabilities,
) -> Result<Mode, ErrorObject> {
    let Some((tool, support, escalates)) = tool else {
        return Ok(Mode::Plain);
    };
    match (support, declared(caps)) {
        (TaskSupport::Forbidden, _) => Ok(Mode::Plain),
        (_, true) if escalates => Ok(Mode::Escalating),
        (_, true) => Ok(Mode::Task),
        (TaskSupport::Optional, false) => Ok(Mode::Plain),
        (TaskSupport::Required, false) => Err(missing_extension(format!(
            "tool `{tool}` runs only as a task, and this request did not declare the tasks extension"
        ))),
    }
}

/// `tasks/get`, `tasks/update` and `tasks/cancel` need the caller to declare the extension.
pub(crate) fn gate(method: &str, caps: &ClientCapabilities) -> Result<(), ErrorObject> {
    if declared(caps) {
        Ok(())
    } else {
        Err(missing_extension(format!(
            "`{method}` needs the tasks extension, which this request did not declare"
        )))
    }
}
