//! Non-object tool outputs in protocol 2025-11-25, which allows only object output schemas and
//! object `structuredContent`: such an output is sent wrapped as `{"result": value}`, under the
//! object schema `{"type": "object", "properties": {"result": schema}, "required": ["result"]}`
//! (what the official Python SDK does for a function returning a list, a string or a number).
//! Protocol 2026-07-28 allows any schema and any JSON value: the tool's own schema and value are
//! sent there as they are. A handler is written once; only this encoding differs by era.

use serde_json::{Map, Value};

use crate::protocol::{CallToolResult, Tool};

/// The property a non-object output is wrapped in for 2025-11-25.
pub(crate) const WRAPPED_RESULT_KEY: &str = "result";

/// Whether an output schema must be wrapped for 2025-11-25: its root is not `"type": "object"`.
pub(crate) fn needs_wrapping(output_schema: &Value) -> bool {
    output_schema.get("type") != Some(&Value::from("object"))
}

/// The object schema that wraps `schema` under `result`. Keywords that belong to the document
/// root stay at the root: `$schema` (the dialect), and the definitions (`$defs`, `definitions`)
/// that `#/...` references inside the schema point at. A schema with its own `$id` is a
/// resource of its own, and keeps its definitions.
pub(crate) fn wrap_schema(schema: &Value) -> Value {
    let mut inner = schema.clone();
    let mut root = Map::new();
    root.insert("type".into(), Value::from("object"));
    if let Some(obj) = inner.as_object_mut() {
        if let Some(dialect) = obj.remove("$schema") {
            root.insert("$schema".into(), dialect);
        }
        if !obj.contains_key("$id") {
            for key in ["$defs", "definitions"] {
                if let Some(defs) = obj.remove(key) {
                    root.insert(key.into(), defs);
                }
            }
        }
    }
    let mut properties = Map::new();
    properties.insert(WRAPPED_RESULT_KEY.into(), inner);
    root.insert("properties".into(), Value::Object(properties));
    root.insert("required".into(), Value::from(vec![WRAPPED_RESULT_KEY]));
    Value::Object(root)
}

/// A tool's 2025-11-25 listing, when it differs from its own (its output schema is wrapped).
pub(crate) fn wrapped_listing(tool: &Tool) -> Option<Tool> {
    let schema = tool.output_schema.as_ref().filter(|s| needs_wrapping(s))?;
    Some(Tool {
        output_schema: Some(wrap_schema(schema)),
        ..tool.clone()
    })
}

/// A result as sent in 2025-11-25: its `structuredContent` wrapped when the tool's schema was
/// (`schema_wrapped`), or when it is not an object (a hand-built result of a tool without a
/// schema). The text content is left as it is.
pub(crate) fn wrap_result(mut result: CallToolResult, schema_wrapped: bool) -> CallToolResult {
    result.structured_content = match result.structured_content.take() {
        Some(v) if schema_wrapped || !v.is_object() => {
            let mut m = Map::new();
            m.insert(WRAPPED_RESULT_KEY.into(), v);
            Some(Value::Object(m))
        }
        other => other,
    };
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn object_schemas_are_not_wrapped() {
        assert!(!needs_wrapping(&json!({"type": "object"})));
        assert!(needs_wrapping(&json!({"type": "array"})));
        assert!(needs_wrapping(&json!({"type": ["object", "null"]})));
        assert!(needs_wrapping(&json!({"oneOf": [{"type": "object"}]})));
        assert!(needs_wrapping(&json!(true)));
    }

    #[test]
    fn definitions_and_dialect_move_to_the_root() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "array",
            "items": {"$ref": "#/$defs/Row"},
            "$defs": {"Row": {"type": "object"}}
        });
        assert_eq!(
            wrap_schema(&schema),
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "$defs": {"Row": {"type": "object"}},
                "properties": {"result": {"type": "array", "items": {"$ref": "#/$defs/Row"}}},
                "required": ["result"]
            })
        );
        // With its own `$id`, the schema is a resource of its own: its references resolve
        // inside it.
        let own = json!({"$id": "urn:x", "type": "array", "$defs": {"A": {}}});
        assert_eq!(wrap_schema(&own)["properties"]["result"], own);
    }

    #[test]
    fn results_are_wrapped_when_the_schema_was_or_the_value_is_not_an_object() {
        let with = |v: Value| CallToolResult {
            structured_content: Some(v),
            ..Default::default()
        };
        let wrapped = wrap_result(with(json!([1, 2])), true);
        assert_eq!(wrapped.structured_content, Some(json!({"result": [1, 2]})));
        // An `Option<Struct>`'s schema is wrapped, so its objects are too.
        let wrapped = wrap_result(with(json!({"a": 1})), true);
        assert_eq!(
            wrapped.structured_content,
            Some(json!({"result": {"a": 1}}))
        );
        let wrapped = wrap_result(with(Value::Null), true);
        assert_eq!(wrapped.structured_content, Some(json!({"result": null})));
        // No schema: only a non-object value is wrapped.
        let kept = wrap_result(with(json!({"a": 1})), false);
        assert_eq!(kept.structured_content, Some(json!({"a": 1})));
        let wrapped = wrap_result(with(json!("s")), false);
        assert_eq!(wrapped.structured_content, Some(json!({"result": "s"})));
        assert_eq!(
            wrap_result(CallToolResult::text("t"), true).structured_content,
            None
        );
    }
}
