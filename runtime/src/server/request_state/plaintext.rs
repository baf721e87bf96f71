//! The sealed plaintext of a request state: a compact binary encoding of [`RoundState`] instead
//! of JSON (a JSON object with maps of `Value`s cost more to write and read than the
//! AEAD seal around it).
//!
//! Strings are a length (LEB128) and UTF-8 bytes; numbers are LEB128; an optional string is a
//! byte 0 or 1 and, after 1, the string; a map is a count and its entries; a JSON value (answers,
//! memos) is its JSON text as a string. Fields in [`RoundState`]'s order, nothing after them. The
//! format is versioned by the associated data of the seal (`AAD_PREFIX`), so a token of another
//! version fails authentication before it is decoded.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Binding, Owner, RoundState, StateError};

/// Encode `state` (infallible: every field is a string, a number or a JSON value).
pub(super) fn encode(state: &RoundState) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_str(&mut out, &state.binding.method);
    put_str(&mut out, &state.binding.name);
    put_str(&mut out, &state.binding.args);
    put_str(&mut out, &state.owner.protocol_version);
    put_opt(&mut out, state.owner.caller.as_deref());
    put_num(&mut out, state.expires_ms);
    put_num(&mut out, u64::from(state.rounds));
    put_values(&mut out, &state.answers);
    put_num(&mut out, state.asked.len() as u64);
    for (k, v) in &state.asked {
        put_str(&mut out, k);
        put_str(&mut out, v);
    }
    put_values(&mut out, &state.memos);
    // The slot that named the kept handler, always empty now: a retry finds it by its token.
    // Kept so that tokens sealed before and after read alike (a rolling upgrade keeps working).
    put_opt(&mut out, None);
    out
}

/// Decode what [`encode`] wrote; anything else is [`StateError::Malformed`].
pub(super) fn decode(bytes: &[u8]) -> Result<RoundState, StateError> {
    let mut r = Reader(bytes);
    let binding = Binding {
        method: r.string()?.into(),
        name: r.string()?,
        args: r.string()?,
    };
    let owner = Owner {
        protocol_version: r.string()?.into(),
        caller: r.opt()?,
    };
    let expires_ms = r.num()?;
    let rounds = u32::try_from(r.num()?).map_err(|_| StateError::Malformed)?;
    let answers = r.values()?;
    let mut asked = BTreeMap::new();
    for _ in 0..r.num()? {
        let k = r.string()?;
        asked.insert(k, r.string()?);
    }
    let memos = r.values()?;
    // The former continuation slot: read, and ignored (see `encode`).
    r.opt()?;
    if !r.0.is_empty() {
        return Err(StateError::Malformed);
    }
    Ok(RoundState {
        binding,
        owner,
        expires_ms,
        rounds,
        answers,
        asked,
        memos,
    })
}

fn put_num(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_num(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_values(out: &mut Vec<u8>, map: &BTreeMap<String, Value>) {
    put_num(out, map.len() as u64);
    for (k, v) in map {
        put_str(out, k);
        put_str(out, &v.to_string());
    }
}

/// The bytes still to decode.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, StateError> {
        let (&b, rest) = self.0.split_first().ok_or(StateError::Malformed)?;
        self.0 = rest;
        Ok(b)
    }

    fn num(&mut self) -> Result<u64, StateError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err(StateError::Malformed)
    }

    fn str(&mut self) -> Result<&'a str, StateError> {
        let len = usize::try_from(self.num()?).map_err(|_| StateError::Malformed)?;
        if len > self.0.len() {
            return Err(StateError::Malformed);
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(s).map_err(|_| StateError::Malformed)
    }

    fn string(&mut self) -> Result<String, StateError> {
        self.str().map(str::to_owned)
    }

    fn opt(&mut self) -> Result<Option<String>, StateError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(StateError::Malformed),
        }
    }

    fn values(&mut self) -> Result<BTreeMap<String, Value>, StateError> {
        let mut map = BTreeMap::new();
        for _ in 0..self.num()? {
            let k = self.string()?;
            let v = serde_json::from_str(self.str()?).map_err(|_| StateError::Malformed)?;
            map.insert(k, v);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> RoundState {
        RoundState {
            binding: Binding {
                method: "tools/call".into(),
                name: "ask ✓".into(),
                args: "digest".into(),
            },
            owner: Owner {
                protocol_version: "2026-07-28".into(),
                caller: Some("alice".into()),
            },
            expires_ms: u64::MAX,
            rounds: 300,
            answers: [("sample-1".to_owned(), json!({"content": {"text": "42"}}))].into(),
            asked: [("k".to_owned(), "d".to_owned())].into(),
            memos: [("m#1".to_owned(), json!([1, null, "x"]))].into(),
        }
    }

    #[test]
    fn round_trips_every_field() {
        let s = state();
        assert_eq!(decode(&encode(&s)), Ok(s));
        let empty = RoundState {
            owner: Owner::default(),
            answers: BTreeMap::new(),
            asked: BTreeMap::new(),
            memos: BTreeMap::new(),
            expires_ms: 0,
            rounds: 0,
            ..state()
        };
        assert_eq!(decode(&encode(&empty)), Ok(empty));
    }

    #[test]
    fn a_state_naming_a_kept_handler_as_before_still_reads() {
        // The previous build wrote the kept handler's id in the last slot.
        let s = state();
        let mut bytes = encode(&s);
        assert_eq!(bytes.pop(), Some(0), "the slot is written empty");
        put_opt(&mut bytes, Some("5f0c9e1a2b3c4d5e7"));
        assert_eq!(decode(&bytes), Ok(s));
    }

    #[test]
    fn truncated_or_extended_bytes_are_malformed() {
        let bytes = encode(&state());
        for n in 0..bytes.len() {
            assert_eq!(
                decode(&bytes[..n]),
                Err(StateError::Malformed),
                "cut at {n}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(StateError::Malformed));
        // A JSON plaintext (the previous format) is not this one.
        assert_eq!(decode(br#"{"b":{}}"#), Err(StateError::Malformed));
    }
}
