//! URL-mode elicitations awaiting their `notifications/elicitation/complete`: which session's
//! client each was sent to, so that the completion reaches that client and no other.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde_json::json;

use crate::jsonrpc::Message;
use crate::transport::Outbox;

/// How many URL elicitations are remembered at most (the oldest is forgotten first).
const MAX_REMEMBERED: usize = 10_000;

/// The URL-mode elicitations sent (handshake era), by `elicitationId`, with the outgoing queue
/// of the session whose client was asked.
#[derive(Default)]
pub(crate) struct UrlElicitations {
    inner: Mutex<(HashMap<String, Outbox>, VecDeque<String>)>,
}

impl UrlElicitations {
    /// Remember that `id` was sent to the client of the session that sends on `outbox`.
    pub(crate) fn register(&self, id: String, outbox: Outbox) {
        let mut guard = self.inner.lock().expect("url elicitations lock");
        let (by_id, order) = &mut *guard;
        if by_id.insert(id.clone(), outbox).is_none() {
            order.push_back(id);
        }
        while by_id.len() > MAX_REMEMBERED {
            match order.pop_front() {
                Some(old) => {
                    by_id.remove(&old);
                }
                None => break,
            }
        }
    }

    /// Send `notifications/elicitation/complete` for `id` to the client it was sent to, and
    /// forget it. False when `id` is unknown (never sent here, already completed, forgotten) or
    /// its session is gone.
    pub(crate) fn complete(&self, id: &str) -> bool {
        let outbox = {
            let mut guard = self.inner.lock().expect("url elicitations lock");
            let (by_id, order) = &mut *guard;
            let outbox = by_id.remove(id);
            if outbox.is_some() {
                order.retain(|o| o != id);
            }
            outbox
        };
        outbox.is_some_and(|o| o.send(&completion(id)))
    }
}

/// The `notifications/elicitation/complete` message for `id`.
pub(crate) fn completion(id: &str) -> Message {
    Message::notification(
        "notifications/elicitation/complete",
        Some(json!({ "elicitationId": id })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_completion_goes_to_the_session_asked_once() {
        let registry = UrlElicitations::default();
        let (a, mut a_rx) = Outbox::channel();
        let (b, mut b_rx) = Outbox::channel();
        registry.register("e-1".into(), a);
        registry.register("e-2".into(), b);
        assert!(registry.complete("e-1"));
        assert!(!registry.complete("e-1"), "completed once");
        assert!(!registry.complete("unknown"));
        let frame = a_rx.recv().await.unwrap();
        assert!(frame.contains(r#""elicitationId":"e-1""#), "{frame}");
        assert!(b_rx.try_recv().is_none(), "the other session heard nothing");
    }
}
