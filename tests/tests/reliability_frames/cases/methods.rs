//! A wrong or missing `method`, and notifications and responses, which are never answered.

use serde_json::json;

use super::{case, req, Case, Want};

pub fn cases() -> Vec<Case> {
    use Want::*;
    vec![
        // `method`.
        case(
            "method is a number",
            r#"{"jsonrpc":"2.0","id":501,"method":5}"#,
            Frame(-32600, json!(501), &["`method` must be a string"]),
        ),
        case(
            "no method, result or error",
            r#"{"jsonrpc":"2.0","id":502}"#,
            Frame(-32600, json!(502), &["needs `method`"]),
        ),
        case(
            "method and result",
            r#"{"jsonrpc":"2.0","id":503,"method":"ping","result":{}}"#,
            Frame(-32600, json!(503), &["both `method` and"]),
        ),
        case(
            "unknown method",
            req(json!(504), "no/such", json!({})),
            Error(-32601, json!(504), &["method not found: no/such"]),
        ),
        case(
            "empty method",
            req(json!(505), "", json!({})),
            Error(-32601, json!(505), &["method not found"]),
        ),
        case(
            "params is a number",
            r#"{"jsonrpc":"2.0","id":506,"method":"ping","params":3}"#,
            Frame(
                -32600,
                json!(506),
                &["`params` must be an object", "a number"],
            ),
        ),
        case(
            "params is a string",
            r#"{"jsonrpc":"2.0","id":507,"method":"ping","params":"x"}"#,
            Frame(
                -32600,
                json!(507),
                &["`params` must be an object", "a string"],
            ),
        ),
        case(
            "params is a boolean",
            r#"{"jsonrpc":"2.0","id":508,"method":"ping","params":true}"#,
            Frame(
                -32600,
                json!(508),
                &["`params` must be an object", "a boolean"],
            ),
        ),
        case(
            "duplicate member",
            r#"{"jsonrpc":"2.0","id":509,"method":"ping","method":"ping"}"#,
            Frame(-32600, json!(509), &["duplicate field `method`"]),
        ),
        // Notifications and responses are never answered, even when wrong.
        case(
            "unknown notification",
            r#"{"jsonrpc":"2.0","method":"notifications/whatever","params":{"x":1}}"#,
            Silence,
        ),
        case(
            "initialized again",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            Silence,
        ),
        case(
            "response to nothing",
            r#"{"jsonrpc":"2.0","id":424242,"result":{}}"#,
            Silence,
        ),
        case(
            "null result to nothing",
            r#"{"jsonrpc":"2.0","id":424243,"result":null}"#,
            Silence,
        ),
        case(
            "error to nothing",
            r#"{"jsonrpc":"2.0","id":"nobody","error":{"code":-1,"message":"no"}}"#,
            Silence,
        ),
        case(
            "error about an unreadable frame",
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}"#,
            Silence,
        ),
        case(
            "malformed error to nothing",
            r#"{"jsonrpc":"2.0","id":424244,"error":"oops"}"#,
            Silence,
        ),
        case(
            "response with result and error",
            r#"{"jsonrpc":"2.0","id":424245,"result":{},"error":{"code":1,"message":"?"}}"#,
            Silence,
        ),
    ]
}
