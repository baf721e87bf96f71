use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::protocol::{CallToolResult, Content};
use crate::schema;

/// A value a `#[tool]` can return (directly, or as the `Ok` of a `Result`).
///
/// Implemented for every `Serialize + JsonSchema` type: the type's schema is the tool's
/// `outputSchema`, and a value is returned as `structuredContent` plus a text copy (a string as
/// it is, anything else as JSON). Any type works, not only structs: a `Vec<T>`, a `String`, a
/// number or an enum is sent as it is in protocol 2026-07-28, which allows any output schema,
/// and wrapped as `{"result": value}` (with an object schema to match) in 2025-11-25, which
/// allows only objects. `()` declares no schema and returns empty content. Also implemented for
/// [`Content`] and [`CallToolResult`], which are returned as they are.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be returned from a #[tool]",
    label = "this return type is not a tool output",
    note = "return a `String`, a type that derives `serde::Serialize` and `schemars::JsonSchema`, `Content`, `CallToolResult`, or `Result<T, E>` of one of these (E: Display)"
)]
pub trait ToolOutput {
    /// The `outputSchema` to declare, computed once at registration.
    fn output_schema() -> Option<Value> {
        None
    }

    /// Turn the value into a successful result.
    fn into_call_tool_result(self) -> CallToolResult;
}

/// A plain string (`String`, `&str`, `Cow<str>`...): its text content says everything, so it
/// declares no output schema and sends no `structuredContent` (as before non-object outputs
/// were structured; the Python SDK wraps strings too, rmcp does not). Decided from schemars'
/// cheap schema name, not by generating the schema on every call. A string enum (`Mood`) is not
/// plain: its schema lists the values.
fn is_plain_text<T: JsonSchema + ?Sized>() -> bool {
    T::inline_schema() && T::schema_name() == "string"
}

impl<T: Serialize + JsonSchema> ToolOutput for T {
    fn output_schema() -> Option<Value> {
        if is_plain_text::<T>() {
            return None;
        }
        let mut s = schema::schema_value::<T>();
        // A type that is always inlined (a `Vec`, a `String`, a number...) gets a generated
        // title (`Array_of_Row`, `string`) that names nothing: left out.
        if T::inline_schema() {
            if let Some(obj) = s.as_object_mut() {
                obj.remove("title");
            }
        }
        // `serde_json::Value` and the like: the schema `true`, which the wire types of both
        // eras can't carry (an outputSchema is an object); `{}` says the same.
        if s == Value::Bool(true) {
            s = Value::Object(Default::default());
        }
        // `()`: nothing to describe.
        (s.get("type") != Some(&Value::from("null"))).then_some(s)
    }

    fn into_call_tool_result(self) -> CallToolResult {
        match serde_json::to_value(&self) {
            // `()` (its schema is only looked at for a null value: rare).
            Ok(Value::Null) if T::output_schema().is_none() => CallToolResult::new(Vec::new()),
            Ok(Value::String(text)) if is_plain_text::<T>() => {
                CallToolResult::new(vec![Content::text(text)])
            }
            Ok(v) => {
                let text = match &v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                CallToolResult {
                    content: vec![Content::text(text)],
                    structured_content: Some(v),
                    ..Default::default()
                }
            }
            Err(e) => {
                CallToolResult::error(format!("the tool's output could not be serialised: {e}"))
            }
        }
    }
}

impl ToolOutput for Content {
    fn into_call_tool_result(self) -> CallToolResult {
        CallToolResult::new(vec![self])
    }
}

impl ToolOutput for CallToolResult {
    fn into_call_tool_result(self) -> CallToolResult {
        self
    }
}

/// An error a `#[tool]` can return in `Err`: [`ToolError`](crate::ToolError), or anything
/// `Display` (sent as the message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be the error type of a #[tool]",
    label = "this error type doesn't implement `std::fmt::Display`",
    note = "use `toolsmith::ToolError`, or any type that implements `std::fmt::Display`"
)]
pub trait IntoToolError {
    /// The failed result sent to the client.
    fn into_error_result(self) -> CallToolResult;
}

impl<E: std::fmt::Display> IntoToolError for E {
    fn into_error_result(self) -> CallToolResult {
        CallToolResult::error(self.to_string())
    }
}

impl IntoToolError for crate::ToolError {
    fn into_error_result(self) -> CallToolResult {
        self.into_result()
    }
}

/// A `Result<T, E>` returned by a `#[tool]` (any type named `Result` with those two parts,
/// including aliases like `anyhow::Result<T>`); `T` must be a [`ToolOutput`] and `E` an
/// [`IntoToolError`].
///
/// The bounds on `T` and `E` are required where a tool is built, not here, so that a wrong `T`
/// or `E` is reported with the message of [`ToolOutput`] or [`IntoToolError`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named `Result` but is not a `std::result::Result`",
    note = "a #[tool] returning a type named `Result` must return `std::result::Result<T, E>`"
)]
pub trait ResultOutput {
    /// The success type.
    type Ok;
    /// The error type.
    type Err;
    /// Convert into a std `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> ResultOutput for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_result(self) -> Result<T, E> {
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_output_type_but_unit_and_plain_text_declares_a_schema() {
        assert_eq!(
            <Vec<u8> as ToolOutput>::output_schema().unwrap()["type"],
            "array"
        );
        // Plain text: no schema, and the text alone.
        assert_eq!(<String as ToolOutput>::output_schema(), None);
        assert_eq!(<&str as ToolOutput>::output_schema(), None);
        let r = String::from("hi").into_call_tool_result();
        assert_eq!(r.text_content(), "hi");
        assert_eq!(r.structured_content, None);
        assert_eq!(<Value as ToolOutput>::output_schema(), Some(json!({})));
        assert_eq!(<() as ToolOutput>::output_schema(), None);
        assert_eq!(().into_call_tool_result(), CallToolResult::new(Vec::new()));
        let r = json!([1]).into_call_tool_result();
        assert_eq!(r.structured_content, Some(json!([1])));
        assert_eq!(r.text_content(), "[1]");
    }
}
