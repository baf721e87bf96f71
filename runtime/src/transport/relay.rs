//! A handler's own outbox in the stateless era: what the handler sends goes to the response of
//! whichever request runs it now. A multi round-trip handler may be suspended at the end of one
//! request and resumed by another (see `server::continuations`); its scope keeps one [`Outbox`]
//! for its whole life, and the relay behind it is attached to each running request's sink in
//! turn ([`Relay::attach`]).
//!
//! Frames go straight into the attached sink, in the order they are sent (so what the handler
//! sent before its result precedes the result); nothing is queued in between. While the relay is
//! detached (the handler suspended, or escalated into a task) a frame has nowhere to go and is
//! refused, as if the transport were gone.

use std::sync::{Arc, Mutex};

use super::Outbox;

/// Where a handler's frames go now (see the module's docs).
#[derive(Debug, Default)]
pub(crate) struct Relay(Mutex<Option<Outbox>>);

impl Relay {
    /// A new relay, detached, and the outbox that sends through it.
    pub(crate) fn new() -> (Arc<Relay>, Outbox) {
        let relay = Arc::new(Relay::default());
        let outbox = Outbox::relayed(Arc::clone(&relay));
        (relay, outbox)
    }

    /// Send the handler's frames to `sink` until the returned guard is dropped.
    pub(crate) fn attach(self: &Arc<Self>, sink: &Outbox) -> Attached {
        *self.0.lock().expect("relay lock") = Some(sink.clone());
        Attached(Arc::clone(self))
    }

    /// Pass `frame` on to the attached sink. False when none is attached (or it is gone).
    pub(crate) fn send(&self, frame: String) -> bool {
        match &*self.0.lock().expect("relay lock") {
            Some(sink) => sink.send_frame(frame),
            None => false,
        }
    }
}

/// Keeps a [`Relay`] attached; detaches it when dropped.
pub(crate) struct Attached(Arc<Relay>);

impl Drop for Attached {
    fn drop(&mut self) {
        // Taken out under the lock, dropped after it.
        let sink = self.0 .0.lock().map(|mut s| s.take()).unwrap_or(None);
        drop(sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::{Message, RequestId};

    #[tokio::test]
    async fn frames_follow_the_attached_sink_and_are_refused_between() {
        let (relay, outbox) = Relay::new();
        assert!(!outbox.send_frame("lost".into()), "detached: refused");
        let (first, mut first_rx) = Outbox::channel();
        let (second, mut second_rx) = Outbox::channel();
        {
            let _attached = relay.attach(&first);
            assert!(outbox.send_frame("a".into()));
            assert!(outbox.send(&Message::result(
                RequestId::Number(1),
                serde_json::json!({})
            )));
        }
        assert!(!outbox.send_frame("between".into()));
        let attached = relay.attach(&second);
        assert!(outbox.send_frame("b".into()));
        drop(attached);
        assert_eq!(first_rx.try_recv().as_deref(), Some("a"));
        assert!(first_rx.try_recv().unwrap().contains(r#""id":1"#));
        assert_eq!(first_rx.try_recv(), None);
        assert_eq!(second_rx.try_recv().as_deref(), Some("b"));
        assert_eq!(second_rx.try_recv(), None);
    }
}
