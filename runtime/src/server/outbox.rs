use tokio::sync::mpsc;

use crate::jsonrpc::{Message, RequestId};

/// Where outgoing frames go: a channel drained by the transport's writer. Cloned into every
/// request scope; sending never blocks.
#[derive(Clone, Debug)]
pub(crate) struct Outbox(mpsc::UnboundedSender<String>);

impl Outbox {
    pub(crate) fn channel() -> (Outbox, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Outbox(tx), rx)
    }

    /// Queue a message. False when the transport is gone.
    pub(crate) fn send(&self, message: &Message) -> bool {
        self.0.send(message.to_json()).is_ok()
    }

    /// Queue a success response whose result is already serialised JSON (cached list results).
    pub(crate) fn send_raw_result(&self, id: &RequestId, result_json: &str) -> bool {
        let id = serde_json::to_string(id).expect("ids serialise");
        let mut frame = String::with_capacity(result_json.len() + id.len() + 32);
        frame.push_str(r#"{"jsonrpc":"2.0","id":"#);
        frame.push_str(&id);
        frame.push_str(r#","result":"#);
        frame.push_str(result_json);
        frame.push('}');
        self.0.send(frame).is_ok()
    }
}
