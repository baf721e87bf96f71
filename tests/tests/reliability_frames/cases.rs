//! The table of bad frames: what each case sends and what it must get back.

mod envelope;
mod methods;
mod nesting;
mod params;

use serde_json::{json, Value};

/// What a case must produce.
#[derive(Clone)]
pub enum Want {
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

pub struct Case {
    pub name: String,
    pub frame: Vec<u8>,
    pub want: Want,
    /// What HTTP does instead, where the transports rightly differ.
    pub http: Option<Want>,
}

pub fn case(name: impl Into<String>, frame: impl Into<Vec<u8>>, want: Want) -> Case {
    Case {
        name: name.into(),
        frame: frame.into(),
        want,
        http: None,
    }
}

pub fn req(id: Value, method: &str, params: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        .to_string()
        .into_bytes()
}

pub fn nested(open: &str, close: &str, levels: usize, inner: &str) -> String {
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

pub const DEEP: usize = 100_000;

/// Every case, in order. Ids are unique so that each answer can be matched to its case.
pub fn cases() -> Vec<Case> {
    let mut c = envelope::cases();
    c.extend(nesting::cases());
    c.extend(methods::cases());
    c.extend(params::cases());
    c
}
