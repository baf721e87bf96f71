//! A bounded, seeded mutation fuzzer of the frame parser and of the stdio and HTTP servers, on
//! stable Rust (cargo-fuzz needs nightly). It runs as an ordinary test target, so `cargo test`
//! (and CI) runs a short pass; longer passes are one environment variable away:
//!
//! ```text
//! cargo test -p toolsmith-tests --test fuzz_frames -- --nocapture                    # 4 s a target
//! TOOLSMITH_FUZZ_SECS=300 cargo test --release -p toolsmith-tests --test fuzz_frames -- --nocapture
//! TOOLSMITH_FUZZ_SEED=1234 ...                                                         # replay a run
//! ```
//!
//! Inputs start from `tests/fuzz/seeds/frames.jsonl` and are mutated byte-wise (bit flips,
//! interesting bytes, insertions, deletions, duplications, splices, dictionary tokens) and
//! structurally (a JSON node replaced, removed, wrapped or retyped). An input whose outcome has a
//! shape not seen before (kind of message, error code, the words of the error) joins the corpus:
//! coverage by outcome rather than by branch. A failing input is written to
//! `target/fuzz-failures/` and printed with the seed.

#[path = "../tests/reliability_support/mod.rs"]
mod reliability_support;

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use toolsmith::jsonrpc::Message;
use toolsmith::prelude::*;
use toolsmith::HttpConfig;

use reliability_support::{env_usize, Http, Pipe};
use toolsmith_tests::fixtures::echo;

// ---------------------------------------------------------------------------------------------
// Randomness, budget, corpus.

/// xorshift64*: small, fast, reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    std::env::var("TOOLSMITH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        })
}

fn budget() -> Duration {
    Duration::from_secs(env_usize("TOOLSMITH_FUZZ_SECS", 4) as u64)
}

fn seeds() -> Vec<Vec<u8>> {
    include_str!("seeds/frames.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

/// Record a failing input and fail the test with it.
fn fail(target: &str, seed: u64, input: &[u8], why: &str) -> ! {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{target}-{seed}.bin"));
    let _ = std::fs::write(&path, input);
    panic!(
        "fuzz {target} (TOOLSMITH_FUZZ_SEED={seed}): {why}\ninput ({} bytes, saved to {}): {:?}",
        input.len(),
        path.display(),
        String::from_utf8_lossy(&input[..input.len().min(2000)])
    );
}

// ---------------------------------------------------------------------------------------------
// Mutations.

const INTERESTING: &[u8] = b"\0\x01\x7f\x80\xbf\xc0\xff\"\\{}[],:0-e.+ \t\r";

const TOKENS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1.5",
    "1e400",
    "-1e400",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "\"\"",
    "{}",
    "[]",
    "\"jsonrpc\"",
    "\"2.0\"",
    "\"id\"",
    "\"method\"",
    "\"params\"",
    "\"result\"",
    "\"error\"",
    "\"code\"",
    "\"message\"",
    "\"data\"",
    "\"name\"",
    "\"arguments\"",
    "\"cursor\"",
    "\"uri\"",
    "\"level\"",
    "\"ref\"",
    "\"_meta\"",
    "\"requestState\"",
    "\"inputResponses\"",
    "\"io.modelcontextprotocol/protocolVersion\"",
    "\"2026-07-28\"",
    "\"2025-11-25\"",
    "\"tools/call\"",
    "\"initialize\"",
    "\"ping\"",
    "\\u0000",
    "\\ud800",
    "\\\"",
    "\u{feff}",
    "\u{2028}",
    "😀",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]]]]]]]]]",
    "{\"a\":{\"a\":{\"a\":",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 7 } else { 9 }) {
        0 => Value::Null,
        1 => json!(rng.chance(2)),
        2 => json!(rng.next() as i64),
        3 => json!(rng.next()),
        4 => json!((rng.next() as i64) as f64 / 1024.0),
        5 => json!(TOKENS[rng.below(TOKENS.len())]),
        6 => json!(String::from_utf8_lossy(
            &(0..rng.below(12))
                .map(|_| rng.next() as u8)
                .collect::<Vec<_>>()
        )),
        7 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|_| {
                    let k = TOKENS[rng.below(TOKENS.len())].trim_matches('"').to_owned();
                    (k, random_value(rng, depth + 1))
                })
                .collect(),
        ),
    }
}

/// Change one node of `v` (chosen by walking down at random).
fn mutate_value(rng: &mut Rng, v: &mut Value) {
    let descend = rng.chance(3)
        || matches!(
            v,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)
        );
    match v {
        Value::Object(m) if !m.is_empty() && !descend => {
            let key = m.keys().nth(rng.below(m.len())).unwrap().clone();
            match rng.below(4) {
                0 => {
                    m.remove(&key);
                }
                1 => {
                    let new = TOKENS[rng.below(TOKENS.len())].trim_matches('"').to_owned();
                    let val = m.remove(&key).unwrap();
                    m.insert(new, val);
                }
                _ => mutate_value(rng, m.get_mut(&key).unwrap()),
            }
        }
        Value::Array(a) if !a.is_empty() && !descend => {
            let i = rng.below(a.len());
            if rng.chance(4) {
                a.remove(i);
            } else {
                mutate_value(rng, &mut a[i]);
            }
        }
        _ => {
            *v = match rng.below(3) {
                0 => json!([v.take()]),
                1 => json!({"x": v.take()}),
                _ => random_value(rng, 0),
            }
        }
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = *rng.pick(INTERESTING);
            }
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                b.drain(at..end);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(32)).min(len);
                let copy = b[at..end].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, copy);
            }
            5 => {
                let other = rng.pick(corpus);
                let cut = rng.below(b.len() + 1);
                let from = rng.below(other.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            6 => {
                let at = rng.below(len + 1);
                let t = rng.pick(TOKENS).as_bytes().to_vec();
                b.splice(at..at, t);
            }
            _ => {
                if let Ok(mut v) = serde_json::from_slice::<Value>(&b) {
                    mutate_value(rng, &mut v);
                    b = v.to_string().into_bytes();
                }
            }
        }
    }
    // One line per input (a newline would make two frames).
    for c in &mut b {
        if *c == b'\n' {
            *c = b' ';
        }
    }
    b.truncate(64 << 10);
    b
}

/// The shape of an outcome: what decides whether an input found something new.
fn signature(outcome: &Result<Message, toolsmith::jsonrpc::ErrorObject>) -> String {
    let method = |m: &str| {
        let known = seeds().iter().any(|s| {
            std::str::from_utf8(s).is_ok_and(|s| s.contains(&format!("\"method\":\"{m}\"")))
        });
        if known {
            m.to_owned()
        } else {
            "another method".to_owned()
        }
    };
    match outcome {
        Ok(Message::Request(r)) => format!("request {}", method(&r.method)),
        Ok(Message::Notification(n)) => format!("notification {}", method(&n.method)),
        Ok(Message::Response(r)) => match &r.outcome {
            Ok(_) => format!("result id={}", r.id.is_some()),
            // The peer's own message is arbitrary text: only ours (a malformed answer) counts.
            Err(e) => format!(
                "error id={} {}",
                r.id.is_some(),
                if e.message.starts_with("malformed response") {
                    words(&e.message)
                } else {
                    "from the peer".into()
                }
            ),
        },
        Err(e) => format!("{} {}", e.code, words(&e.message)),
    }
}

/// The first words of a message, up to its first quoted part, without numbers.
fn words(message: &str) -> String {
    message
        .split(['`', '"'])
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .take(6)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Two JSON values equal but for floats in their last bits (serde_json's default float parsing
/// is not exact; see RELIABILITY.md).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Lines a live server must not be sent: they would legitimately leave a request unanswered
/// (a cancellation of a request in the same batch, a `subscriptions/listen` stream).
fn unsendable(outcome: &Result<Message, toolsmith::jsonrpc::ErrorObject>) -> bool {
    match outcome {
        Ok(Message::Notification(n)) => n.method == "notifications/cancelled",
        Ok(Message::Request(r)) => r.method == "subscriptions/listen",
        _ => false,
    }
}

fn parse(bytes: &[u8]) -> Option<Result<Message, toolsmith::jsonrpc::ErrorObject>> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(text) => Message::from_json(text),
        Err(_) => Err(toolsmith::jsonrpc::ErrorObject::new(-32700, "not UTF-8")),
    })
}

// ---------------------------------------------------------------------------------------------
// Target 1: the parser.

#[test]
fn fuzz_the_frame_parser() {
    let seed = seed();
    let mut rng = Rng(seed);
    let mut corpus = seeds();
    let mut seen: HashSet<String> = HashSet::new();
    let deadline = Instant::now() + budget();
    let mut runs = 0u64;
    while Instant::now() < deadline {
        for _ in 0..256 {
            let parent = rng.pick(&corpus).clone();
            let input = mutate(&mut rng, &parent, &corpus);
            runs += 1;
            let Ok(text) = std::str::from_utf8(&input) else {
                continue;
            };
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| Message::from_json(text)))
                .unwrap_or_else(|_| fail("parser", seed, &input, "the parser panicked"));
            match &outcome {
                Ok(m) => {
                    let again = Message::from_json(&m.to_json()).unwrap_or_else(|e| {
                        fail(
                            "parser",
                            seed,
                            &input,
                            &format!("re-encoded message does not parse: {e}"),
                        )
                    });
                    let (a, b): (Value, Value) = (
                        serde_json::from_str(&m.to_json()).unwrap(),
                        serde_json::from_str(&again.to_json()).unwrap(),
                    );
                    if !same_json(&a, &b) {
                        fail(
                            "parser",
                            seed,
                            &input,
                            &format!("re-encoding changed the message: {a} vs {b}"),
                        );
                    }
                }
                Err(e) => {
                    if !(e.code == -32700 || e.code == -32600) || e.message.is_empty() {
                        fail("parser", seed, &input, &format!("unexpected error {e:?}"));
                    }
                }
            }
            if seen.insert(signature(&outcome)) && corpus.len() < 10_000 {
                corpus.push(input);
            }
        }
    }
    if std::env::var_os("TOOLSMITH_FUZZ_SHAPES").is_some() {
        let mut v: Vec<_> = seen.iter().collect();
        v.sort();
        for s in v.iter().step_by((v.len() / 60).max(1)) {
            eprintln!("  {s}");
        }
    }
    eprintln!(
        "fuzz parser: {runs} inputs in {:?}, {} outcome shapes, corpus {} (TOOLSMITH_FUZZ_SEED={seed})",
        budget(),
        seen.len(),
        corpus.len()
    );
}

// ---------------------------------------------------------------------------------------------
// The servers.

/// Add two integers.
#[tool]
async fn add(a: i64, b: i64) -> String {
    a.wrapping_add(b).to_string()
}

/// How deeply the arguments nest.
#[tool]
async fn depth(Params(args): Params<Map<String, Value>>) -> String {
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    depth(&Value::Object(args)).to_string()
}

/// The configuration.
#[resource(uri = "config://app")]
async fn config() -> String {
    "ok".into()
}

/// Greet someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Hello, {name}.")
}

fn server() -> Server {
    Server::new("fuzz", "1")
        .tool(echo)
        .tool(add)
        .tool(depth)
        .resource(config)
        .prompt(greet)
        .complete_prompt_argument("greet", "name", |p, _| vec![format!("{p}!")])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Target 2: the stdio server, 32 lines at a time.

#[test]
fn fuzz_the_stdio_server() {
    let seed = seed();
    let mut rng = Rng(seed ^ 0x5354_4449_4f00);
    let mut corpus = seeds();
    let mut seen: HashSet<String> = HashSet::new();
    let deadline = Instant::now() + budget();
    let (mut batches, mut lines) = (0u64, 0u64);
    runtime().block_on(async {
        let mut pipe = Pipe::initialized(server(), json!({})).await;
        while Instant::now() < deadline {
            let mut batch = Vec::new();
            let (mut requests, mut frame_errors) = (Vec::new(), 0usize);
            let mut by_id = std::collections::HashMap::new();
            while batch.len() < 32 {
                let parent = rng.pick(&corpus).clone();
                let input = mutate(&mut rng, &parent, &corpus);
                let Some(outcome) = parse(&input) else {
                    continue;
                };
                if unsendable(&outcome) {
                    continue;
                }
                match &outcome {
                    Ok(Message::Request(r)) => {
                        let id = serde_json::to_value(&r.id).unwrap();
                        by_id.insert(id.to_string(), input.clone());
                        requests.push(id);
                    }
                    Ok(_) => {}
                    Err(_) => frame_errors += 1,
                }
                if seen.insert(signature(&outcome)) && corpus.len() < 10_000 {
                    corpus.push(input.clone());
                }
                batch.push(input);
            }
            for line in &batch {
                pipe.tx.send_bytes(line).await;
            }
            // Exactly one answer per request and per bad frame: wait for them all, then make sure
            // nothing more comes.
            let want = requests.len() + frame_errors;
            let mut got: Vec<Value> = Vec::new();
            let mut before_sync = pipe.sync().await;
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                got.extend(before_sync.drain(..).filter(|m| m.get("method").is_none()));
                if got.len() >= want {
                    break;
                }
                if Instant::now() > deadline {
                    fail(
                        "stdio",
                        seed,
                        &batch.join(&b'\n'),
                        &format!("{} answers of {want}: {got:?}", got.len()),
                    );
                }
                if let Some(m) = pipe.rx.next_within(Duration::from_millis(100)).await {
                    before_sync.push(m);
                }
            }
            got.extend(
                pipe.sync()
                    .await
                    .into_iter()
                    .filter(|m| m.get("method").is_none()),
            );
            if got.len() != want {
                fail(
                    "stdio",
                    seed,
                    &batch.join(&b'\n'),
                    &format!("{} answers for {want} owed: {got:?}", got.len()),
                );
            }
            for id in &requests {
                if !got.iter().any(|m| &m["id"] == id) {
                    fail(
                        "stdio",
                        seed,
                        &batch.join(&b'\n'),
                        &format!("request {id} was not answered"),
                    );
                }
            }
            // What the server said is feedback too: a request that drew a new kind of answer
            // (an error naming another problem, a result of another shape) joins the corpus.
            for m in &got {
                let shape = match m.get("error") {
                    // Up to the first colon: "invalid params for `tools/call`", "method not
                    // found", "parse error" (what follows names the input itself).
                    Some(e) => format!(
                        "server {} {}",
                        e["code"],
                        e["message"]
                            .as_str()
                            .unwrap_or_default()
                            .split(':')
                            .next()
                            .unwrap_or_default()
                    ),
                    None => {
                        let mut keys: Vec<&String> = m["result"]
                            .as_object()
                            .map(|o| o.keys().collect())
                            .unwrap_or_default();
                        keys.sort();
                        format!("server result {keys:?} isError={}", m["result"]["isError"])
                    }
                };
                if seen.insert(shape) && corpus.len() < 10_000 {
                    if let Some(input) = by_id.get(&m["id"].to_string()) {
                        corpus.push(input.clone());
                    }
                }
            }
            batches += 1;
            lines += batch.len() as u64;
        }
        pipe.close().await.expect("the server ended cleanly");
    });
    eprintln!(
        "fuzz stdio: {lines} lines in {batches} batches in {:?}, {} outcome shapes (TOOLSMITH_FUZZ_SEED={seed})",
        budget(),
        seen.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Target 3: the HTTP endpoint, one body per POST.

#[test]
fn fuzz_the_http_endpoint() {
    let seed = seed();
    let mut rng = Rng(seed ^ 0x4854_5450);
    let corpus = seeds();
    let deadline = Instant::now() + budget();
    let mut posts = 0u64;
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    runtime().block_on(async {
        let mut http = Http::start(server(), HttpConfig::default()).await;
        http.initialize(json!({})).await;
        while Instant::now() < deadline {
            let parent = rng.pick(&corpus).clone();
            let input = mutate(&mut rng, &parent, &corpus);
            if parse(&input).is_some_and(|o| unsendable(&o)) {
                continue;
            }
            let reply =
                tokio::time::timeout(Duration::from_secs(20), http.post_bytes(input.clone()))
                    .await
                    .unwrap_or_else(|_| fail("http", seed, &input, "no answer within 20 s"));
            posts += 1;
            *statuses.entry(reply.status).or_default() += 1;
            match reply.status {
                202 => {}
                200 if reply.content_type == "text/event-stream" => {}
                200 | 400 | 404 | 500 if reply.content_type == "application/json" => {
                    let m: Value = serde_json::from_slice(&reply.body)
                        .unwrap_or_else(|_| fail("http", seed, &input, "the body is not JSON"));
                    if reply.status != 200 && m["error"]["code"].as_i64().is_none() {
                        fail(
                            "http",
                            seed,
                            &input,
                            &format!("{} without a JSON-RPC error: {m}", reply.status),
                        );
                    }
                }
                _ => fail(
                    "http",
                    seed,
                    &input,
                    &format!("unexpected answer {reply:?}"),
                ),
            }
            if posts.is_multiple_of(32) {
                let r = http
                    .call(&json!({"jsonrpc": "2.0", "id": "alive", "method": "ping"}))
                    .await;
                assert_eq!(r["result"], json!({}));
            }
        }
    });
    eprintln!(
        "fuzz http: {posts} bodies in {:?}, statuses {statuses:?} (TOOLSMITH_FUZZ_SEED={seed})",
        budget()
    );
}
