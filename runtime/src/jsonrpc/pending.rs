use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde_json::Value;
use tokio::sync::oneshot;

use super::error::ErrorObject;
use super::message::RequestId;

/// Why a request to the peer produced no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum PeerError {
    /// The peer answered with a JSON-RPC error.
    #[error("{0}")]
    Rpc(ErrorObject),
    /// The connection closed before an answer came.
    #[error("the connection closed before the peer answered")]
    Closed,
}

type Slot = oneshot::Sender<Result<Value, ErrorObject>>;

/// Requests this side sent and is waiting on, keyed by id. One per connection: the transport's
/// reader resolves entries, the requester awaits them.
pub(crate) struct Pending {
    next_id: AtomicI64,
    slots: Mutex<Option<HashMap<RequestId, Slot>>>,
    capacity: usize,
}

/// Why a request could not be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegisterError {
    /// The connection is closed.
    Closed,
    /// Too many requests are already waiting.
    Full,
}

/// Removes its entry when dropped, so an abandoned request (timeout, cancellation) leaves nothing
/// behind and a late answer is ignored.
pub(crate) struct PendingGuard<'a> {
    pending: &'a Pending,
    id: RequestId,
    rx: oneshot::Receiver<Result<Value, ErrorObject>>,
}

impl Pending {
    #[cfg(any(feature = "client", test))]
    pub(crate) fn new() -> Self {
        Self::with_capacity(usize::MAX)
    }

    /// A map that holds at most `capacity` waiting requests.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Pending {
            next_id: AtomicI64::new(1),
            slots: Mutex::new(Some(HashMap::new())),
            capacity,
        }
    }

    /// Reserve an id and a slot for its answer. `None` when the connection is already closed.
    #[cfg(any(feature = "client", test))]
    pub(crate) fn register(&self) -> Option<PendingGuard<'_>> {
        self.try_register().ok()
    }

    /// Reserve an id and a slot for its answer, saying why not.
    pub(crate) fn try_register(&self) -> Result<PendingGuard<'_>, RegisterError> {
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = oneshot::channel();
        let mut slots = self.slots.lock().expect("pending map lock");
        let map = slots.as_mut().ok_or(RegisterError::Closed)?;
        if map.len() >= self.capacity {
            return Err(RegisterError::Full);
        }
        map.insert(id.clone(), tx);
        Ok(PendingGuard {
            pending: self,
            id,
            rx,
        })
    }

    /// Deliver an answer. Returns false when no one is waiting for that id (unknown, late or
    /// duplicate), which the caller logs and otherwise ignores.
    pub(crate) fn resolve(&self, id: &RequestId, outcome: Result<Value, ErrorObject>) -> bool {
        let slot = {
            let mut slots = self.slots.lock().expect("pending map lock");
            slots.as_mut().and_then(|s| s.remove(id))
        };
        match slot {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }

    /// The connection is gone: every waiter gets [`PeerError::Closed`], and later registrations
    /// fail at once.
    pub(crate) fn close(&self) {
        self.slots.lock().expect("pending map lock").take();
    }

    /// How many requests are waiting for an answer.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots
            .lock()
            .expect("pending map lock")
            .as_ref()
            .map_or(0, |s| s.len())
    }
}

impl PendingGuard<'_> {
    /// The id to send the request with.
    pub(crate) fn id(&self) -> &RequestId {
        &self.id
    }

    /// Wait for the answer.
    pub(crate) async fn answer(&mut self) -> Result<Value, PeerError> {
        match (&mut self.rx).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(PeerError::Rpc(e)),
            Err(_) => Err(PeerError::Closed),
        }
    }
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if let Some(slots) = self
            .pending
            .slots
            .lock()
            .expect("pending map lock")
            .as_mut()
        {
            slots.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolves_and_cleans_up() {
        let p = Pending::new();
        let mut g = p.register().unwrap();
        let id = g.id().clone();
        assert_eq!(p.len(), 1);
        assert!(p.resolve(&id, Ok(Value::Bool(true))));
        assert_eq!(g.answer().await, Ok(Value::Bool(true)));
        drop(g);
        assert_eq!(p.len(), 0);
        // A duplicate answer finds nobody.
        assert!(!p.resolve(&id, Ok(Value::Null)));
    }

    #[tokio::test]
    async fn dropped_guard_forgets_and_close_wakes_waiters() {
        let p = Pending::new();
        let g = p.register().unwrap();
        let id = g.id().clone();
        drop(g);
        assert_eq!(p.len(), 0);
        assert!(!p.resolve(&id, Ok(Value::Null)));

        let cap = Pending::with_capacity(1);
        let held = cap.try_register().unwrap();
        assert_eq!(cap.try_register().err(), Some(RegisterError::Full));
        drop(held);
        assert!(cap.try_register().is_ok());

        let mut g = p.register().unwrap();
        p.close();
        assert_eq!(g.answer().await, Err(PeerError::Closed));
        assert!(p.register().is_none());
    }
}
