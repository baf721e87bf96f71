//! The walk over a tool's JSON input schema that finds its `x-mcp-header` designations and checks
//! each (feature `json`).

use serde_json::{Map, Value};

use crate::header::{check_designation, check_unique_headers, DesignationError};

/// An argument a tool designates to be mirrored into an `Mcp-Param-{name}` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Designation {
    /// The chain of `properties` keys leading to the argument.
    pub path: Vec<String>,
    /// The `{Name}` of `Mcp-Param-{Name}`, as the schema writes it.
    pub name: String,
}

/// Every argument `schema` (a tool's `inputSchema`) designates with `x-mcp-header`, in the
/// schema's key order, or the first designation that breaks the rules of [`check_designation`]
/// and [`check_unique_headers`]: misplaced, not a string, not an HTTP token, on a property that
/// is not a string, integer or boolean, or a name used twice.
pub fn designations(schema: &Value) -> Result<Vec<Designation>, DesignationError> {
    let mut found = Vec::new();
    walk(schema, Some(&mut Vec::new()), &mut found)?;
    check_unique_headers(found.iter().map(|d| d.name.as_str()))?;
    Ok(found)
}

/// Visit `node`; `path` is `Some` while `node` is reachable from the root through `properties`
/// keys only (and is then the chain of keys).
fn walk(
    node: &Value,
    mut path: Option<&mut Vec<String>>,
    found: &mut Vec<Designation>,
) -> Result<(), DesignationError> {
    match node {
        Value::Array(items) => {
            for item in items {
                walk(item, None, found)?;
            }
        }
        Value::Object(object) => {
            if let Some(annotation) = object.get("x-mcp-header") {
                let Some(at) = path.as_deref().filter(|p| !p.is_empty()) else {
                    return Err(DesignationError::Misplaced);
                };
                found.push(designation(at, object, annotation)?);
            }
            for (key, value) in object {
                if key == "properties" {
                    if let (Some(path), Value::Object(properties)) = (path.as_deref_mut(), value) {
                        for (name, property) in properties {
                            path.push(name.clone());
                            let walked = walk(property, Some(path), found);
                            path.pop();
                            walked?;
                        }
                        continue;
                    }
                }
                walk(value, None, found)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn designation(
    path: &[String],
    property: &Map<String, Value>,
    annotation: &Value,
) -> Result<Designation, DesignationError> {
    let at = path.join(".");
    let ty = property.get("type").and_then(Value::as_str);
    check_designation(&at, annotation.as_str(), ty)?;
    Ok(Designation {
        path: path.to_vec(),
        name: annotation.as_str().unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_designations_through_properties_chains() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "query": {"type": "string"},
            "opts": {"type": "object", "properties": {
                "tenant": {"type": "integer", "x-mcp-header": "Tenant"}}}
        }});
        let mut found = designations(&schema).unwrap();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            found,
            [
                Designation {
                    path: vec!["region".into()],
                    name: "Region".into()
                },
                Designation {
                    path: vec!["opts".into(), "tenant".into()],
                    name: "Tenant".into()
                },
            ]
        );
        assert_eq!(designations(&json!({"type": "object"})), Ok(vec![]));
        // A property merely named `x-mcp-header` is not an annotation.
        let named = json!({"type": "object", "properties": {"x-mcp-header": {"type": "string"}}});
        assert_eq!(designations(&named), Ok(vec![]));
    }

    #[test]
    fn rejects_invalid_designations() {
        let prop = |p: Value| json!({"type": "object", "properties": {"a": p}});
        let at = || "a".to_owned();
        for (schema, want) in [
            (
                prop(json!({"type": "string", "x-mcp-header": ""})),
                DesignationError::Empty { at: at() },
            ),
            (
                prop(json!({"type": "string", "x-mcp-header": "A B"})),
                DesignationError::InvalidChar {
                    at: at(),
                    name: "A B".into(),
                    ch: ' ',
                },
            ),
            (
                prop(json!({"type": "number", "x-mcp-header": "A"})),
                DesignationError::UnsupportedType {
                    at: at(),
                    name: "A".into(),
                    found: Some("number".into()),
                },
            ),
            (
                prop(json!({"x-mcp-header": "A"})),
                DesignationError::UnsupportedType {
                    at: at(),
                    name: "A".into(),
                    found: None,
                },
            ),
            (
                prop(json!({"type": "string", "x-mcp-header": 5})),
                DesignationError::NotAString { at: at() },
            ),
            (
                json!({"type": "object", "properties": {
                    "a": {"type": "string", "x-mcp-header": "Same"},
                    "b": {"type": "string", "x-mcp-header": "sAME"}}}),
                DesignationError::Duplicate {
                    name: "sAME".into(),
                },
            ),
            (
                prop(
                    json!({"type": "array", "items": {"type": "object", "properties": {
                    "x": {"type": "string", "x-mcp-header": "X"}}}}),
                ),
                DesignationError::Misplaced,
            ),
            (
                json!({"type": "object", "oneOf": [{"properties": {
                    "x": {"type": "string", "x-mcp-header": "X"}}}]}),
                DesignationError::Misplaced,
            ),
            (
                json!({"type": "object", "x-mcp-header": "Root"}),
                DesignationError::Misplaced,
            ),
        ] {
            assert_eq!(designations(&schema), Err(want), "{schema}");
        }
    }

    #[test]
    fn paths_join_nested_keys() {
        let schema = json!({"type": "object", "properties": {"o": {"type": "object",
            "properties": {"n": {"type": "array", "x-mcp-header": "N"}}}}});
        assert_eq!(
            designations(&schema).unwrap_err().to_string(),
            "`o.n` (header `N`) has type `array`, not string, integer or boolean"
        );
    }
}
