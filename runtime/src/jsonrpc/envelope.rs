//! The stateless era's request envelope, read raw: when a frame is read, the members of
//! `params._meta` that protocol 2026-07-28 puts on every request (protocol version, client
//! capabilities, client info, log level) are kept as their JSON text ([`RawEnvelope`]) instead of
//! being built into `serde_json::Value` trees, which the server would only decode once more and
//! drop. Every other member of `params` becomes a `Value` as before.
//!
//! Nothing is lost: [`RawEnvelope::restore`] puts the members back into `_meta` (for a frame
//! written out again, for equality, and for notifications, which keep their params whole).

use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use super::key::Key;
use super::message::Request;

/// The `_meta` members read raw, in [`RawEnvelope`]'s slot order.
pub(crate) const ENVELOPE_KEYS: [&str; 4] = [
    "io.modelcontextprotocol/protocolVersion",
    "io.modelcontextprotocol/clientCapabilities",
    "io.modelcontextprotocol/clientInfo",
    "io.modelcontextprotocol/logLevel",
];

/// The envelope members of a request's `params._meta`, as the JSON text they arrived as: one
/// buffer holding each member's text, one after the other (one allocation per request, however
/// many members it has).
#[derive(Debug, Clone, Default)]
pub(crate) struct RawEnvelope {
    text: String,
    /// Where each member's text is in `text`, in [`ENVELOPE_KEYS`]' order.
    members: [Option<(usize, usize)>; 4],
}

#[cfg_attr(
    not(any(feature = "server", feature = "http-client")),
    allow(dead_code)
)]
impl RawEnvelope {
    /// The raw text of member `key` (one of [`ENVELOPE_KEYS`]), if the frame had it.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        let slot = ENVELOPE_KEYS.iter().position(|k| *k == key)?;
        self.members[slot].map(|(start, end)| &self.text[start..end])
    }

    /// An empty envelope, with room for what clients usually send (so the members are copied
    /// into one allocation, not grown into it).
    fn new() -> Self {
        RawEnvelope {
            text: String::with_capacity(256),
            members: Default::default(),
        }
    }

    /// Keep `raw` (JSON text the frame parser accepted) as member `slot`; a repeated key
    /// replaces the earlier text, as in a `Value`.
    fn set(&mut self, slot: usize, raw: &str) {
        let start = self.text.len();
        self.text.push_str(raw);
        self.members[slot] = Some((start, self.text.len()));
    }

    /// The bytes of JSON text the members hold.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.members.iter().flatten().map(|(s, e)| e - s).sum()
    }

    /// Put the members back into `params._meta` (which reading kept, possibly empty).
    pub(crate) fn restore(&self, params: &mut Value) {
        let Some(obj) = params.as_object_mut() else {
            return;
        };
        let meta = obj
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(meta) = meta.as_object_mut() else {
            return;
        };
        for key in ENVELOPE_KEYS {
            if let Some(raw) = self.get(key) {
                // Text the frame parser accepted, so it parses again.
                let value = serde_json::from_str(raw).unwrap_or(Value::Null);
                meta.insert(key.to_owned(), value);
            }
        }
    }
}

/// A member of a request's `params._meta` ([`Request::meta_member`]).
#[cfg_attr(
    not(any(feature = "server", feature = "http-client")),
    allow(dead_code)
)]
pub(crate) enum MetaMember<'a> {
    /// An envelope member of a request read from a frame, as its JSON text.
    Raw(&'a str),
    /// Any other member, or one of a request built in process.
    Value(&'a Value),
}

#[cfg_attr(
    not(any(feature = "server", feature = "http-client")),
    allow(dead_code)
)]
impl MetaMember<'_> {
    /// Decode the member; the message of a failure is the same for both forms.
    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        match self {
            MetaMember::Value(v) => T::deserialize(*v).map_err(|e| e.to_string()),
            // Without the position in the member's text, which a value's error does not have.
            MetaMember::Raw(r) => serde_json::from_str(r).map_err(|e| {
                let text = e.to_string();
                let position = format!(" at line {} column {}", e.line(), e.column());
                text.strip_suffix(&position).unwrap_or(&text).to_owned()
            }),
        }
    }
}

#[cfg_attr(
    not(any(feature = "server", feature = "http-client")),
    allow(dead_code)
)]
impl Request {
    /// True when the request has `params._meta` (of envelope members only, read from a frame, it
    /// is not in `params`: its members are in the envelope).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn has_meta(&self) -> bool {
        self.envelope.is_some()
            || self
                .params
                .as_ref()
                .is_some_and(|p| p.get("_meta").is_some())
    }

    /// Member `key` of `params._meta`, wherever reading the frame put it.
    pub(crate) fn meta_member(&self, key: &str) -> Option<MetaMember<'_>> {
        if let Some(raw) = self.envelope.as_deref().and_then(|e| e.get(key)) {
            return Some(MetaMember::Raw(raw));
        }
        self.params
            .as_ref()?
            .get("_meta")?
            .get(key)
            .map(MetaMember::Value)
    }
}

/// A frame's `params` as read: the value, and the envelope taken out of its `_meta`.
pub(crate) struct ParamsIn {
    pub value: Value,
    pub envelope: Option<Box<RawEnvelope>>,
}

impl<'de> Deserialize<'de> for ParamsIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SplitVisitor::Params)
    }
}

/// `params._meta` as read: its other members as a value, and the envelope members raw.
struct MetaIn(ParamsIn);

impl<'de> Deserialize<'de> for MetaIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SplitVisitor::Meta).map(MetaIn)
    }
}

/// Reads `params` or its `_meta`: objects member by member, anything else as a plain value.
enum SplitVisitor {
    Params,
    Meta,
}

impl<'de> Visitor<'de> for SplitVisitor {
    type Value = ParamsIn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParamsIn, A::Error> {
        let mut out = Map::new();
        let mut envelope: Option<Box<RawEnvelope>> = None;
        match self {
            SplitVisitor::Params => {
                while let Some(key) = map.next_key::<String>()? {
                    if key == "_meta" {
                        // A repeated `_meta` replaces the earlier one, envelope included, as in
                        // a `Value`. One of envelope members only is left out of the value
                        // (which would only be built, looked up and dropped): the envelope
                        // stands for it ([`Request::has_meta`], [`RawEnvelope::restore`]).
                        let MetaIn(meta) = map.next_value()?;
                        envelope = meta.envelope;
                        let only_envelope =
                            envelope.is_some() && meta.value.as_object().is_some_and(Map::is_empty);
                        if only_envelope {
                            out.remove(&key);
                        } else {
                            out.insert(key, meta.value);
                        }
                    } else {
                        out.insert(key, map.next_value()?);
                    }
                }
            }
            // Keys and members' text borrowed from the frame (which is why params are read only
            // from text in memory, `parse_frame`): a member is copied once, into the envelope's
            // one buffer.
            SplitVisitor::Meta => {
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    match ENVELOPE_KEYS.iter().position(|k| *k == key) {
                        Some(slot) => {
                            let raw: &'de RawValue = map.next_value()?;
                            envelope
                                .get_or_insert_with(|| Box::new(RawEnvelope::new()))
                                .set(slot, raw.get());
                        }
                        None => {
                            out.insert(key.into_owned(), map.next_value()?);
                        }
                    }
                }
            }
        }
        Ok(ParamsIn {
            value: Value::Object(out),
            envelope,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ParamsIn, A::Error> {
        plain(PlainVisitor.visit_seq(seq))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ParamsIn, E> {
        plain(PlainVisitor.visit_bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamsIn, E> {
        plain(PlainVisitor.visit_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamsIn, E> {
        plain(PlainVisitor.visit_u64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ParamsIn, E> {
        plain(PlainVisitor.visit_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamsIn, E> {
        plain(PlainVisitor.visit_str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ParamsIn, E> {
        plain(PlainVisitor.visit_unit())
    }
}

fn plain<E>(value: Result<Value, E>) -> Result<ParamsIn, E> {
    value.map(|value| ParamsIn {
        value,
        envelope: None,
    })
}

/// Builds a `Value` the way `Value`'s own `Deserialize` does, for params or `_meta` that are
/// not objects.
struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some((k, v)) = map.next_entry()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> ParamsIn {
        serde_json::from_str(text).expect("valid params")
    }

    #[test]
    fn envelope_members_are_kept_raw_and_the_rest_as_values() {
        let p = read(
            r#"{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":7,
            "io.modelcontextprotocol/protocolVersion":"2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":{"sampling":{}},
            "io.modelcontextprotocol/other":1}}"#,
        );
        assert_eq!(
            p.value,
            json!({"name": "echo", "arguments": {"text": "hi"},
                   "_meta": {"progressToken": 7, "io.modelcontextprotocol/other": 1}})
        );
        let e = p.envelope.expect("an envelope");
        assert_eq!(e.get(ENVELOPE_KEYS[0]), Some("\"2026-07-28\""));
        assert_eq!(e.get(ENVELOPE_KEYS[1]), Some(r#"{"sampling":{}}"#));
        assert!(e.get(ENVELOPE_KEYS[2]).is_none());
        assert_eq!(e.len(), r#""2026-07-28"{"sampling":{}}"#.len());
    }

    #[test]
    fn restoring_gives_back_what_a_value_would_hold() {
        for text in [
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"v","io.modelcontextprotocol/logLevel":"info","k":[1,2.5,null,true]}}"#,
            r#"{"_meta":{"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}}}"#,
            // Repeated keys: the last one counts, whichever kind it is.
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"a","io.modelcontextprotocol/protocolVersion":"b"}}"#,
            r#"{"_meta":{"io.modelcontextprotocol/logLevel":"x"},"_meta":{"k":1}}"#,
            r#"{"_meta":5,"a":[{"b":"c"}],"n":-1.5e3}"#,
            r#"[1,"two",{"_meta":{"io.modelcontextprotocol/logLevel":"x"}}]"#,
            r#""text""#,
            "null",
        ] {
            let p = read(text);
            let mut value = p.value;
            if let Some(e) = &p.envelope {
                e.restore(&mut value);
            }
            let want: Value = serde_json::from_str(text).unwrap();
            assert_eq!(value, want, "{text}");
        }
    }

    #[test]
    fn a_meta_of_envelope_members_only_is_the_envelope_alone() {
        let text = r#"{"a":1,"_meta":{"io.modelcontextprotocol/protocolVersion":"v"}}"#;
        let p = read(text);
        assert_eq!(p.value, json!({"a": 1}));
        let mut value = p.value;
        p.envelope.expect("an envelope").restore(&mut value);
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        // An earlier `_meta` is replaced by a later one of envelope members only.
        let p = read(r#"{"_meta":{"k":1},"_meta":{"io.modelcontextprotocol/logLevel":"x"}}"#);
        assert_eq!(p.value, json!({}));
        // Without envelope members an empty `_meta` stays.
        assert_eq!(read(r#"{"_meta":{}}"#).value, json!({"_meta": {}}));
    }
}
