//! The rules Toolsmith checks twice: once at compile time in its attribute macros (errors at the
//! user's literal) and once at registration in the runtime (for definitions built by hand). Both
//! call the functions here, so nothing the macros accept can fail at registration.
//!
//! - [`UriTemplate`]: the RFC 6570 subset resource templates use (`{var}` and `{+var}`).
//! - [`check_tool_name`]: the MCP tool-name rule.
//! - [`check_scope`]: an OAuth scope a handler requires (`scopes = [..]`).
//! - [`check_icon_src`]: an icon's source (`icons = [..]`): `https:`, `http:` or `data:image/`.
//! - [`check_designation`] and [`check_unique_headers`]: `x-mcp-header` designations (SEP-2243);
//!   with the `json` feature, `designations` walks a tool's `serde_json` input schema and applies
//!   them.
//! - `check_output_schema` (feature `json`): a tool's `outputSchema` is a JSON Schema of any
//!   type (2026-07-28 allows non-object output).
//!
//! Each rule fails with its own error enum, whose `Display` is the message both sides print.
//! Without features the crate uses only `std`; `json` adds `serde_json`.
//!
//! ```
//! use toolsmith_rules::{check_tool_name, TemplateError, UriTemplate};
//!
//! let t = UriTemplate::parse("users://{id}/files/{+path}").unwrap();
//! assert_eq!(t.variables().collect::<Vec<_>>(), ["id", "path"]);
//!
//! // Two variables in a row can't be told apart when matching a URI.
//! let e = UriTemplate::parse("x://{a}{b}").unwrap_err();
//! assert!(matches!(e, TemplateError::AdjacentVariables { .. }));
//! assert!(e.to_string().contains("as in `{a}/{b}`"));
//!
//! assert!(check_tool_name("get_weather").is_ok());
//! assert!(check_tool_name("get weather").is_err());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "json")]
mod designations;
mod header;
mod icon;
mod name;
#[cfg(feature = "json")]
mod output_schema;
mod scope;
mod template;

#[cfg(feature = "json")]
pub use designations::{designations, Designation};
pub use header::{check_designation, check_header_name, check_unique_headers, DesignationError};
pub use icon::{check_icon_src, IconError};
pub use name::{check_tool_name, NameError, MAX_TOOL_NAME_LEN};
#[cfg(feature = "json")]
pub use output_schema::{check_output_schema, OutputSchemaError};
pub use scope::{check_scope, ScopeError};
pub use template::{Segment, TemplateError, UriTemplate};
