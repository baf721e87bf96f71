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

mod mutate;
mod parser;
mod servers;

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use toolsmith::jsonrpc::Message;
use toolsmith::prelude::*;
use toolsmith::HttpConfig;

use reliability_support::{env_usize, Http, Pipe};
use toolsmith_tests::fixtures::echo;

use mutate::mutate;

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
// Outcomes.

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
