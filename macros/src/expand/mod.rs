//! Code generation from the model. The expansion stays small: an argument struct, a shim that
//! decodes and calls, and a `ToolDef` built by runtime code.

mod tool;

pub(crate) use tool::{tool_fn, tool_impl};
