use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use super::answer::{Answer, Incoming};
use super::envelope::{ParamsIn, RawEnvelope};
use super::error::{codes, ErrorObject};

/// A JSON-RPC request id: a string or an integer (MCP forbids `null`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(Arc<str>),
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RequestId::Number(n) => s.serialize_i64(*n),
            RequestId::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

/// Reads an id as what it is (no `Value` first); anything else is refused by its kind, an array
/// or an object after it is read whole (as a value, so its depth is checked as before).
struct IdVisitor;

impl IdVisitor {
    fn not<E: serde::de::Error>(kind: &str) -> E {
        E::custom(format!(
            "request id must be a string or an integer, not {kind}"
        ))
    }

    /// A number that is not an i64: a u64 above i64::MAX, or a float.
    fn not_i64<E: serde::de::Error>(n: serde_json::Number) -> E {
        let huge = n.is_u64() || n.as_f64().is_some_and(|f| f.abs() >= 9.2e18);
        E::custom(if huge {
            format!(
                "request id {n} is out of range (integer ids must fit in a signed 64-bit integer)"
            )
        } else {
            format!("request id must be a string or an integer, not the number {n}")
        })
    }
}

impl<'de> serde::de::Visitor<'de> for IdVisitor {
    type Value = RequestId;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or an integer")
    }
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<RequestId, E> {
        Ok(RequestId::Number(n))
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<RequestId, E> {
        i64::try_from(n)
            .map(RequestId::Number)
            .map_err(|_| Self::not_i64(n.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<RequestId, E> {
        match serde_json::Number::from_f64(f) {
            Some(n) => Err(Self::not_i64(n)),
            None => Err(Self::not("a number")),
        }
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RequestId, E> {
        Ok(RequestId::String(s.into()))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<RequestId, E> {
        Err(Self::not("a boolean"))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<RequestId, E> {
        Err(Self::not("null"))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<RequestId, E> {
        Err(Self::not("null"))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<RequestId, A::Error> {
        Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Err(Self::not("an array"))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RequestId, A::Error> {
        Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Err(Self::not("an object"))
    }
}

/// A request: it expects exactly one response with the same id.
///
/// A request read from a frame keeps the stateless era's envelope members of `params._meta`
/// (`io.modelcontextprotocol/protocolVersion`, `.../clientCapabilities`, `.../clientInfo`,
/// `.../logLevel`) apart, as raw JSON, for the server to decode once; `params` then holds the
/// rest (`_meta` stays, possibly empty). [`Request::full_params`] has them all, and equality and
/// [`Message::to_json`] see them as part of `params`.
#[derive(Debug, Clone)]
pub struct Request {
    /// The id the response must carry.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The parameters, if any (of a request read from a frame: without the envelope members).
    pub params: Option<Value>,
    pub(crate) envelope: Option<Box<RawEnvelope>>,
}

impl Request {
    /// A request for `method` with `params`.
    pub fn new(id: RequestId, method: impl Into<String>, params: Option<Value>) -> Self {
        Request {
            id,
            method: method.into(),
            params,
            envelope: None,
        }
    }

    /// The parameters as sent, envelope members included.
    pub fn full_params(&self) -> Option<Value> {
        let mut params = self.params.clone();
        if let (Some(p), Some(e)) = (params.as_mut(), self.envelope.as_deref()) {
            e.restore(p);
        }
        params
    }
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        let same_params = if self.envelope.is_none() && other.envelope.is_none() {
            self.params == other.params
        } else {
            self.full_params() == other.full_params()
        };
        self.id == other.id && self.method == other.method && same_params
    }
}

/// A notification: no id, no response.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method name.
    pub method: String,
    /// The parameters, if any.
    pub params: Option<Value>,
}

/// A response to a request: a result or an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The id of the request answered (`None` only for errors about unreadable frames).
    pub id: Option<RequestId>,
    /// The outcome.
    pub outcome: Result<Value, ErrorObject>,
}

/// Any JSON-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response.
    Response(Response),
}

#[derive(Serialize)]
struct WireOut<'a> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorObject>,
}

impl Message {
    /// Serialise to one line of JSON (no trailing newline).
    pub fn to_json(&self) -> String {
        let mut out = WireOut {
            jsonrpc: "2.0",
            id: None,
            method: None,
            params: None,
            result: None,
            error: None,
        };
        let null_id = Value::Null;
        let full_params;
        match self {
            Message::Request(r) => {
                out.id = Some(&r.id);
                out.method = Some(&r.method);
                out.params = match r.envelope {
                    None => r.params.as_ref(),
                    Some(_) => {
                        full_params = r.full_params();
                        full_params.as_ref()
                    }
                };
            }
            Message::Notification(n) => {
                out.method = Some(&n.method);
                out.params = n.params.as_ref();
            }
            Message::Response(r) => {
                out.id = r.id.as_ref();
                match &r.outcome {
                    Ok(v) => out.result = Some(v),
                    Err(e) => out.error = Some(e),
                }
                if r.id.is_none() {
                    // Errors about frames whose id could not be read carry `"id": null`.
                    let mut v = serde_json::to_value(&out).expect("serialisable");
                    v["id"] = null_id;
                    return v.to_string();
                }
            }
        }
        serde_json::to_string(&out).expect("JSON-RPC frames are always serialisable")
    }

    /// Parse one frame, the inverse of [`Message::to_json`]. The error is what a peer is answered
    /// with: `-32700` for text that is not JSON, `-32600` for JSON that is not a message.
    pub fn from_json(text: &str) -> Result<Self, ErrorObject> {
        parse_frame(text).map_err(|e| e.error)
    }

    /// A success response.
    pub fn result(id: RequestId, result: Value) -> Self {
        Message::Response(Response {
            id: Some(id),
            outcome: Ok(result),
        })
    }

    /// An error response.
    pub fn error(id: Option<RequestId>, error: ErrorObject) -> Self {
        Message::Response(Response {
            id,
            outcome: Err(error),
        })
    }

    /// A notification.
    pub fn notification(method: impl Into<String>, params: Option<Value>) -> Self {
        Message::Notification(Notification {
            method: method.into(),
            params,
        })
    }
}

/// What went wrong reading a frame, with the id when it could be read (so the error response can
/// carry it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameError {
    pub id: Option<RequestId>,
    pub error: ErrorObject,
}

impl FrameError {
    fn invalid(id: Option<RequestId>, message: impl Into<String>) -> Self {
        FrameError {
            id,
            error: ErrorObject::new(codes::INVALID_REQUEST, message),
        }
    }
}

/// The shape every incoming frame is first read into: fields borrowed, values kept raw.
#[derive(Deserialize)]
struct WireIn<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a RawValue>,
    #[serde(default)]
    params: Option<ParamsIn>,
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    error: Option<&'a RawValue>,
}

/// A member that is present, even as `null` (plain `Option` would read `null` as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parse one frame. Errors carry the JSON-RPC code to answer with: -32700 for text that is not
/// JSON, -32600 for JSON that is not a valid message.
///
/// A frame shaped like a response (no `method`; a `result` or an `error` member) is never answered,
/// as JSON-RPC requires: when it is malformed but its id can be read, it becomes an error response
/// to that id, so the request waiting for it fails now (rather than at its timeout) and the peer
/// is not sent an error about its own response. `"id": null` is accepted on error responses (the
/// form a peer uses to report a frame it could not read); answering those would let two peers
/// trade errors about each other's errors forever.
pub(crate) fn parse_frame(text: &str) -> Result<Message, FrameError> {
    read_frame(text).map(Incoming::into_message)
}

/// [`parse_frame`], a success response kept as an [`Answer`]: its `result` stays the frame's
/// text, for the request waiting for it to decode once.
pub(crate) fn read_frame(text: &str) -> Result<Incoming, FrameError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        // Batches were removed in 2025-06-18; a valid array still gets a precise error.
        return Err(match serde_json::from_str::<Value>(text) {
            Ok(_) => FrameError::invalid(None, "batch arrays are not supported by this protocol revision; send one message per frame"),
            Err(e) => FrameError {
                id: None,
                error: ErrorObject::new(codes::PARSE_ERROR, format!("parse error: {e}")),
            },
        });
    }
    let wire: WireIn<'_> = match serde_json::from_str(text) {
        Ok(w) => w,
        Err(e) => {
            // Distinguish "not JSON" from "JSON, but not an object of the right shape".
            return match serde_json::from_str::<Value>(text) {
                // The syntax error, not `e`: reading into the message shape may have stopped
                // earlier, at a type mismatch that says nothing about the text.
                Err(syntax) => Err(FrameError {
                    id: None,
                    error: ErrorObject::new(codes::PARSE_ERROR, format!("parse error: {syntax}")),
                }),
                Ok(v) if !v.is_object() => Err(FrameError::invalid(
                    None,
                    format!("a JSON-RPC message must be an object, not {}", kind_of(&v)),
                )),
                Ok(v) => {
                    let id = v
                        .get("id")
                        .and_then(|i| serde_json::from_value(i.clone()).ok());
                    let response_shape = v.get("method").is_none()
                        && (v.get("result").is_some() || v.get("error").is_some());
                    malformed(response_shape, id, format!("invalid message: {e}"))
                }
            };
        }
    };

    let response_shape = wire.method.is_none() && (wire.result.is_some() || wire.error.is_some());
    let id = match wire.id {
        None => None,
        // `"id": null` only on an error response, checked below.
        Some(raw) if raw.get() == "null" && response_shape => None,
        Some(raw) => match serde_json::from_str::<RequestId>(raw.get()) {
            Ok(id) => Some(id),
            Err(e) => return Err(FrameError::invalid(None, format!("invalid `id`: {e}"))),
        },
    };
    match wire.jsonrpc.map(|r| r.get()) {
        Some("\"2.0\"") => {}
        Some(other) => {
            return malformed(
                response_shape,
                id,
                format!("`jsonrpc` must be \"2.0\", got {other}"),
            )
        }
        None => {
            return malformed(
                response_shape,
                id,
                "missing `jsonrpc` member (must be \"2.0\")",
            )
        }
    }
    let (params, envelope) = match wire.params {
        Some(ParamsIn { value, envelope }) => (Some(value), envelope),
        None => (None, None),
    };
    if let Some(p) = &params {
        if !p.is_object() && !p.is_array() {
            return malformed(
                response_shape,
                id,
                format!("`params` must be an object, not {}", kind_of(p)),
            );
        }
    }

    if let Some(raw_method) = wire.method {
        let method: String = serde_json::from_str(raw_method.get())
            .map_err(|_| FrameError::invalid(id.clone(), "`method` must be a string"))?;
        if wire.result.is_some() || wire.error.is_some() {
            return Err(FrameError::invalid(
                id,
                "a message cannot have both `method` and `result`/`error`",
            ));
        }
        return Ok(Incoming::Message(match id {
            Some(id) => Message::Request(Request {
                id,
                method,
                params,
                envelope,
            }),
            None => {
                // A notification keeps its params whole.
                let mut params = params;
                if let (Some(p), Some(e)) = (params.as_mut(), envelope) {
                    e.restore(p);
                }
                Message::Notification(Notification { method, params })
            }
        }));
    }

    match (wire.result, wire.error) {
        (Some(result), None) => {
            let id = id.ok_or_else(|| FrameError::invalid(None, "a response needs an `id`"))?;
            // Kept as text: valid JSON, read by whoever waits for it (one nested past the depth
            // limit becomes a malformed response there, see `Answer::into_response`).
            Ok(Incoming::Answer(Answer {
                id,
                result: result.to_owned(),
            }))
        }
        (None, Some(error)) => match serde_json::from_str::<ErrorObject>(error.get()) {
            Ok(err) => Ok(Incoming::Message(Message::Response(Response {
                id,
                outcome: Err(err),
            }))),
            Err(e) => malformed(true, id, format!("invalid `error` object: {e}")),
        },
        (Some(_), Some(_)) => {
            malformed(true, id, "a response cannot have both `result` and `error`")
        }
        (None, None) => Err(FrameError::invalid(
            id,
            "a message needs `method` (request or notification) or `result`/`error` (response)",
        )),
    }
}

/// A frame that is not a valid message: an error response to its id when it is shaped like a
/// response and its id could be read (see [`parse_frame`]), a frame error otherwise.
fn malformed(
    response_shape: bool,
    id: Option<RequestId>,
    problem: impl Into<String>,
) -> Result<Incoming, FrameError> {
    match id {
        Some(id) if response_shape => Ok(Incoming::Message(Message::Response(Response {
            id: Some(id),
            outcome: Err(ErrorObject::new(
                codes::INVALID_REQUEST,
                format!("malformed response from the peer: {}", problem.into()),
            )),
        }))),
        id => Err(FrameError::invalid(id, problem)),
    }
}

#[cfg(test)]
mod tests;
