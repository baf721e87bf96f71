//! Deep nesting: refused at the parser's depth limit, skipped in unknown members, never a
//! stack overflow.

use serde_json::{json, Value};

use super::{case, nested, Case, Want, DEEP};

pub fn cases() -> Vec<Case> {
    use Want::*;
    let null = Value::Null;
    vec![
        // Deep nesting: refused at the parser's depth limit, never a stack overflow.
        case(
            "100,000 open brackets",
            "[".repeat(DEEP),
            Frame(-32700, null.clone(), &["recursion limit exceeded"]),
        ),
        case(
            "100,000 nested arrays",
            nested("[", "]", DEEP, ""),
            Frame(-32700, null.clone(), &["recursion limit exceeded"]),
        ),
        // Unknown members are skipped without being built, at any depth.
        case(
            "100,000 nested objects",
            nested(r#"{"a":"#, "}", DEEP, "1"),
            Frame(-32600, null.clone(), &["missing `jsonrpc`"]),
        ),
        case(
            "100,000 levels in an unknown member",
            format!(
                r#"{{"jsonrpc":"2.0","id":404,"method":"ping","extra":{}}}"#,
                nested("[", "]", DEEP, "")
            ),
            Result(json!(404), &[]),
        ),
        case(
            "100,000 levels in params",
            format!(
                r#"{{"jsonrpc":"2.0","id":401,"method":"tools/call","params":{{"name":"depth","arguments":{{"x":{}}}}}}}"#,
                nested("[", "]", DEEP, "")
            ),
            Frame(-32700, null.clone(), &["recursion limit exceeded"]),
        ),
        // A response is never answered, even one too deep to read (its waiter, if any, fails).
        case(
            "100,000 levels in a result",
            format!(
                r#"{{"jsonrpc":"2.0","id":402,"result":{}}}"#,
                nested("[", "]", DEEP, "")
            ),
            Silence,
        ),
        case(
            "100,000 levels in an id",
            format!(
                r#"{{"jsonrpc":"2.0","id":{},"method":"ping"}}"#,
                nested("[", "]", DEEP, "")
            ),
            Frame(
                -32600,
                null.clone(),
                &["invalid `id`", "recursion limit exceeded"],
            ),
        ),
        case(
            "120 levels are fine",
            format!(
                r#"{{"jsonrpc":"2.0","id":403,"method":"tools/call","params":{{"name":"depth","arguments":{{"x":{}}}}}}}"#,
                nested("[", "]", 120, "")
            ),
            Result(json!(403), &["\"text\":\"121\""]),
        ),
    ]
}
