//! Which calls become tasks, and who may use the `tasks/*` methods.

use super::{declared, missing_extension};
use crate::jsonrpc::ErrorObject;
use crate::protocol::{ClientCapabilities, TaskSupport};
use crate::server::registry::Registry;

/// The methods of the tasks extension a client sends.
pub(crate) const METHODS: [&str; 3] = ["tasks/get", "tasks/update", "tasks/cancel"];

/// Whether a `tools/call` of `tool` from a caller declaring `caps` runs as a task: yes when the
/// tool supports tasks and the caller declared the extension; the missing-capability error when
/// the tool requires a task and the caller did not declare it; else no (a plain call, also for
/// a legacy `task` parameter on a tool without task support).
pub(crate) fn runs_as_task(
    registry: &Registry,
    tool: &str,
    caps: &ClientCapabilities,
) -> Result<bool, ErrorObject> {
    let support = registry
        .tool(tool)
        .map_or(TaskSupport::Forbidden, |t| t.task_support());
    match (support, declared(caps)) {
        (TaskSupport::Forbidden, _) => Ok(false),
        (_, true) => Ok(true),
        (TaskSupport::Optional, false) => Ok(false),
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
