//! A tool's `outputSchema` (feature `json`). Protocol 2026-07-28 allows any JSON Schema there,
//! not only object schemas; 2025-11-25 allows only object schemas, and the runtime lists any
//! other wrapped in one (`{"result": ...}`), so both are accepted here. What is refused is a
//! value that is not a schema object (the wire types of both eras make `outputSchema` an
//! object, so not even the boolean schemas: `{}` is `true`), or a `type` that names no JSON
//! type.

use std::fmt;

use serde_json::Value;

/// The type names a JSON Schema `type` may use.
const JSON_TYPES: [&str; 7] = [
    "object", "array", "string", "number", "integer", "boolean", "null",
];

/// Why a value is not an acceptable output schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSchemaError {
    /// Not an object: a JSON Schema object is what `outputSchema` carries.
    NotASchema {
        /// The JSON kind found (`"a string"`, `"an array"`, ...).
        found: &'static str,
    },
    /// The root `type` is not a JSON type name, or a non-empty list of distinct ones.
    BadType {
        /// The `type` as written.
        found: String,
    },
}

impl fmt::Display for OutputSchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputSchemaError::NotASchema { found } => write!(
                f,
                "the output schema is {found}, not a JSON Schema object (such as {{\"type\": \"array\"}}, or {{}} for any value)"
            ),
            OutputSchemaError::BadType { found } => write!(
                f,
                "the output schema's `type` is {found}, not one of {JSON_TYPES:?} or a list of them"
            ),
        }
    }
}

impl std::error::Error for OutputSchemaError {}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Check that `schema` can be a tool's `outputSchema`: an object, whose root `type`, when
/// present, is a JSON type name or a non-empty list of distinct ones.
pub fn check_output_schema(schema: &Value) -> Result<(), OutputSchemaError> {
    let obj = match schema {
        Value::Object(obj) => obj,
        other => return Err(OutputSchemaError::NotASchema { found: kind(other) }),
    };
    let Some(ty) = obj.get("type") else {
        return Ok(());
    };
    let is_type = |t: &Value| t.as_str().is_some_and(|t| JSON_TYPES.contains(&t));
    let ok = match ty {
        Value::Array(list) => {
            !list.is_empty()
                && list.iter().all(is_type)
                && list.iter().enumerate().all(|(i, t)| !list[..i].contains(t))
        }
        one => is_type(one),
    };
    if ok {
        Ok(())
    } else {
        Err(OutputSchemaError::BadType {
            found: ty.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn any_json_schema_is_accepted() {
        for ok in [
            json!({"type": "object"}),
            json!({"type": "array", "items": {"type": "integer"}}),
            json!({"type": "string"}),
            json!({"type": ["string", "null"]}),
            json!({"oneOf": [{"const": "a"}, {"const": "b"}]}),
            json!({}),
        ] {
            assert_eq!(check_output_schema(&ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn what_is_no_schema_is_refused_with_a_reason() {
        let e = check_output_schema(&json!("array")).unwrap_err();
        assert_eq!(e, OutputSchemaError::NotASchema { found: "a string" });
        assert!(e.to_string().contains("not a JSON Schema object"), "{e}");
        let e = check_output_schema(&json!(true)).unwrap_err();
        assert_eq!(e, OutputSchemaError::NotASchema { found: "a boolean" });
        for bad in [
            json!({"type": "list"}),
            json!({"type": []}),
            json!({"type": ["string", "string"]}),
            json!({"type": 3}),
        ] {
            let e = check_output_schema(&bad).unwrap_err();
            assert!(matches!(e, OutputSchemaError::BadType { .. }), "{bad}");
        }
        assert!(check_output_schema(&json!({"type": "list"}))
            .unwrap_err()
            .to_string()
            .contains("`type` is \"list\""));
    }
}
