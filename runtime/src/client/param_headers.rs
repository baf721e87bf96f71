//! Tool arguments mirrored into `Mcp-Param-{Name}` headers (protocol 2026-07-28 over streamable
//! HTTP, SEP-2243): which arguments a tool designates with `x-mcp-header`, whether those
//! designations are valid (a tool with an invalid one is left out of `list_tools`), and the
//! headers a `tools/call` carries.

use serde_json::Value;

/// An argument a tool mirrors into a header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamHeader {
    /// The chain of `properties` keys leading to the argument.
    path: Vec<String>,
    /// The `{Name}` of `Mcp-Param-{Name}`.
    name: String,
}

/// The arguments `schema` (a tool's `inputSchema`) designates, or why the designations make the
/// tool invalid: a name that is empty, not an HTTP token, or not case-insensitively unique; an
/// annotated property whose type is not `string`, `integer` or `boolean`; an annotation not
/// reachable from the root through `properties` keys alone.
pub(crate) fn designated(schema: &Value) -> Result<Vec<ParamHeader>, String> {
    let mut found = Vec::new();
    walk(schema, Some(&mut Vec::new()), &mut found)?;
    let mut seen = std::collections::HashSet::new();
    for p in &found {
        if !seen.insert(p.name.to_ascii_lowercase()) {
            return Err(format!(
                "the header name `{}` is used twice (names are case-insensitive)",
                p.name
            ));
        }
    }
    Ok(found)
}

/// Visit `node`; `path` is `Some` while it is reachable from the root through `properties` keys
/// only (and is then the chain of keys).
fn walk(
    node: &Value,
    mut path: Option<&mut Vec<String>>,
    found: &mut Vec<ParamHeader>,
) -> Result<(), String> {
    match node {
        Value::Array(items) => {
            for item in items {
                walk(item, None, found)?;
            }
        }
        Value::Object(object) => {
            if let Some(annotation) = object.get("x-mcp-header") {
                let Some(at) = path.as_deref().filter(|p| !p.is_empty()) else {
                    return Err(
                        "`x-mcp-header` appears where only a chain of `properties` keys may lead"
                            .into(),
                    );
                };
                found.push(check(at, object, annotation)?);
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

fn check(
    path: &[String],
    property: &serde_json::Map<String, Value>,
    annotation: &Value,
) -> Result<ParamHeader, String> {
    let at = path.join(".");
    let Some(name) = annotation.as_str() else {
        return Err(format!("the `x-mcp-header` of `{at}` is not a string"));
    };
    if name.is_empty() {
        return Err(format!("the `x-mcp-header` of `{at}` is empty"));
    }
    if let Some(c) = name.chars().find(|c| !is_tchar(*c)) {
        return Err(format!(
            "the `x-mcp-header` `{name}` of `{at}` has {c:?}, which an HTTP field name may not hold"
        ));
    }
    match property.get("type").and_then(Value::as_str) {
        Some("string" | "integer" | "boolean") => {}
        other => {
            return Err(format!(
                "`{at}` (header `{name}`) has type {}, not string, integer or boolean",
                other.map_or("(none)".to_owned(), |t| format!("`{t}`"))
            ))
        }
    }
    Ok(ParamHeader {
        path: path.to_vec(),
        name: name.to_owned(),
    })
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The `Mcp-Param-*` headers of a call with `arguments`: one per designated argument that has a
/// value (a string, an integer or a boolean), encoded per the spec.
pub(crate) fn headers(params: &[ParamHeader], arguments: &Value) -> Vec<(String, String)> {
    params
        .iter()
        .filter_map(|p| {
            let value = p.path.iter().try_fold(arguments, |v, key| v.get(key))?;
            let text = match value {
                Value::String(s) if s.is_empty() => String::new(),
                Value::String(s) => super::http::header_safe(s),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => i.to_string(),
                    (_, Some(u), _) => u.to_string(),
                    (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                        format!("{f:.0}")
                    }
                    _ => n.to_string(),
                },
                _ => return None,
            };
            Some((format!("Mcp-Param-{}", p.name), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(schema: Value) -> Result<Vec<String>, String> {
        designated(&schema).map(|ps| ps.into_iter().map(|p| p.name).collect())
    }

    #[test]
    fn finds_designations_through_properties_chains() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "query": {"type": "string"},
            "opts": {"type": "object", "properties": {
                "tenant": {"type": "integer", "x-mcp-header": "Tenant"}}}
        }});
        let found = designated(&schema).unwrap();
        assert_eq!(found.len(), 2);
        let tenant = found.iter().find(|p| p.name == "Tenant").unwrap();
        assert_eq!(tenant.path, vec!["opts".to_owned(), "tenant".to_owned()]);
        assert!(found
            .iter()
            .any(|p| p.name == "Region" && p.path == ["region"]));
        assert_eq!(
            names(json!({"type": "object"})).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn rejects_invalid_designations() {
        let prop = |p: Value| json!({"type": "object", "properties": {"a": p}});
        for (schema, why) in [
            (prop(json!({"type": "string", "x-mcp-header": ""})), "empty"),
            (
                prop(json!({"type": "string", "x-mcp-header": "A B"})),
                "HTTP field",
            ),
            (
                prop(json!({"type": "string", "x-mcp-header": "A:B"})),
                "HTTP field",
            ),
            (
                prop(json!({"type": "string", "x-mcp-header": "Grüße"})),
                "HTTP field",
            ),
            (
                prop(json!({"type": "string", "x-mcp-header": "A\r\n"})),
                "HTTP field",
            ),
            (
                prop(json!({"type": "object", "x-mcp-header": "A"})),
                "not string",
            ),
            (
                prop(json!({"type": "array", "x-mcp-header": "A"})),
                "not string",
            ),
            (
                prop(json!({"type": "null", "x-mcp-header": "A"})),
                "not string",
            ),
            (
                prop(json!({"type": "number", "x-mcp-header": "A"})),
                "not string",
            ),
            (prop(json!({"x-mcp-header": "A"})), "(none)"),
            (
                prop(json!({"type": "string", "x-mcp-header": 5})),
                "not a string",
            ),
            (
                json!({"type": "object", "properties": {
                    "a": {"type": "string", "x-mcp-header": "Same"},
                    "b": {"type": "string", "x-mcp-header": "sAME"}}}),
                "used twice",
            ),
            (
                prop(
                    json!({"type": "array", "items": {"type": "object", "properties": {
                    "x": {"type": "string", "x-mcp-header": "X"}}}}),
                ),
                "chain",
            ),
            (
                json!({"type": "object", "oneOf": [{"properties": {
                    "x": {"type": "string", "x-mcp-header": "X"}}}]}),
                "chain",
            ),
            (json!({"type": "object", "x-mcp-header": "Root"}), "chain"),
        ] {
            let err = designated(&schema).unwrap_err();
            assert!(err.contains(why), "{schema}: {err}");
        }
    }

    #[test]
    fn encodes_header_values() {
        let schema = json!({"type": "object", "properties": {
            "s": {"type": "string", "x-mcp-header": "S"},
            "u": {"type": "string", "x-mcp-header": "U"},
            "e": {"type": "string", "x-mcp-header": "E"},
            "i": {"type": "integer", "x-mcp-header": "I"},
            "f": {"type": "integer", "x-mcp-header": "F"},
            "b": {"type": "boolean", "x-mcp-header": "B"},
            "absent": {"type": "string", "x-mcp-header": "Absent"},
            "n": {"type": "string", "x-mcp-header": "N"}
        }});
        let params = designated(&schema).unwrap();
        let mut got = headers(
            &params,
            &json!({"s": "us-west1", "u": " padded ", "e": "", "i": -7, "f": 42.0,
                "b": true, "n": null}),
        );
        got.sort();
        let want = [
            ("Mcp-Param-B", "true"),
            ("Mcp-Param-E", ""),
            ("Mcp-Param-F", "42"),
            ("Mcp-Param-I", "-7"),
            ("Mcp-Param-S", "us-west1"),
            ("Mcp-Param-U", "=?base64?IHBhZGRlZCA=?="),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(got, want);
    }
}
