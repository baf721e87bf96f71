//! Code generation from the model. The expansion stays small: an argument struct, a shim that
//! decodes and calls, and a `ToolDef` built by runtime code.

mod args;
mod elicit;
mod prompt;
mod resource;
mod tool;
mod tools_impl;
mod wrapper;

pub(crate) use elicit::derive_elicit;
pub(crate) use prompt::prompt_fn;
pub(crate) use resource::resource_fn;
pub(crate) use tool::tool_fn;
pub(crate) use tools_impl::tool_impl;
