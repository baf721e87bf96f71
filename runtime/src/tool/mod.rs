//! Tools: their definitions, how arguments are decoded, and how return values become results.

mod def;
mod error;
mod output;

pub(crate) use def::validate_tool_name;
pub use def::{IntoTool, ToolBox, ToolDef, ToolFn, ToolMarker, ToolMeta, ToolMethod};
pub(crate) use error::unmask;
pub use error::ToolError;
pub use output::{IntoToolError, ResultOutput, ToolOutput};
