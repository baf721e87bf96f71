use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

/// A waiting request: where its answer goes, and the bytes of params it counts as.
struct Slot<T> {
    tx: oneshot::Sender<Result<T, ErrorObject>>,
    bytes: usize,
}

struct Slots<T> {
    map: HashMap<RequestId, Slot<T>, BuildHasherDefault<IdHasher>>,
    /// The sum of the slots' `bytes`.
    bytes: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            map: HashMap::default(),
            bytes: 0,
        }
    }
}

/// Hashes the map's ids with a multiply (FxHash's step) instead of SipHash. The map only ever
/// holds ids this side chose (sequential integers), so a peer answering with ids of its choice
/// cannot crowd a bucket: its ids only probe.
#[derive(Default)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(n.into())
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n)
    }
    fn write_i64(&mut self, n: i64) {
        self.add(n as u64)
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64)
    }
    fn write_isize(&mut self, n: isize) {
        self.add(n as u64)
    }
}

impl<T> Slots<T> {
    fn remove(&mut self, id: &RequestId) -> Option<Slot<T>> {
        let slot = self.map.remove(id)?;
        self.bytes -= slot.bytes;
        Some(slot)
    }
}

/// Requests this side sent and is waiting on, keyed by id. One per connection: the transport's
/// reader resolves entries, the requester awaits them. Bounded by count and by the bytes of the
/// params of the requests waiting. `T`: what a result is delivered as (a value, or the server's
/// [`ResultJson`](super::ResultJson), the text of the frame it came in).
pub(crate) struct Pending<T = Value> {
    next_id: AtomicI64,
    slots: Mutex<Option<Slots<T>>>,
    capacity: usize,
    max_bytes: usize,
}

/// The length of `value` serialised as JSON, counted without building the text.
#[cfg(feature = "server")]
pub(crate) fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self.0.saturating_add(buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` to a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Why a request could not be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegisterError {
    /// The connection is closed.
    Closed,
    /// Too many requests are already waiting.
    Full,
    /// The requests waiting would hold too many bytes of params.
    FullBytes,
}

/// Removes its entry when dropped, so an abandoned request (timeout, cancellation) leaves nothing
/// behind and a late answer is ignored.
pub(crate) struct PendingGuard<'a, T = Value> {
    pending: &'a Pending<T>,
    id: RequestId,
    rx: oneshot::Receiver<Result<T, ErrorObject>>,
    /// True once the answer (or the close) came: the entry is gone, nothing to remove.
    settled: bool,
}

impl<T> Pending<T> {
    #[cfg(any(feature = "client", test))]
    pub(crate) fn new() -> Self {
        Self::with_limits(usize::MAX, usize::MAX)
    }

    /// A map that holds at most `capacity` waiting requests, whose params hold at most
    /// `max_bytes` together.
    pub(crate) fn with_limits(capacity: usize, max_bytes: usize) -> Self {
        Pending {
            next_id: AtomicI64::new(1),
            slots: Mutex::new(Some(Slots::default())),
            capacity,
            max_bytes,
        }
    }

    /// Reserve an id and a slot for its answer. `None` when the connection is already closed.
    #[cfg(any(feature = "client", test))]
    pub(crate) fn register(&self) -> Option<PendingGuard<'_, T>> {
        self.try_register(0).ok()
    }

    /// Reserve an id and a slot for the answer to a request whose params are `bytes` long,
    /// saying why not.
    pub(crate) fn try_register(&self, bytes: usize) -> Result<PendingGuard<'_, T>, RegisterError> {
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = oneshot::channel();
        let mut slots = self.slots.lock().expect("pending map lock");
        let slots = slots.as_mut().ok_or(RegisterError::Closed)?;
        if slots.map.len() >= self.capacity {
            return Err(RegisterError::Full);
        }
        if slots.bytes.saturating_add(bytes) > self.max_bytes {
            return Err(RegisterError::FullBytes);
        }
        slots.bytes += bytes;
        slots.map.insert(id.clone(), Slot { tx, bytes });
        Ok(PendingGuard {
            pending: self,
            id,
            rx,
            settled: false,
        })
    }

    /// Deliver an answer. Returns false when no one is waiting for that id (unknown, late or
    /// duplicate), which the caller logs and otherwise ignores.
    pub(crate) fn resolve(&self, id: &RequestId, outcome: Result<T, ErrorObject>) -> bool {
        let slot = {
            let mut slots = self.slots.lock().expect("pending map lock");
            slots.as_mut().and_then(|s| s.remove(id))
        };
        match slot {
            Some(slot) => slot.tx.send(outcome).is_ok(),
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
            .map_or(0, |s| s.map.len())
    }

    /// The bytes of params of the requests waiting.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.slots
            .lock()
            .expect("pending map lock")
            .as_ref()
            .map_or(0, |s| s.bytes)
    }
}

impl<T> PendingGuard<'_, T> {
    /// The id to send the request with.
    pub(crate) fn id(&self) -> &RequestId {
        &self.id
    }

    /// Wait for the answer.
    pub(crate) async fn answer(&mut self) -> Result<T, PeerError> {
        let answer = (&mut self.rx).await;
        // Whoever settled it (an answer, or the close) took the entry out of the map.
        self.settled = true;
        match answer {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(PeerError::Rpc(e)),
            Err(_) => Err(PeerError::Closed),
        }
    }
}

impl<T> Drop for PendingGuard<'_, T> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
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

        let cap = Pending::<Value>::with_limits(1, usize::MAX);
        let held = cap.try_register(0).unwrap();
        assert_eq!(cap.try_register(0).err(), Some(RegisterError::Full));
        drop(held);
        assert!(cap.try_register(0).is_ok());

        let mut g = p.register().unwrap();
        p.close();
        assert_eq!(g.answer().await, Err(PeerError::Closed));
        assert!(p.register().is_none());
    }

    #[tokio::test]
    async fn the_params_waiting_are_bounded_by_bytes() {
        let p = Pending::with_limits(100, 1000);
        let a = p.try_register(600).unwrap();
        assert_eq!(p.try_register(401).err(), Some(RegisterError::FullBytes));
        let b = p.try_register(400).unwrap();
        assert_eq!(p.bytes(), 1000);
        assert_eq!(p.try_register(1).err(), Some(RegisterError::FullBytes));
        // Answered or abandoned, a request gives its bytes back.
        assert!(p.resolve(&a.id().clone(), Ok(Value::Null)));
        assert_eq!(p.bytes(), 400);
        drop(a);
        drop(b);
        assert_eq!(p.bytes(), 0);
        assert!(p.try_register(1000).is_ok());
    }

    #[tokio::test]
    async fn ids_of_either_kind_are_found_and_strings_never_match_ours() {
        let p = Pending::new();
        let guards: Vec<_> = (0..100).map(|_| p.register().unwrap()).collect();
        for g in &guards {
            let RequestId::Number(n) = g.id() else {
                panic!("our ids are numbers")
            };
            // The same number as a string is another id.
            assert!(!p.resolve(&RequestId::String(n.to_string().into()), Ok(Value::Null)));
        }
        for (i, g) in guards.iter().enumerate().rev() {
            assert!(p.resolve(g.id(), Ok(Value::from(i))));
            assert_eq!(p.len(), i);
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn json_len_is_the_serialised_length() {
        let v = serde_json::json!({"a": [1, "two", null], "b": "é\n"});
        assert_eq!(json_len(&v), serde_json::to_string(&v).unwrap().len());
    }
}
