//! Property-based tests (proptest): whatever lines reach the stdio server, it never panics and
//! answers every request exactly once; every message type survives encode/decode; any JSON value
//! as tool arguments is answered (a result or -32602), never a panic.
//!
//! Cases per property: proptest's default (256), or `PROPTEST_CASES`.

mod reliability_support;

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Map, Value};
use toolsmith::jsonrpc::{ErrorObject, Message, Notification, Request, RequestId};
use toolsmith::prelude::*;

use reliability_support::Pipe;
use toolsmith_tests::fixtures::echo;

// ---------------------------------------------------------------------------------------------
// Strategies.

/// A float with a short decimal form (up to 10 digits, exponent within ±15). Any finite `f64`
/// does not survive a JSON round trip through the toolkit (see `any_float_survives_a_round_trip`).
fn short_float() -> impl Strategy<Value = Value> {
    (any::<i32>(), -15i32..15, 0u8..2).prop_map(|(m, e, frac)| {
        let text = if frac == 0 {
            format!("{m}e{e}")
        } else {
            format!("{m}.5e{e}")
        };
        let v: Value = serde_json::from_str(&text).expect("a float");
        v
    })
}

/// Any JSON value: every scalar kind, strings with any characters, nesting up to 4 levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        short_float(),
        any::<String>().prop_map(Value::String),
        "[a-z_]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec(("[a-z]{1,6}|.{0,6}", json_value()), 0..6)
        .prop_map(|kv| kv.into_iter().collect())
}

fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![
        any::<i64>().prop_map(RequestId::Number),
        any::<String>().prop_map(|s| RequestId::String(s.into())),
    ]
}

fn params() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        json_object().prop_map(|o| Some(Value::Object(o))),
        prop::collection::vec(json_value(), 0..4).prop_map(|a| Some(Value::Array(a))),
    ]
}

fn error_object() -> impl Strategy<Value = ErrorObject> {
    (
        any::<i64>(),
        any::<String>(),
        prop::option::of(json_value()),
    )
        .prop_map(|(code, message, data)| ErrorObject {
            code,
            message,
            data,
        })
}

/// Every kind of message, with random ids, methods, params, results and errors.
fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (request_id(), any::<String>(), params()).prop_map(|(id, method, params)| {
            Message::Request(Request::new(id, method, params))
        }),
        (any::<String>(), params())
            .prop_map(|(method, params)| Message::Notification(Notification { method, params })),
        (request_id(), json_value()).prop_map(|(id, v)| Message::result(id, v)),
        (prop::option::of(request_id()), error_object()).prop_map(|(id, e)| Message::error(id, e)),
    ]
}

fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The servers.

/// Give back the arguments as received.
#[tool]
async fn same(Params(args): Params<Map<String, Value>>) -> String {
    Value::Object(args).to_string()
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)] // only decoded
struct Nested {
    a: Vec<Option<u8>>,
    b: HashMap<String, f32>,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)] // only decoded
enum Choice {
    Red,
    Blue(u16),
    Custom { r: u8 },
}

/// Take arguments of many types.
#[tool]
#[allow(clippy::too_many_arguments)]
async fn typed(
    text: String,
    n: i32,
    flag: bool,
    items: Vec<String>,
    nested: Option<Nested>,
    choice: Option<Choice>,
    when: Option<f64>,
    small: Option<u8>,
) -> String {
    let _ = (nested, choice, when, small);
    format!("{text}:{n}:{flag}:{}", items.len())
}

/// Greet someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Hello, {name}.")
}

/// The configuration.
#[resource(uri = "config://app")]
async fn config_resource() -> String {
    "ok".into()
}

fn server() -> Server {
    Server::new("props", "1")
        .tool(echo)
        .tool(same)
        .tool(typed)
        .prompt(greet)
        .resource(config_resource)
        .complete_prompt_argument("greet", "name", |p, _| vec![format!("{p}!")])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

// ---------------------------------------------------------------------------------------------
// Lines for the stdio server.

/// How a generated frame's id is written.
#[derive(Debug, Clone)]
enum IdKind {
    UniqueNumber,
    UniqueString,
    Absent,
    Bad(Value),
}

/// One generated line: raw bytes, or a frame built from parts (mostly valid, often not).
#[derive(Debug, Clone)]
enum Line {
    Bytes(Vec<u8>),
    Frame {
        jsonrpc: Option<Value>,
        id: IdKind,
        method: Option<Value>,
        params: Option<Value>,
        result: Option<Value>,
    },
}

const METHODS: &[&str] = &[
    "ping",
    "initialize",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
    "no/such/method",
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
];

/// Params that reach deep into the methods: the right names with values that may be wrong.
fn method_params() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_value(),
        (prop::sample::select(vec!["echo", "same", "typed", "nope"]), json_value())
            .prop_map(|(name, args)| json!({"name": name, "arguments": args})),
        ("echo|same|typed", json_object())
            .prop_map(|(name, args)| json!({"name": name, "arguments": args})),
        json_value().prop_map(|v| json!({"uri": v})),
        prop::sample::select(vec!["config://app", "nope://x", ""])
            .prop_map(|u| json!({"uri": u})),
        (json_value(), json_value()).prop_map(|(n, a)| json!({"name": n, "arguments": a})),
        json_value().prop_map(|v| json!({"name": "greet", "arguments": {"name": v}})),
        json_value().prop_map(|v| json!({"cursor": v})),
        json_value().prop_map(|v| json!({"level": v})),
        json_value().prop_map(|v| json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": v}})),
        json_value().prop_map(|v| json!({"protocolVersion": v, "capabilities": {}, "clientInfo": {"name": "p", "version": "1"}})),
        json_object().prop_map(|m| json!({"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": Value::Object(m)}})),
    ]
}

fn line() -> impl Strategy<Value = Line> {
    let id = prop_oneof![
        4 => Just(IdKind::UniqueNumber),
        3 => Just(IdKind::UniqueString),
        2 => Just(IdKind::Absent),
        1 => json_value()
            .prop_filter("not an allowed id", |v| !(v.is_i64() || v.is_string()))
            .prop_map(IdKind::Bad),
    ];
    let jsonrpc = prop_oneof![
        8 => Just(Some(json!("2.0"))),
        1 => Just(None),
        1 => json_value().prop_map(Some),
    ];
    let method = prop_oneof![
        8 => prop::sample::select(METHODS).prop_map(|m| Some(json!(m))),
        1 => Just(None),
        1 => json_value().prop_map(Some),
    ];
    let params = prop_oneof![
        2 => Just(None),
        6 => method_params().prop_map(Some),
    ];
    let result = prop_oneof![
        9 => Just(None),
        1 => json_value().prop_map(Some),
    ];
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..120)
            .prop_map(|b| Line::Bytes(b.into_iter().filter(|c| *c != b'\n').collect())),
        6 => (jsonrpc, id, method, params, result).prop_map(|(jsonrpc, id, method, params, result)| {
            Line::Frame { jsonrpc, id, method, params, result }
        }),
    ]
}

/// The bytes of the `index`th line. Request ids are unique per line; a cancellation names an
/// id no request uses, so that no request is cancelled.
fn materialise(line: &Line, index: usize) -> Vec<u8> {
    match line {
        Line::Bytes(b) => b.clone(),
        Line::Frame {
            jsonrpc,
            id,
            method,
            params,
            result,
        } => {
            let mut m = Map::new();
            if let Some(j) = jsonrpc {
                m.insert("jsonrpc".into(), j.clone());
            }
            match id {
                IdKind::UniqueNumber => {
                    m.insert("id".into(), json!(100_000 + index));
                }
                IdKind::UniqueString => {
                    m.insert("id".into(), json!(format!("line-{index}")));
                }
                IdKind::Absent => {}
                IdKind::Bad(v) => {
                    m.insert("id".into(), v.clone());
                }
            }
            if let Some(method) = method {
                m.insert("method".into(), method.clone());
            }
            if let Some(p) = params {
                let mut p = p.clone();
                if method.as_ref() == Some(&json!("notifications/cancelled")) {
                    p = json!({"requestId": format!("never-sent-{index}")});
                }
                m.insert("params".into(), p);
            }
            if let Some(r) = result {
                m.insert("result".into(), r.clone());
            }
            Value::Object(m).to_string().into_bytes()
        }
    }
}

/// What the server must do with one line: answer a request id once, answer a bad frame once,
/// or say nothing.
#[derive(Debug, PartialEq)]
enum Expect {
    Answer(Value),
    FrameError,
    Nothing,
}

/// The stdio framing's view of a line (trailing `\r` dropped, blank lines skipped), then the
/// parser's.
fn expect(bytes: &[u8]) -> Expect {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Expect::Nothing;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Expect::FrameError;
    };
    match Message::from_json(text) {
        Ok(Message::Request(r)) => Expect::Answer(serde_json::to_value(&r.id).unwrap()),
        Ok(_) => Expect::Nothing,
        Err(_) => Expect::FrameError,
    }
}

/// Send `lines`, then check every request got exactly one answer and every bad frame one error.
async fn run_lines(lines: &[Line]) -> Result<(), TestCaseError> {
    let mut pipe = Pipe::initialized(server(), json!({})).await;
    let mut want_answers: HashMap<String, usize> = HashMap::new();
    let mut want_frame_errors = 0;
    for (i, line) in lines.iter().enumerate() {
        let bytes = materialise(line, i);
        match expect(&bytes) {
            Expect::Answer(id) => *want_answers.entry(id.to_string()).or_default() += 1,
            Expect::FrameError => want_frame_errors += 1,
            Expect::Nothing => {}
        }
        pipe.tx.send_bytes(&bytes).await;
    }
    // Every answer the requests are owed (some come after the ping, from their own tasks).
    let mut seen: Vec<Value> = pipe.sync().await;
    loop {
        let answered: std::collections::HashSet<String> = seen
            .iter()
            .filter(|m| m.get("method").is_none())
            .map(|m| m["id"].to_string())
            .collect();
        let owed = want_answers.keys().any(|id| !answered.contains(id));
        if !owed {
            break;
        }
        seen.push(
            pipe.rx
                .next()
                .await
                .expect("the server closed the connection"),
        );
    }
    // And anything extra that might still come.
    seen.extend(pipe.sync().await);
    let mut got_answers: HashMap<String, usize> = HashMap::new();
    let mut got_frame_errors = 0;
    for m in &seen {
        if m.get("method").is_some() {
            continue; // notifications (logs, list changes): not answers
        }
        prop_assert!(
            m.get("result").is_some() ^ m.get("error").is_some(),
            "neither result nor error: {}",
            m
        );
        let id = m["id"].to_string();
        if want_answers.contains_key(&id) {
            *got_answers.entry(id).or_default() += 1;
        } else {
            prop_assert!(m.get("error").is_some(), "a result for no request: {}", m);
            let code = m["error"]["code"].as_i64().unwrap();
            prop_assert!(code == -32700 || code == -32600, "{}", m);
            got_frame_errors += 1;
        }
    }
    prop_assert_eq!(got_answers, want_answers);
    prop_assert_eq!(got_frame_errors, want_frame_errors);
    pipe.close().await.expect("the server ended cleanly");
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Any mix of garbage, near-misses and valid frames: the server survives, each request is
    /// answered exactly once, each bad frame gets exactly one -32700/-32600, and notifications
    /// and responses get nothing.
    #[test]
    fn every_line_gets_what_it_is_owed(lines in prop::collection::vec(line(), 1..24)) {
        runtime().block_on(run_lines(&lines))?;
    }

    /// Encoding any message and decoding it gives the same message.
    #[test]
    fn every_message_round_trips(m in message()) {
        let text = m.to_json();
        prop_assert!(!text.contains('\n'), "a frame is one line: {}", text);
        prop_assert_eq!(Message::from_json(&text), Ok(m));
    }

    /// Decoding never panics, and whatever decodes re-encodes to the same message.
    #[test]
    fn decoding_anything_is_total(text in prop_oneof![any::<String>(), json_value().prop_map(|v| v.to_string())]) {
        match Message::from_json(&text) {
            Ok(m) => prop_assert_eq!(Message::from_json(&m.to_json()), Ok(m)),
            Err(e) => prop_assert!(e.code == -32700 || e.code == -32600, "{:?}", e),
        }
    }
}

/// One server for all cases of the arguments property; every case is one call on it.
struct Shared {
    rt: tokio::runtime::Runtime,
    pipe: std::cell::RefCell<Option<Pipe>>,
    next: std::cell::Cell<u64>,
}

impl Shared {
    fn call(&self, params: Value) -> Value {
        let id = self.next.get();
        self.next.set(id + 1);
        let mut pipe = self.pipe.borrow_mut();
        let pipe = pipe.as_mut().unwrap();
        self.rt
            .block_on(pipe.request(json!(id), "tools/call", params))
    }
}

#[test]
fn any_json_as_tool_arguments_is_answered() {
    let rt = runtime();
    let pipe = rt.block_on(Pipe::initialized(server(), json!({})));
    let shared = Shared {
        rt,
        pipe: std::cell::RefCell::new(Some(pipe)),
        next: std::cell::Cell::new(1),
    };
    let arguments = prop_oneof![
        json_value(),
        json_object().prop_map(Value::Object),
        // The parameter names of `typed`, with values of any type.
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "text", "n", "flag", "items", "nested", "choice", "when", "small"
                ]),
                json_value()
            ),
            0..8
        )
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ];
    let tools = prop::sample::select(vec!["echo", "same", "typed"]);
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&(tools, arguments), |(tool, args)| {
            let r = shared.call(json!({"name": tool, "arguments": args}));
            if !args.is_object() && !args.is_null() {
                prop_assert_eq!(&r["error"]["code"], &json!(-32602), "{}", r);
                prop_assert!(
                    r["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("`arguments`"),
                    "{}",
                    r
                );
                return Ok(());
            }
            let result = &r["result"];
            prop_assert!(result["content"][0]["text"].is_string(), "{}", r);
            if tool == "same" {
                // The arguments arrive as sent.
                let back: Value =
                    serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
                let sent = if args.is_null() {
                    json!({})
                } else {
                    args.clone()
                };
                prop_assert_eq!(back, sent);
            }
            if result["isError"] == true {
                let text = result["content"][0]["text"].as_str().unwrap();
                prop_assert!(
                    text.starts_with(&format!("invalid arguments for tool `{tool}`")),
                    "{}",
                    text
                );
            }
            Ok(())
        })
        .unwrap();
    let pipe = shared.pipe.borrow_mut().take().unwrap();
    shared
        .rt
        .block_on(pipe.close())
        .expect("the server survived every case");
}

/// Floats change on the way through: serde_json parses with "best-effort precision" unless its
/// `float_roundtrip` feature is on, so a float argument can arrive 1 ULP off (for example
/// 7.947467538606163e63 arrives as 7.947467538606164e63).
#[test]
fn any_float_survives_a_round_trip() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(
            &any::<f64>().prop_filter("finite", |f| f.is_finite()),
            |f| {
                let m = Message::result(RequestId::Number(1), json!([f]));
                let back = Message::from_json(&m.to_json()).unwrap();
                prop_assert_eq!(back, m);
                Ok(())
            },
        )
        .unwrap();
}
