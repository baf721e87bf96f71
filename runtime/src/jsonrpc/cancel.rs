//! Telling the peer to stop working on a request of ours that we no longer wait for.

use std::borrow::Cow;

use super::{Message, RequestId};

/// Where a connection's outgoing messages go (the server's outbox, the client's connection).
pub(crate) trait MessageSink {
    /// Queue a message; false when the connection is gone.
    fn send_message(&self, message: &Message) -> bool;
}

/// Sends `notifications/cancelled` with `reason` for request `id` when dropped while armed (the
/// waiting ended without an answer: a timeout, or the waiting future was dropped). Disarm it by
/// taking `id` once the answer came.
pub(crate) struct CancelOnDrop<'a, S: MessageSink + ?Sized> {
    pub sink: &'a S,
    pub id: Option<RequestId>,
    pub reason: Cow<'static, str>,
}

impl<S: MessageSink + ?Sized> Drop for CancelOnDrop<'_, S> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.sink.send_message(&Message::notification(
                "notifications/cancelled",
                Some(serde_json::json!({ "requestId": id, "reason": self.reason })),
            ));
        }
    }
}
