//! Bad input, frame by frame, over stdio and over HTTP: every malformed frame, wrong id, wrong
//! `jsonrpc`, batch, huge number, deeply nested value, oversized message and wrong parameter type
//! gets exactly one clean answer (the exact JSON-RPC code, a message naming the problem), or none
//! when the frame is a notification or a response, and the next valid request succeeds.
//!
//! The cases are one table, run on one connection per transport, so each case also proves that
//! every case before it left the connection working.

#[path = "../reliability_support/mod.rs"]
mod reliability_support;

mod cases;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};

use cases::{cases, Want};
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
