//! Bad input, frame by frame, over stdio and over HTTP: every malformed frame, wrong id, wrong
//! `jsonrpc`, batch, huge number, deeply nested value, oversized message and wrong parameter type
//! gets exactly one clean answer (the exact JSON-RPC code, a message naming the problem), or none
//! when the frame is a notification or a response, and the next valid request succeeds.
//!
//! The cases are one table, run on one connection per transport, so each case also proves that
//! every case before it left the connection working.

mod reliability_support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};

use reliability_support::{peak_rss_kib, reset_peak_rss, Http, Pipe};
use toolsmith_tests::fixtures::echo;

/// Add two integers.
#[tool]
async fn add(a: i64, b: i64) -> String {
    a.checked_add(b)
        .map_or_else(|| "overflow".to_owned(), |s| s.to_string())
}

/// How deeply the arguments nest.
#[tool]
async fn depth(Params(args): Params<Value>) -> String {
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    depth(&args).to_string()
}

/// The app's configuration.
#[resource(uri = "config://app")]
async fn config() -> String {
    "mode = test".into()
}

/// Greet someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Say hello to {name}.")
}

fn server() -> Server {
    Server::new("frames", "1")
        .tool(echo)
        .tool(add)
        .tool(depth)
        .resource(config)
        .prompt(greet)
        .complete_prompt_argument("greet", "name", |partial, _| {
            ["Ada", "Alan"]
                .iter()
                .filter(|n| n.starts_with(partial))
                .map(|n| n.to_string())
                .collect()
        })
}

/// What a case must produce.
#[derive(Clone)]
enum Want {
    /// The frame itself is bad: one error with `code` (-32700/-32600) and `id` on stdio; HTTP
    /// answers 400 with the same error.
    Frame(i64, Value, &'static [&'static str]),
    /// The method refused it: one error response (HTTP 200).
    Error(i64, Value, &'static [&'static str]),
    /// One result for `id` whose JSON contains every string given.
    Result(Value, &'static [&'static str]),
    /// No answer at all: notifications and responses (HTTP 202).
    Silence,
}

struct Case {
    name: String,
    frame: Vec<u8>,
    want: Want,
    /// What HTTP does instead, where the transports rightly differ.
    http: Option<Want>,
}

fn case(name: impl Into<String>, frame: impl Into<Vec<u8>>, want: Want) -> Case {
    Case {
        name: name.into(),
        frame: frame.into(),
        want,
        http: None,
    }
}

fn req(id: Value, method: &str, params: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        .to_string()
        .into_bytes()
}

fn nested(open: &str, close: &str, levels: usize, inner: &str) -> String {
    let mut s = String::with_capacity(levels * (open.len() + close.len()) + inner.len());
    for _ in 0..levels {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..levels {
        s.push_str(close);
    }
    s
}

const DEEP: usize = 100_000;

/// Every case, in order. Ids are unique so that each answer can be matched to its case.
fn cases() -> Vec<Case> {
    use Want::*;
    let null = Value::Null;
    let mut c = vec![
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
    ];

    // Wrong parameter types, for every method that takes parameters.
    let mut id = 600;
    let mut params = |method: &str, p: Value, want: fn(Value) -> Want| {
        id += 1;
        case(
            format!("{method} {p}"),
            req(json!(id), method, p),
            want(json!(id)),
        )
    };
    fn invalid(words: &'static [&'static str]) -> impl Fn(Value) -> Want {
        move |id| Want::Error(-32602, id, words)
    }
    macro_rules! p {
        ($method:expr, $params:expr, $($word:expr),+) => {
            params($method, $params, |id| invalid(&[$($word),+])(id))
        };
    }
    let client_info = json!({"name": "c", "version": "1"});
    c.extend([
        p!("initialize", json!({}), "invalid params for `initialize`", "missing field `protocolVersion`"),
        p!("initialize", json!({"protocolVersion": 5, "capabilities": {}, "clientInfo": client_info}), "`protocolVersion`", "invalid type: integer `5`"),
        p!("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": [], "clientInfo": client_info}), "`capabilities`", "invalid type"),
        p!("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": "me"}), "`clientInfo`", "invalid type"),
        p!("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c"}}), "`clientInfo`", "missing field `version`"),
        p!("tools/call", json!({}), "invalid params for `tools/call`", "missing field `name`"),
        p!("tools/call", json!({"name": 5}), "`name`", "invalid type: integer `5`"),
        p!("tools/call", json!({"name": "echo", "arguments": [1]}), "`arguments`", "invalid type"),
        p!("tools/call", json!({"name": "echo", "arguments": "text"}), "`arguments`", "invalid type"),
        p!("tools/call", json!({"name": "nope"}), "unknown tool: `nope`"),
        params("tools/call", json!({"name": "echo", "arguments": {"text": 5}}), |id| Want::Result(id, &["\"isError\":true", "invalid arguments for tool `echo`: `text`: invalid type: integer `5`"])),
        params("tools/call", json!({"name": "echo", "arguments": {}}), |id| Want::Result(id, &["\"isError\":true", "missing field `text`"])),
        p!("tools/list", json!({"cursor": 5}), "invalid params for `tools/list`", "`cursor`"),
        p!("tools/list", json!({"cursor": "not a cursor!"}), "invalid cursor"),
        params("tools/list", json!({"cursor": null}), |id| Want::Result(id, &["\"tools\""])),
        p!("resources/list", json!({"cursor": []}), "`cursor`"),
        p!("prompts/list", json!({"cursor": {}}), "`cursor`"),
        p!("resources/read", json!({}), "invalid params for `resources/read`", "missing field `uri`"),
        p!("resources/read", json!({"uri": 5}), "`uri`", "invalid type"),
        params("resources/read", json!({"uri": "nope://x"}), |id| Want::Error(-32002, id, &["resource not found: `nope://x`"])),
        p!("resources/subscribe", json!({"uri": []}), "`uri`"),
        p!("prompts/get", json!({}), "missing field `name`"),
        p!("prompts/get", json!({"name": 5}), "`name`", "invalid type"),
        p!("prompts/get", json!({"name": "greet", "arguments": []}), "`arguments`"),
        p!("prompts/get", json!({"name": "nope"}), "unknown prompt: `nope`"),
        p!("prompts/get", json!({"name": "greet", "arguments": {}}), "name"),
        // Prompt arguments are strings; a number is taken as its text.
        params("prompts/get", json!({"name": "greet", "arguments": {"name": 5}}), |id| Want::Result(id, &["Say hello to 5."])),
        p!("completion/complete", json!({}), "invalid params for `completion/complete`", "missing field `ref`"),
        p!("completion/complete", json!({"ref": 5, "argument": {"name": "name", "value": ""}}), "`ref`"),
        p!("completion/complete", json!({"ref": {"type": "ref/nope"}, "argument": {"name": "name", "value": ""}}), "`ref.type`", "unknown variant `ref/nope`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name"}}), "`argument`", "missing field `value`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": 5}}), "`argument.value`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": ""}, "context": {"arguments": 5}}), "`context.arguments`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "x", "value": ""}}), "unknown prompt: `nope`"),
        params("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "Al"}}), |id| Want::Result(id, &["\"Alan\""])),
        p!("logging/setLevel", json!({}), "invalid params for `logging/setLevel`", "missing field `level`"),
        p!("logging/setLevel", json!({"level": "loud"}), "`level`", "unknown variant `loud`"),
        p!("logging/setLevel", json!({"level": 3}), "`level`", "invalid type"),
    ]);
    // A valid `initialize` on an initialized stdio session is refused; on HTTP it starts a new
    // session.
    c.push(Case {
        http: Some(Want::Result(json!(699), &["\"protocolVersion\""])),
        ..case(
            "initialize twice",
            req(
                json!(699),
                "initialize",
                reliability_support::initialize_params(json!({})),
            ),
            Want::Error(-32600, json!(699), &["already initialized"]),
        )
    });
    // Malformed cancellations are notifications: ignored, not answered.
    for p in [
        json!({}),
        json!({"requestId": {}}),
        json!({"requestId": null}),
        json!({"requestId": 1.5}),
        json!({"requestId": "never-sent", "reason": 5}),
    ] {
        c.push(case(
            format!("notifications/cancelled {p}"),
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": p}).to_string(),
            Silence,
        ));
    }
    c
}

/// Check one error object against `code` and the words its message must contain.
fn check_error(name: &str, m: &Value, code: i64, words: &[&str]) {
    assert_eq!(m["jsonrpc"], "2.0", "{name}: {m}");
    assert_eq!(m["error"]["code"], code, "{name}: {m}");
    let message = m["error"]["message"].as_str().unwrap_or_default();
    for w in words {
        assert!(
            message.contains(w),
            "{name}: the message does not say {w:?}: {m}"
        );
    }
}

fn check_result(name: &str, m: &Value, id: &Value, words: &[&str]) {
    assert_eq!(&m["id"], id, "{name}: {m}");
    assert!(m.get("result").is_some(), "{name}: expected a result: {m}");
    let text = m.to_string();
    for w in words {
        assert!(
            text.contains(w),
            "{name}: the result does not contain {w:?}: {m}"
        );
    }
}

#[tokio::test]
async fn stdio_every_bad_frame_gets_one_clean_answer_and_the_next_request_succeeds() {
    let cases = cases();
    let mut pipe = Pipe::initialized(server(), json!({})).await;
    let started = Instant::now();
    for (i, case) in cases.iter().enumerate() {
        let name = &case.name;
        pipe.tx.send_bytes(&case.frame).await;
        match &case.want {
            Want::Silence => {
                let answers = pipe.sync().await;
                assert!(
                    answers.is_empty(),
                    "{name}: expected no answer, got {answers:?}"
                );
            }
            Want::Frame(code, id, words) => {
                // Frame errors are answered inline, before the ping that follows.
                let answers = pipe.sync().await;
                assert_eq!(
                    answers.len(),
                    1,
                    "{name}: expected one answer, got {answers:?}"
                );
                check_error(name, &answers[0], *code, words);
                assert_eq!(&answers[0]["id"], id, "{name}: {answers:?}");
            }
            Want::Error(code, id, words) => {
                let m = pipe.response(id).await;
                check_error(name, &m, *code, words);
                let rest = pipe.sync().await;
                assert!(rest.is_empty(), "{name}: more than one answer: {rest:?}");
            }
            Want::Result(id, words) => {
                let m = pipe.response(id).await;
                check_result(name, &m, id, words);
                let rest = pipe.sync().await;
                assert!(rest.is_empty(), "{name}: more than one answer: {rest:?}");
            }
        }
        let r = pipe
            .request(
                json!(format!("after-{i}")),
                "tools/call",
                json!({"name": "echo", "arguments": {"text": name}}),
            )
            .await;
        assert_eq!(
            &r["result"]["content"][0]["text"],
            &json!(name),
            "after {name}: {r}"
        );
    }
    eprintln!(
        "stdio: {} bad-frame cases in {:?}",
        cases.len(),
        started.elapsed()
    );
    pipe.close().await.unwrap();
}

#[tokio::test]
async fn http_every_bad_frame_gets_one_clean_answer_and_the_next_request_succeeds() {
    let cases = cases();
    let mut http = Http::start(server(), HttpConfig::default()).await;
    http.initialize(json!({})).await;
    let started = Instant::now();
    for (i, case) in cases.iter().enumerate() {
        let name = &case.name;
        let r = http.post_bytes(case.frame.clone()).await;
        match case.http.as_ref().unwrap_or(&case.want) {
            Want::Silence => {
                assert_eq!(r.status, 202, "{name}: {r:?}");
                assert!(r.body.is_empty(), "{name}: {r:?}");
            }
            Want::Frame(code, id, words) => {
                assert_eq!(r.status, 400, "{name}: {r:?}");
                let m = r.json();
                check_error(name, &m, *code, words);
                // Over HTTP the id of a bad frame is always null, even when it could be read
                // (see `http_frame_errors_carry_the_id_when_it_can_be_read`).
                assert!(m["id"] == *id || m["id"].is_null(), "{name}: {m}");
            }
            Want::Error(code, id, words) => {
                assert_eq!(r.status, 200, "{name}: {r:?}");
                let m = r.json();
                check_error(name, &m, *code, words);
                assert_eq!(&m["id"], id, "{name}: {m}");
            }
            Want::Result(id, words) => {
                assert_eq!(r.status, 200, "{name}: {r:?}");
                check_result(name, &r.json(), id, words);
            }
        }
        let r = http
            .call(
                &json!({"jsonrpc": "2.0", "id": format!("after-{i}"), "method": "tools/call",
                "params": {"name": "echo", "arguments": {"text": name}}}),
            )
            .await;
        assert_eq!(
            &r["result"]["content"][0]["text"],
            &json!(name),
            "after {name}: {r}"
        );
    }
    eprintln!(
        "http: {} bad-frame cases in {:?}",
        cases.len(),
        started.elapsed()
    );
}

/// JSON-RPC: the id of an Invalid Request error "MUST be the same as the value of the id member
/// in the Request Object" when it could be detected; stdio does this, HTTP answers `null`.
#[tokio::test]
async fn http_frame_errors_carry_the_id_when_it_can_be_read() {
    let mut http = Http::start(server(), HttpConfig::default()).await;
    http.initialize(json!({})).await;
    let r = http
        .post_bytes(r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#)
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["id"], 7, "{r:?}");
}

const LIMIT: usize = 1 << 20;

fn limited() -> Server {
    server().limits(Limits::default().max_message_bytes(LIMIT))
}

/// A request of exactly `len` bytes.
fn ping_of_len(id: i64, len: usize) -> Vec<u8> {
    let head = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping","params":{{"pad":""#);
    let tail = r#""}}"#;
    let pad = len - head.len() - tail.len();
    let mut f = head.into_bytes();
    f.extend(std::iter::repeat_n(b'x', pad));
    f.extend_from_slice(tail.as_bytes());
    assert_eq!(f.len(), len);
    f
}

#[tokio::test]
async fn stdio_oversized_messages_are_refused_without_being_buffered() {
    let mut pipe = Pipe::start_with_buffer(limited(), 64 << 10);
    // At the limit: served. One byte over: refused, and the id is not read.
    pipe.tx.send_bytes(&ping_of_len(1, LIMIT)).await;
    assert_eq!(pipe.response(&json!(1)).await["result"], json!({}));
    pipe.tx.send_bytes(&ping_of_len(2, LIMIT + 1)).await;
    let answers = pipe.sync().await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    check_error(
        "one byte over",
        &answers[0],
        -32600,
        &["message too large", "1048576 bytes"],
    );
    assert_eq!(answers[0]["id"], Value::Null);

    // 256 MiB in one line, streamed in 1 MiB writes: refused once, and memory stays flat
    // (the line is skipped as it arrives, never held whole).
    let huge: usize = 256 << 20;
    let reset = reset_peak_rss();
    let peak_before = peak_rss_kib();
    let started = Instant::now();
    let chunk = vec![b'x'; 1 << 20];
    pipe.tx
        .write_raw(br#"{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":""#)
        .await;
    for _ in 0..huge / chunk.len() {
        pipe.tx.write_raw(&chunk).await;
    }
    pipe.tx.send_bytes(br#""}}"#).await;
    let answers = pipe.sync().await;
    let grew_mib = (peak_rss_kib().saturating_sub(peak_before)) / 1024;
    eprintln!(
        "stdio: a 256 MiB line was refused in {:?}; peak RSS grew {grew_mib} MiB (peak reset: {reset})",
        started.elapsed()
    );
    assert_eq!(answers.len(), 1, "{answers:?}");
    check_error("256 MiB line", &answers[0], -32600, &["message too large"]);
    if reset {
        assert!(
            grew_mib < 32,
            "peak RSS grew {grew_mib} MiB while skipping a 256 MiB line"
        );
    }
    // An oversized line cut short by the end of input is refused too.
    pipe.tx.write_raw(&chunk).await;
    pipe.tx.write_raw(&chunk).await;
    pipe.tx.close().await;
    let last = pipe
        .rx
        .next()
        .await
        .expect("the refusal of the unterminated line");
    check_error(
        "unterminated oversized line",
        &last,
        -32600,
        &["message too large"],
    );
    assert!(
        pipe.rx.next().await.is_none(),
        "the server closes its output after the input ends"
    );
    tokio::time::timeout(Duration::from_secs(10), pipe.server)
        .await
        .expect("the server ends")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn http_oversized_bodies_get_413_without_being_buffered() {
    let mut http = Http::start(limited(), HttpConfig::default()).await;
    http.initialize(json!({})).await;
    let r = http.post_bytes(ping_of_len(1, LIMIT)).await;
    assert_eq!((r.status, &r.json()["result"]), (200, &json!({})), "{r:?}");
    let r = http.post_bytes(ping_of_len(2, LIMIT + 1)).await;
    assert_eq!(r.status, 413, "{r:?}");
    // The refusal is a JSON-RPC error naming the limit, like every other refusal.
    assert_eq!(r.json()["error"]["code"], -32600, "{r:?}");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("too large"),
        "{r:?}"
    );

    // 256 MiB streamed without a Content-Length: refused, memory stays flat.
    let reset = reset_peak_rss();
    let peak_before = peak_rss_kib();
    let chunks = futures::stream::iter(
        (0..256).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'x'; 1 << 20]))),
    );
    let started = Instant::now();
    let sent = http
        .post()
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await;
    let grew_mib = (peak_rss_kib().saturating_sub(peak_before)) / 1024;
    match sent {
        Ok(r) => assert_eq!(r.status(), 413),
        // The server may answer and close before the upload ends; that is a refusal too.
        Err(e) => eprintln!("http: the 256 MiB upload was cut off: {e}"),
    }
    eprintln!(
        "http: a 256 MiB chunked body was refused in {:?}; peak RSS grew {grew_mib} MiB",
        started.elapsed()
    );
    if reset {
        assert!(
            grew_mib < 32,
            "peak RSS grew {grew_mib} MiB while refusing a 256 MiB body"
        );
    }
    let r = http
        .call(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "ok"}}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "ok");
}

#[tokio::test]
async fn a_bad_initialize_leaves_the_connection_ready_for_a_good_one() {
    let mut pipe = Pipe::start(server());
    let r = pipe
        .request(json!(1), "initialize", json!({"protocolVersion": 2025}))
        .await;
    check_error("bad initialize", &r, -32602, &["`protocolVersion`"]);
    let r = pipe
        .request(
            json!(2),
            "initialize",
            reliability_support::initialize_params(json!({})),
        )
        .await;
    assert_eq!(r["result"]["protocolVersion"], "2025-11-25", "{r}");
    pipe.close().await.unwrap();
}
