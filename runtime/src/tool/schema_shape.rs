//! The shape registration requires of a tool's JSON Schema (its input schema, and its output
//! schema when it has one): the same check for schemas derived by `#[tool]` and for schemas
//! given as values to [`ToolDef::dynamic`](crate::ToolDef::dynamic).

use serde_json::Value;

/// Check that `schema` is an object schema whose `properties` are schemas and whose `required`
/// names are strings. The error completes "the input schema of tool `x` ...".
pub(crate) fn check_schema_shape(schema: &Value) -> Result<(), String> {
    let Value::Object(map) = schema else {
        return Err(format!("is not a JSON object: `{schema}`"));
    };
    match map.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        Some(other) => {
            return Err(format!(
                "is not an object schema: its `type` is {other}, not \"object\""
            ))
        }
        None => return Err("is not an object schema: it has no `\"type\": \"object\"`".into()),
    }
    if let Some(props) = map.get("properties") {
        let Value::Object(props) = props else {
            return Err(format!("has `properties` that is not an object: {props}"));
        };
        if let Some((name, _)) = props
            .iter()
            .find(|(_, s)| !matches!(s, Value::Object(_) | Value::Bool(_)))
        {
            return Err(format!(
                "has a property `{name}` whose schema is not an object or a boolean"
            ));
        }
    }
    if let Some(required) = map.get("required") {
        let names = required
            .as_array()
            .filter(|a| a.iter().all(Value::is_string));
        if names.is_none() {
            return Err(format!(
                "has `required` that is not an array of property names: {required}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_schemas_pass_and_malformed_ones_are_named() {
        assert_eq!(check_schema_shape(&json!({"type": "object"})), Ok(()));
        assert_eq!(
            check_schema_shape(
                &json!({"type": "object", "properties": {"a": {"type": "string"}, "b": true}, "required": ["a"]})
            ),
            Ok(())
        );
        for (schema, says) in [
            (json!("object"), "not a JSON object"),
            (json!({"type": "string"}), "not an object schema"),
            (json!({"properties": {}}), "no `\"type\": \"object\"`"),
            (
                json!({"type": "object", "properties": []}),
                "`properties` that is not an object",
            ),
            (
                json!({"type": "object", "properties": {"a": 3}}),
                "property `a`",
            ),
            (
                json!({"type": "object", "required": "a"}),
                "`required` that is not an array",
            ),
            (
                json!({"type": "object", "required": [1]}),
                "`required` that is not an array",
            ),
        ] {
            let err = check_schema_shape(&schema).unwrap_err();
            assert!(err.contains(says), "{schema}: {err}");
        }
    }
}
