//! Tools: their definitions, how arguments are decoded, and how return values become results.

mod args;
mod def;
mod dynamic;
mod error;
mod output;
mod schema_shape;
mod wrapped_output;

pub use args::{
    arg, args_tool, args_tool_method, ArgsSchema, NoDefault, NullDefault, SerializedDefault,
    ToolArgs,
};
pub(crate) use def::validate_tool;
pub use def::{IntoTool, ToolBox, ToolDef, ToolFn, ToolMarker, ToolMeta, ToolMethod};
pub use error::IntoHandlerError;
pub use error::ToolError;
pub(crate) use error::{unmask, unmask_error, url_required};
pub use output::{IntoToolError, ResultOutput, ToolOutput};
pub(crate) use wrapped_output::{needs_wrapping, wrap_result, wrapped_listing};
