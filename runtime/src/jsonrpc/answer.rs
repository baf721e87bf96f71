//! A success response read from a frame, its `result` kept as the frame's JSON text, and what a
//! waiting request receives: that text or a value ([`ResultJson`]).

use serde_json::value::RawValue;
use serde_json::Value;

use super::error::{codes, ErrorObject};
use super::message::{Message, RequestId, Response};

/// A frame as read: a message, or a success response whose result is kept as text.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// Any message but a success response.
    Message(Message),
    /// A success response.
    Answer(Answer),
}

impl Incoming {
    /// As a message, a success response's result read into a value.
    pub(crate) fn into_message(self) -> Message {
        match self {
            Incoming::Message(m) => m,
            Incoming::Answer(a) => Message::Response(a.into_response()),
        }
    }
}

/// A success response as read from a frame: its id and its `result` as raw JSON, so whoever
/// waits for it decodes the text once, straight into the type it wants, without a `Value` tree
/// in between. ([`Answer::into_response`] builds the value for those that want one.)
#[derive(Debug)]
pub(crate) struct Answer {
    /// The id of the request answered.
    pub id: RequestId,
    /// The `result` member, as sent.
    pub result: Box<RawValue>,
}

impl Answer {
    /// The response with its result read into a value. A result that cannot be held as one
    /// (nested past the depth limit) makes it the error response it always was: the request
    /// waiting for it fails at once.
    pub(crate) fn into_response(self) -> Response {
        let outcome = ResultJson::Raw(self.result)
            .into_value()
            .map_err(|e| e.into_error());
        Response {
            id: Some(self.id),
            outcome,
        }
    }
}

/// What a request sent to the peer is answered with: the result's JSON text as read from a
/// frame, or a value (built in code, or replayed).
#[derive(Debug)]
pub(crate) enum ResultJson {
    /// The text of the frame's `result` member.
    Raw(Box<RawValue>),
    /// A value.
    #[cfg(feature = "server")]
    Value(Value),
    /// A value others hold too (a replayed answer, which the round keeps for the next state):
    /// decoded from the shared tree, never copied whole.
    #[cfg(feature = "server")]
    Shared(std::sync::Arc<Value>),
}

/// A result that is valid JSON but cannot be read into a value (nested past the depth limit).
#[derive(Debug)]
pub(crate) struct Unreadable(serde_json::Error);

impl Unreadable {
    /// The error response a peer's unreadable result has always been turned into.
    pub(crate) fn into_error(self) -> ErrorObject {
        ErrorObject::new(
            codes::INVALID_REQUEST,
            format!(
                "malformed response from the peer: invalid `result`: {}",
                self.0
            ),
        )
    }
}

impl ResultJson {
    /// The result as a value.
    pub(crate) fn into_value(self) -> Result<Value, Unreadable> {
        match self {
            ResultJson::Raw(raw) => serde_json::from_str(raw.get()).map_err(Unreadable),
            #[cfg(feature = "server")]
            ResultJson::Value(v) => Ok(v),
            #[cfg(feature = "server")]
            ResultJson::Shared(v) => Ok(std::sync::Arc::unwrap_or_clone(v)),
        }
    }

    /// The result as a `T`: from the text in one pass when it reads as one. When it does not,
    /// it is read the way a value is (into a `Value`, then into `T`), so what is accepted and
    /// every error are exactly those of a value: a result that is not a `T` is the `Ok(Err)`
    /// of `T`'s decoding (with no text positions), and one that cannot be held as a value at
    /// all is [`Unreadable`].
    #[cfg(feature = "server")]
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        self,
    ) -> Result<Result<T, serde_json::Error>, Unreadable> {
        let value = match self {
            ResultJson::Raw(raw) => {
                if let Ok(t) = serde_json::from_str::<T>(raw.get()) {
                    return Ok(Ok(t));
                }
                ResultJson::Raw(raw).into_value()?
            }
            ResultJson::Value(v) => v,
            // Read from the borrowed tree the way `from_value` reads an owned one: the same
            // visitor calls, so the same results and errors.
            ResultJson::Shared(v) => return Ok(T::deserialize(&*v)),
        };
        Ok(serde_json::from_value(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> ResultJson {
        ResultJson::Raw(RawValue::from_string(text.to_owned()).unwrap())
    }

    #[cfg(feature = "server")]
    mod decode {
        use super::*;
        use serde::Deserialize;

        #[derive(Debug, PartialEq, Deserialize)]
        struct Point {
            x: i32,
        }

        #[test]
        fn text_and_value_decode_alike() {
            let p = raw(r#"{"x": 1}"#).decode::<Point>().unwrap().unwrap();
            assert_eq!(p, Point { x: 1 });
            let v = ResultJson::Value(serde_json::json!({"x": 2}));
            assert_eq!(v.decode::<Point>().unwrap().unwrap(), Point { x: 2 });
            let shared = std::sync::Arc::new(serde_json::json!({"x": 3}));
            let v = ResultJson::Shared(std::sync::Arc::clone(&shared));
            assert_eq!(v.decode::<Point>().unwrap().unwrap(), Point { x: 3 });
            assert_eq!(shared["x"], 3, "the shared answer is still whole");
        }

        #[test]
        fn a_wrong_shape_gives_the_error_a_value_gives() {
            let from_value = serde_json::from_value::<Point>(serde_json::json!({"y": 1}))
                .unwrap_err()
                .to_string();
            let from_text = raw(r#"{"y": 1}"#).decode::<Point>().unwrap().unwrap_err();
            assert_eq!(from_text.to_string(), from_value);
            let shared = ResultJson::Shared(std::sync::Arc::new(serde_json::json!({"y": 1})))
                .decode::<Point>()
                .unwrap()
                .unwrap_err();
            assert_eq!(shared.to_string(), from_value);
            assert!(!from_value.contains("line"), "{from_value}");
        }

        #[test]
        fn what_a_value_accepts_the_text_accepts() {
            // A duplicate key fails a struct read from text, not one read from a value (the
            // last wins).
            let p = raw(r#"{"x": 1, "x": 2}"#)
                .decode::<Point>()
                .unwrap()
                .unwrap();
            assert_eq!(p, Point { x: 2 });
        }

        #[test]
        fn too_deep_for_a_value_is_unreadable() {
            let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
            let e = raw(&deep).decode::<Point>().unwrap_err().into_error();
            assert!(
                e.message.contains("recursion limit exceeded"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn too_deep_is_unreadable_as_before() {
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        let e = raw(&deep).into_value().unwrap_err().into_error();
        assert_eq!(e.code, codes::INVALID_REQUEST);
        assert!(
            e.message.starts_with(
                "malformed response from the peer: invalid `result`: recursion limit exceeded"
            ),
            "{}",
            e.message
        );
        let r = Answer {
            id: RequestId::Number(3),
            result: RawValue::from_string(deep).unwrap(),
        }
        .into_response();
        assert_eq!(r.id, Some(RequestId::Number(3)));
        assert_eq!(r.outcome.unwrap_err().message, e.message);
    }

    #[test]
    fn an_answer_becomes_the_response_it_was() {
        let r = Answer {
            id: RequestId::Number(1),
            result: RawValue::from_string(r#"{"a": [1, "b"]}"#.into()).unwrap(),
        }
        .into_response();
        assert_eq!(r.outcome, Ok(serde_json::json!({"a": [1, "b"]})));
    }
}
