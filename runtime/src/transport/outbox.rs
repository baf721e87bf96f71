#[cfg(feature = "server")]
use std::sync::Arc;

#[cfg(feature = "server")]
use super::Relay;
use super::{frame_queue, FrameReceiver, FrameSender};
use crate::jsonrpc::{push_json_str, push_spliced, Message, MessageSink, RequestId};

/// Where outgoing frames go: a queue drained by the transport's writer. Cloned into every
/// request scope; sending never blocks (the transport applies back-pressure on input instead,
/// see [`Outbox::room`]).
#[derive(Clone, Debug)]
pub(crate) struct Outbox(Target);

#[derive(Clone, Debug)]
enum Target {
    /// A transport's queue.
    Queue(FrameSender),
    /// A stateless-era handler's relay to the request running it ([`Relay`]).
    #[cfg(feature = "server")]
    Relay(Arc<Relay>),
}

impl Outbox {
    pub(crate) fn channel() -> (Outbox, FrameReceiver) {
        let (tx, rx) = frame_queue();
        (Outbox(Target::Queue(tx)), rx)
    }

    /// The outbox of a relay ([`Relay::new`]).
    #[cfg(feature = "server")]
    pub(super) fn relayed(relay: Arc<Relay>) -> Outbox {
        Outbox(Target::Relay(relay))
    }

    /// Resolve once at most `limit` bytes wait to be written (or the writer is gone). A relay
    /// has nothing of its own waiting: at once.
    pub(crate) async fn room(&self, limit: usize) {
        match &self.0 {
            Target::Queue(tx) => tx.room(limit).await,
            #[cfg(feature = "server")]
            Target::Relay(_) => {}
        }
    }

    /// Queue a frame (whole JSON text). False when the transport is gone.
    #[cfg(feature = "server")]
    pub(crate) fn send_frame(&self, frame: String) -> bool {
        self.push(frame)
    }

    fn push(&self, frame: String) -> bool {
        match &self.0 {
            Target::Queue(tx) => tx.send(frame),
            #[cfg(feature = "server")]
            Target::Relay(relay) => relay.send(frame),
        }
    }

    /// Queue a message. False when the transport is gone.
    pub(crate) fn send(&self, message: &Message) -> bool {
        self.push(message.to_json())
    }

    /// Queue request `id` for `method` with `params_json` (an object's JSON text) as its params.
    pub(crate) fn send_raw_request(&self, id: &RequestId, method: &str, params_json: &str) -> bool {
        let mut frame = String::with_capacity(params_json.len() + method.len() + 72);
        frame.push_str(r#"{"jsonrpc":"2.0","id":"#);
        push_id(&mut frame, id);
        frame.push_str(r#","method":"#);
        push_json_str(&mut frame, method);
        frame.push_str(r#","params":"#);
        frame.push_str(params_json);
        frame.push('}');
        self.push(frame)
    }

    /// Queue a success response whose result is already serialised JSON (cached list results).
    pub(crate) fn send_raw_result(&self, id: &RequestId, result_json: &str) -> bool {
        self.send_raw_result_with(id, result_json, &[])
    }

    /// [`Outbox::send_raw_result`] with members added to the result object (`members`: together,
    /// JSON object members' text), written into the frame once.
    pub(crate) fn send_raw_result_with(
        &self,
        id: &RequestId,
        result_json: &str,
        members: &[&str],
    ) -> bool {
        let extra = members.iter().map(|m| m.len() + 1).sum::<usize>();
        let mut frame = String::with_capacity(result_json.len() + extra + 56);
        frame.push_str(r#"{"jsonrpc":"2.0","id":"#);
        push_id(&mut frame, id);
        frame.push_str(r#","result":"#);
        if members.is_empty() {
            frame.push_str(result_json);
        } else {
            push_spliced(&mut frame, result_json, members);
        }
        frame.push('}');
        self.push(frame)
    }
}

/// Append `id` as JSON, without a string of its own.
fn push_id(frame: &mut String, id: &RequestId) {
    match id {
        RequestId::Number(n) => {
            use std::fmt::Write as _;
            let _ = write!(frame, "{n}"); // writing to a String cannot fail
        }
        RequestId::String(s) => push_json_str(frame, s),
    }
}

impl MessageSink for Outbox {
    fn send_message(&self, message: &Message) -> bool {
        self.send(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::Request;
    use serde_json::json;

    /// The frames written from raw JSON read back as the messages they stand for.
    #[tokio::test]
    async fn raw_frames_read_back_as_their_messages() {
        let (outbox, mut frames) = Outbox::channel();
        let params = json!({"messages": [{"role": "user", "content": {"type": "text", "text": "a \"quoted\"\nline"}}], "maxTokens": 5});
        let id = RequestId::String("s-1".into());
        assert!(outbox.send_raw_request(&id, "sampling/createMessage", &params.to_string()));
        assert!(outbox.send_raw_result(&RequestId::Number(7), r#"{"tools":[]}"#));
        let request = frames.recv().await.expect("a frame");
        assert_eq!(
            Message::from_json(&request).unwrap(),
            Message::Request(Request::new(id, "sampling/createMessage", Some(params)))
        );
        let result = frames.recv().await.expect("a frame");
        assert_eq!(
            Message::from_json(&result).unwrap(),
            Message::result(RequestId::Number(7), json!({"tools": []}))
        );
    }

    /// Ids and methods are written as serde_json writes them, escapes included.
    #[test]
    fn ids_and_methods_are_written_as_json() {
        for id in [
            RequestId::Number(0),
            RequestId::Number(-7),
            RequestId::Number(i64::MAX),
            RequestId::Number(i64::MIN),
            RequestId::String("plain-é".into()),
            RequestId::String("quote \" back \\ slash".into()),
            RequestId::String("ctrl \u{1}\n\u{7f}".into()),
            RequestId::String("".into()),
        ] {
            let mut written = String::new();
            push_id(&mut written, &id);
            assert_eq!(written, serde_json::to_string(&id).unwrap(), "{id:?}");
        }
        for method in ["sampling/createMessage", "odd \"method\"\t"] {
            let mut written = String::new();
            push_json_str(&mut written, method);
            assert_eq!(written, serde_json::to_string(method).unwrap());
        }
    }
}
