//! Mutations: byte-wise (bit flips, interesting bytes, insertions, deletions, duplications,
//! splices, dictionary tokens) and structural (a JSON node replaced, removed, wrapped or retyped).

use super::*;

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

pub(crate) fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
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
