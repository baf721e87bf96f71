//! `key=value` arguments typed from a tool's input schema: `n=3` is the number 3 when `n` is a
//! number, the string "3" when it is a string; booleans, arrays and objects are parsed too.

use serde_json::{Map, Value};

/// The arguments object: `json_args` (a JSON object) with `pairs` added, each value typed from
/// the property of the same name in `schema` (a tool's `inputSchema`; `Value::Null` when
/// unknown, which keeps every value a string unless it is valid JSON).
pub fn tool_arguments(
    schema: &Value,
    json_args: Option<&str>,
    pairs: &[String],
) -> Result<Map<String, Value>, String> {
    let mut arguments = match json_args {
        None => Map::new(),
        Some(text) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            Ok(other) => return Err(format!("--json-args must be a JSON object, not `{other}`")),
            Err(e) => return Err(format!("--json-args is not valid JSON: {e}")),
        },
    };
    let properties = schema["properties"].as_object();
    let open = !matches!(schema.get("additionalProperties"), Some(Value::Bool(false)));
    for pair in pairs {
        let (key, raw) = split_pair(pair)?;
        let property = match properties.and_then(|p| p.get(key)) {
            Some(property) => property,
            None if properties.is_none_or(Map::is_empty) || open => &Value::Null,
            None => {
                let known: Vec<&str> = properties
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                return Err(format!(
                    "no argument `{key}` (the tool takes: {})",
                    known.join(", ")
                ));
            }
        };
        let value = typed(property, raw).map_err(|why| format!("argument `{key}`: {why}"))?;
        arguments.insert(key.to_owned(), value);
    }
    Ok(arguments)
}

/// Prompt arguments: every value a string.
pub fn string_arguments(pairs: &[String]) -> Result<Map<String, Value>, String> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) = split_pair(pair)?;
            Ok((key.to_owned(), Value::String(value.to_owned())))
        })
        .collect()
}

fn split_pair(pair: &str) -> Result<(&str, &str), String> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key, value)),
        _ => Err(format!("`{pair}` is not key=value")),
    }
}

/// The JSON types a property accepts (`type` as a string or a list, or the types of its
/// `anyOf`/`oneOf` alternatives); empty when the schema does not say.
fn types(property: &Value) -> Vec<&str> {
    match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => property["anyOf"]
            .as_array()
            .or(property["oneOf"].as_array())
            .map(|alts| alts.iter().flat_map(types).collect())
            .unwrap_or_default(),
    }
}

/// `raw` as a value of `property`'s type.
fn typed(property: &Value, raw: &str) -> Result<Value, String> {
    let types = types(property);
    let json = serde_json::from_str::<Value>(raw).ok();
    if types.is_empty() {
        // Nothing to go by: JSON when it parses as a number, boolean, array or object.
        return Ok(match json {
            Some(v @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_))) => v,
            _ => Value::String(raw.to_owned()),
        });
    }
    // A string-typed value is the text as typed, even when it looks like JSON.
    if types.contains(&"string") {
        return Ok(Value::String(raw.to_owned()));
    }
    if let Some(value) = json {
        let fits = types.iter().any(|t| match *t {
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            _ => false,
        });
        if fits {
            return Ok(value);
        }
    }
    Err(format!("`{raw}` is not {}", types.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "text": { "type": "string" },
                "count": { "type": "integer" },
                "ratio": { "type": "number" },
                "loud": { "type": "boolean" },
                "tags": { "type": "array", "items": { "type": "string" } },
                "maybe": { "type": ["integer", "null"] },
                "mixed": { "anyOf": [{ "type": "integer" }, { "type": "null" }] }
            },
            "additionalProperties": false
        })
    }

    fn pairs(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_take_the_type_of_their_property() {
        let args = tool_arguments(
            &schema(),
            None,
            &pairs(&[
                "text=42",
                "count=3",
                "ratio=0.5",
                "loud=true",
                r#"tags=["a","b"]"#,
            ]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(args),
            json!({ "text": "42", "count": 3, "ratio": 0.5, "loud": true, "tags": ["a", "b"] })
        );
        let args = tool_arguments(&schema(), None, &pairs(&["maybe=null", "mixed=7"])).unwrap();
        assert_eq!(Value::Object(args), json!({ "maybe": null, "mixed": 7 }));
    }

    #[test]
    fn a_value_of_the_wrong_type_or_an_unknown_key_is_refused_clearly() {
        let err = tool_arguments(&schema(), None, &pairs(&["count=3.5"])).unwrap_err();
        assert_eq!(err, "argument `count`: `3.5` is not integer");
        let err = tool_arguments(&schema(), None, &pairs(&["loud=yes"])).unwrap_err();
        assert_eq!(err, "argument `loud`: `yes` is not boolean");
        let err = tool_arguments(&schema(), None, &pairs(&["colour=red"])).unwrap_err();
        assert!(
            err.starts_with("no argument `colour` (the tool takes: "),
            "{err}"
        );
        let err = tool_arguments(&schema(), None, &pairs(&["novalue"])).unwrap_err();
        assert_eq!(err, "`novalue` is not key=value");
    }

    #[test]
    fn json_args_are_the_base_and_pairs_override_them() {
        let args = tool_arguments(
            &schema(),
            Some(r#"{"count": 1, "text": "x"}"#),
            &pairs(&["count=2"]),
        )
        .unwrap();
        assert_eq!(Value::Object(args), json!({ "count": 2, "text": "x" }));
        assert!(tool_arguments(&schema(), Some("[1]"), &[]).is_err());
        assert!(tool_arguments(&schema(), Some("{"), &[]).is_err());
    }

    #[test]
    fn without_a_schema_json_looking_values_are_json() {
        let args = tool_arguments(&Value::Null, None, &pairs(&["n=1", "s=hi", "b=false"])).unwrap();
        assert_eq!(
            Value::Object(args),
            json!({ "n": 1, "s": "hi", "b": false })
        );
    }

    #[test]
    fn prompt_arguments_are_strings() {
        let args = string_arguments(&pairs(&["n=1", "text=a=b"])).unwrap();
        assert_eq!(Value::Object(args), json!({ "n": "1", "text": "a=b" }));
    }
}
