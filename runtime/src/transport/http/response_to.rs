//! Whether a frame a request's handler sent is that request's response (nothing may follow it
//! on the request's stream), checked on every request's first frame.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::jsonrpc::RequestId;

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: Option<&'a RawValue>,
}

/// True when `frame` is the response to `id` (nothing may follow it on this request's stream).
pub(crate) fn is_response_to(frame: &str, id: &RequestId) -> bool {
    if has_method(frame) {
        return false;
    }
    let Ok(peek) = serde_json::from_str::<Peek<'_>>(frame) else {
        return false;
    };
    peek.method.is_none()
        && peek.id.is_some_and(|raw| {
            serde_json::from_str::<RequestId>(raw.get()).ok().as_ref() == Some(id)
        })
}

/// True when `frame` starts as our own requests and notifications do (`Message::to_json`:
/// `{"jsonrpc":"2.0",` then a string `"method"`, or a plain `"id"` and then it): a frame with a
/// method is no response, known without parsing the rest (e.g. a sampling request's
/// parameters). False means "parse it".
fn has_method(frame: &str) -> bool {
    const METHOD: &str = r#""method":""#;
    let Some(rest) = frame.strip_prefix(r#"{"jsonrpc":"2.0","#) else {
        return false;
    };
    if rest.starts_with(METHOD) {
        return true;
    }
    let Some(id) = rest.strip_prefix(r#""id":"#) else {
        return false;
    };
    let bytes = id.as_bytes();
    let end = if bytes.first() == Some(&b'"') {
        // A string id without escapes.
        match bytes[1..].iter().position(|b| *b == b'"' || *b == b'\\') {
            Some(at) if bytes[1 + at] == b'"' => at + 2,
            _ => return false,
        }
    } else {
        bytes
            .iter()
            .position(|b| !(b.is_ascii_digit() || b == &b'-'))
            .unwrap_or(bytes.len())
    };
    id[end..].starts_with(',') && id[end + 1..].starts_with(METHOD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::{ErrorObject, Message, Request};

    #[test]
    fn only_the_response_to_the_id_is_one() {
        let id = RequestId::Number(7);
        let request = Message::Request(Request::new(
            RequestId::Number(7),
            "sampling/createMessage",
            Some(serde_json::json!({"messages": []})),
        ))
        .to_json();
        let named =
            Message::Request(Request::new(RequestId::String("a-7".into()), "ping", None)).to_json();
        let notification = Message::notification("notifications/progress", None).to_json();
        // A live ask's frame, written from its params' text.
        let (outbox, mut frames) = crate::transport::Outbox::channel();
        outbox.send_raw_request(&RequestId::Number(8), "sampling/createMessage", "{}");
        let raw = frames.try_recv().expect("a frame");
        // Our own requests and notifications are known by their start.
        for frame in [&request, &named, &notification, &raw] {
            assert!(has_method(frame), "{frame}");
            assert!(!is_response_to(frame, &id), "{frame}");
        }
        let answer = Message::result(RequestId::Number(7), serde_json::json!({})).to_json();
        let failure =
            Message::error(Some(RequestId::Number(7)), ErrorObject::new(-32603, "no")).to_json();
        for frame in [&answer, &failure] {
            assert!(!has_method(frame), "{frame}");
            assert!(is_response_to(frame, &id), "{frame}");
        }
        assert!(!is_response_to(&answer, &RequestId::Number(8)));
        // Anything else is parsed: a method that is null is no method.
        let odd = r#"{"jsonrpc":"2.0","id":7,"method":null,"result":{}}"#;
        assert!(!has_method(odd));
        assert!(is_response_to(odd, &id));
        let escaped = r#"{"jsonrpc":"2.0","id":"a\"b","method":"x"}"#;
        assert!(!has_method(escaped));
        assert!(!is_response_to(escaped, &id));
        assert!(!is_response_to("not json", &id));
    }
}
