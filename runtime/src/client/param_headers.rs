//! Tool arguments mirrored into `Mcp-Param-{Name}` headers (protocol 2026-07-28 over streamable
//! HTTP, SEP-2243): which arguments a tool designates with `x-mcp-header`, whether those
//! designations are valid (a tool with an invalid one is left out of `list_tools`), and the
//! headers a `tools/call` carries.

use serde_json::Value;

/// An argument a tool mirrors into a header: its chain of `properties` keys and the `{Name}` of
/// `Mcp-Param-{Name}`.
pub(crate) type ParamHeader = toolsmith_rules::Designation;

/// The arguments `schema` (a tool's `inputSchema`) designates, or why the designations make the
/// tool invalid (the rules a Toolsmith server checks when it registers a tool).
pub(crate) fn designated(schema: &Value) -> Result<Vec<ParamHeader>, String> {
    toolsmith_rules::designations(schema).map_err(|e| e.to_string())
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
