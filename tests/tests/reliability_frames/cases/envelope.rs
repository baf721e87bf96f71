//! Frames that are not well-formed requests: not JSON, not UTF-8, not an object, a wrong
//! `jsonrpc`, ids that are allowed and ids that are not, huge numbers.

use serde_json::{json, Value};

use super::{case, req, Case, Want};

pub fn cases() -> Vec<Case> {
    use Want::*;
    let null = Value::Null;
    vec![
        // Not JSON.
        case(
            "not JSON",
            "{not json",
            Frame(-32700, null.clone(), &["parse error"]),
        ),
        case(
            "truncated",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping""#,
            Frame(-32700, null.clone(), &["parse error", "EOF"]),
        ),
        case(
            "trailing garbage",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}}"#,
            Frame(-32700, null.clone(), &["trailing characters"]),
        ),
        case(
            "two objects on one line",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"} {"jsonrpc":"2.0","id":2,"method":"ping"}"#,
            Frame(-32700, null.clone(), &["trailing characters"]),
        ),
        case(
            "single quotes",
            r#"{'jsonrpc':'2.0','id':1,'method':'ping'}"#,
            Frame(-32700, null.clone(), &["parse error"]),
        ),
        case(
            "trailing comma",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping",}"#,
            Frame(-32700, null.clone(), &["trailing comma"]),
        ),
        case(
            "NaN",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":NaN}}"#,
            Frame(-32700, null.clone(), &["parse error"]),
        ),
        case(
            "raw control character",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pi\u{1}ng\"}",
            Frame(-32700, null.clone(), &["control character"]),
        ),
        case(
            "lone surrogate escape",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\ud800"}}"#,
            Frame(-32700, null.clone(), &["parse error", "hex escape"]),
        ),
        case(
            "byte order mark",
            "\u{feff}{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
            Frame(-32700, null.clone(), &["parse error"]),
        ),
        case(
            "bare word",
            "nul",
            Frame(-32700, null.clone(), &["parse error"]),
        ),
        case(
            "a string, then garbage",
            r#""ping" garbage"#,
            Frame(-32700, null.clone(), &["parse error: trailing characters"]),
        ),
        case(
            "a number, then garbage",
            "42 }",
            Frame(-32700, null.clone(), &["parse error: trailing characters"]),
        ),
        // Not UTF-8.
        case(
            "invalid UTF-8 byte",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}".to_vec(),
            Frame(-32700, null.clone(), &["UTF-8"]),
        ),
        case(
            "overlong UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc0\x80\"}".to_vec(),
            Frame(-32700, null.clone(), &["UTF-8"]),
        ),
        case(
            "truncated UTF-8 sequence",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\xe2\x82\"}".to_vec(),
            Frame(-32700, null.clone(), &["UTF-8"]),
        ),
        case(
            "UTF-16 text",
            "{\"a\":1}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
            Frame(-32700, null.clone(), &["parse error"]),
        ),
        // JSON, but not an object.
        case(
            "a number",
            "42",
            Frame(-32600, null.clone(), &["must be an object", "a number"]),
        ),
        case(
            "a string",
            r#""ping""#,
            Frame(-32600, null.clone(), &["must be an object", "a string"]),
        ),
        case(
            "null",
            "null",
            Frame(-32600, null.clone(), &["must be an object", "null"]),
        ),
        case(
            "a boolean",
            "true",
            Frame(-32600, null.clone(), &["must be an object", "a boolean"]),
        ),
        case(
            "an empty array",
            "[]",
            Frame(-32600, null.clone(), &["batch"]),
        ),
        case(
            "an array of numbers",
            "[1,2,3]",
            Frame(-32600, null.clone(), &["batch"]),
        ),
        case(
            "a batch",
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
            Frame(-32600, null.clone(), &["batch"]),
        ),
        case(
            "a batch of one notification",
            r#"[{"jsonrpc":"2.0","method":"notifications/initialized"}]"#,
            Frame(-32600, null.clone(), &["batch"]),
        ),
        case(
            "an empty object",
            "{}",
            Frame(-32600, null.clone(), &["jsonrpc"]),
        ),
        // `jsonrpc`.
        case(
            "missing jsonrpc",
            r#"{"id":101,"method":"ping"}"#,
            Frame(-32600, json!(101), &["missing `jsonrpc`"]),
        ),
        case(
            "jsonrpc 1.0",
            r#"{"jsonrpc":"1.0","id":102,"method":"ping"}"#,
            Frame(
                -32600,
                json!(102),
                &["`jsonrpc` must be \"2.0\"", "\"1.0\""],
            ),
        ),
        case(
            "jsonrpc as a number",
            r#"{"jsonrpc":2.0,"id":103,"method":"ping"}"#,
            Frame(
                -32600,
                json!(103),
                &["`jsonrpc` must be \"2.0\"", "got 2.0"],
            ),
        ),
        case(
            "jsonrpc null",
            r#"{"jsonrpc":null,"id":104,"method":"ping"}"#,
            Frame(
                -32600,
                json!(104),
                &["`jsonrpc` must be \"2.0\"", "got null"],
            ),
        ),
        case(
            "jsonrpc with a space",
            r#"{"jsonrpc":"2.0 ","id":105,"method":"ping"}"#,
            Frame(-32600, json!(105), &["`jsonrpc` must be \"2.0\""]),
        ),
        case(
            "missing jsonrpc on a notification",
            r#"{"method":"notifications/initialized"}"#,
            Frame(-32600, null.clone(), &["missing `jsonrpc`"]),
        ),
        // Ids that are allowed: each answered with the same id.
        case(
            "integer id",
            req(json!(201), "ping", json!({})),
            Result(json!(201), &[]),
        ),
        case(
            "negative id",
            req(json!(-202), "ping", json!({})),
            Result(json!(-202), &[]),
        ),
        case(
            "zero id",
            req(json!(0), "ping", json!({})),
            Result(json!(0), &[]),
        ),
        case(
            "largest id",
            req(json!(i64::MAX), "ping", json!({})),
            Result(json!(i64::MAX), &[]),
        ),
        case(
            "smallest id",
            req(json!(i64::MIN), "ping", json!({})),
            Result(json!(i64::MIN), &[]),
        ),
        case(
            "string id",
            req(json!("abc"), "ping", json!({})),
            Result(json!("abc"), &[]),
        ),
        case(
            "empty string id",
            req(json!(""), "ping", json!({})),
            Result(json!(""), &[]),
        ),
        case(
            "unicode id",
            req(json!("ü-😀-\u{0}-\"quoted\""), "ping", json!({})),
            Result(json!("ü-😀-\u{0}-\"quoted\""), &[]),
        ),
        case(
            "10 kB string id",
            req(json!("i".repeat(10_000)), "ping", json!({})),
            Result(json!("i".repeat(10_000)), &[]),
        ),
        // Ids that are not.
        case(
            "null id",
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "not null"]),
        ),
        case(
            "fractional id",
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            Frame(
                -32600,
                null.clone(),
                &["invalid `id`", "not the number 1.5"],
            ),
        ),
        case(
            "float id",
            r#"{"jsonrpc":"2.0","id":2.0,"method":"ping"}"#,
            Frame(
                -32600,
                null.clone(),
                &["invalid `id`", "not the number 2.0"],
            ),
        ),
        case(
            "boolean id",
            r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "a boolean"]),
        ),
        case(
            "object id",
            r#"{"jsonrpc":"2.0","id":{"n":1},"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "an object"]),
        ),
        case(
            "array id",
            r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "an array"]),
        ),
        // Huge numbers.
        case(
            "id 2^63",
            r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}"#,
            Frame(
                -32600,
                null.clone(),
                &["invalid `id`", "9223372036854775808 is out of range"],
            ),
        ),
        case(
            "id 2^64",
            r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "out of range"]),
        ),
        case(
            "id 1e400",
            r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "out of range"]),
        ),
        case(
            "id -1e400",
            r#"{"jsonrpc":"2.0","id":-1e400,"method":"ping"}"#,
            Frame(-32600, null.clone(), &["invalid `id`", "out of range"]),
        ),
        case(
            "id of 1,000 digits",
            format!(
                r#"{{"jsonrpc":"2.0","id":{},"method":"ping"}}"#,
                "9".repeat(1000)
            ),
            Frame(-32600, null.clone(), &["invalid `id`", "out of range"]),
        ),
        case(
            "1e400 in params",
            r#"{"jsonrpc":"2.0","id":301,"method":"ping","params":{"x":1e400}}"#,
            Frame(-32700, null.clone(), &["number out of range"]),
        ),
        case(
            "2^64 as an i64 argument",
            req(
                json!(302),
                "tools/call",
                json!({"name": "add", "arguments": {"a": 18446744073709551616.0_f64, "b": 1}}),
            ),
            Result(
                json!(302),
                &["\"isError\":true", "invalid arguments for tool `add`: `a`"],
            ),
        ),
        case(
            "u64::MAX as an i64 argument",
            format!(
                r#"{{"jsonrpc":"2.0","id":303,"method":"tools/call","params":{{"name":"add","arguments":{{"a":{},"b":1}}}}}}"#,
                u64::MAX
            ),
            Result(
                json!(303),
                &[
                    "\"isError\":true",
                    "invalid arguments for tool `add`: `a`",
                    "expected i64",
                ],
            ),
        ),
        case(
            "i64 overflow in the tool",
            req(
                json!(304),
                "tools/call",
                json!({"name": "add", "arguments": {"a": i64::MAX, "b": 1}}),
            ),
            Result(json!(304), &["overflow"]),
        ),
    ]
}
