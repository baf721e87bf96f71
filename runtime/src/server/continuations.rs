//! In-memory continuations of multi round-trip requests (2026-07-28): when a round ends with
//! `input_required`, the suspended handler is kept here for a short while, under an id that
//! travels inside the sealed `requestState`. A retry that reaches this process while the handler
//! is still kept resumes it with the new answers instead of running it again from the start.
//!
//! Nothing depends on a handler being kept: the `requestState` always carries everything a replay
//! needs, so a retry that lands on another replica, after the keep-alive, or after an eviction is
//! replayed as before. Memory is bounded by [`Limits::max_continuations`] and
//! [`Limits::max_continuation_bytes`] (the oldest are dropped first) and by
//! [`Limits::continuation_keep_alive`] (expired ones are dropped on the next insert or take).
//!
//! A continuation is resumed only by a request whose `requestState` opened (authenticated,
//! unexpired, same owner and binding) and whose owner and binding equal the kept ones; the id
//! itself is readable only inside the sealed state. The handler's notifications go through a
//! relay of its own to the response of whichever request runs it.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::reply::Reply;
use super::request_state::{Binding, Owner};
use crate::context::Round;
use crate::jsonrpc::ErrorObject;
use crate::transport::{Limits, Relay};

/// A handler's future, suspended between rounds.
pub(crate) type SuspendedRun = Pin<Box<dyn Future<Output = Result<Reply, ErrorObject>> + Send>>;

/// A handler suspended at the end of a round, with what a resume must match.
pub(crate) struct Suspended {
    pub run: SuspendedRun,
    pub round: Arc<Round>,
    pub owner: Owner,
    pub binding: Binding,
    /// The arguments the handler was started with (a resume must bring equal ones), and the
    /// length of their JSON text (counted in `bytes`).
    pub args: Option<serde_json::Value>,
    pub args_len: usize,
    /// The relay the handler's frames (its notifications) go through to the response of the
    /// request that runs it.
    pub relay: Arc<Relay>,
    /// What this entry counts against [`Limits::max_continuation_bytes`].
    pub bytes: usize,
}

struct Entry {
    suspended: Suspended,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Ids in insertion order (some may have been taken already).
    order: VecDeque<String>,
    bytes: usize,
}

/// The kept continuations of one server.
pub(crate) struct Continuations {
    inner: Mutex<Inner>,
    keep_alive: Duration,
    max_count: usize,
    max_bytes: usize,
}

impl Continuations {
    pub(crate) fn new(limits: &Limits) -> Self {
        Continuations {
            inner: Mutex::default(),
            keep_alive: limits.continuation_keep_alive,
            max_count: limits.max_continuations,
            max_bytes: limits.max_continuation_bytes,
        }
    }

    /// Whether handlers are kept at all (a zero keep-alive or cap turns it off).
    pub(crate) fn enabled(&self) -> bool {
        !self.keep_alive.is_zero() && self.max_count > 0 && self.max_bytes > 0
    }

    /// A fresh id for a continuation: a random prefix drawn once per process (so that a state
    /// sealed by an earlier process with the same keys never names a handler of this one) and a
    /// counter, in hex. It need not be secret: only a state that opens can name it.
    pub(crate) fn new_id() -> String {
        static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let prefix = PREFIX.get_or_init(|| {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes)
                .expect("the operating system's random number generator failed");
            crate::context::hex(&bytes)
        });
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{prefix}{n:x}")
    }

    /// Keep `suspended` under `id`, dropping expired entries and, to stay within the caps, the
    /// oldest. False (and nothing kept) when it alone exceeds the byte cap or keeping is off.
    pub(crate) fn insert(&self, id: String, suspended: Suspended) -> bool {
        if !self.enabled() || suspended.bytes > self.max_bytes {
            return false;
        }
        let now = Instant::now();
        let mut inner = self.inner.lock().expect("continuations lock");
        // Dropped handlers run their destructors after the lock is released.
        let mut dropped = inner.expire(now);
        while inner.entries.len() >= self.max_count
            || inner.bytes + suspended.bytes > self.max_bytes
        {
            match inner.evict_oldest() {
                Some(e) => dropped.push(e),
                None => break,
            }
        }
        inner.bytes += suspended.bytes;
        inner.order.push_back(id.clone());
        let expires = now + self.keep_alive;
        if let Some(old) = inner.entries.insert(id, Entry { suspended, expires }) {
            // Ids are unique per process; a collision would only replace (and drops) the older handler.
            inner.bytes -= old.suspended.bytes;
            dropped.push(old);
        }
        drop(inner);
        drop(dropped);
        true
    }

    /// Take the continuation `id` if it is kept, unexpired, and belongs to `owner` and `binding`.
    /// A continuation that is found but does not match is dropped (a request that does not match
    /// may not resume it, and its rightful retry is replayed instead).
    pub(crate) fn take(&self, id: &str, owner: &Owner, binding: &Binding) -> Option<Suspended> {
        let now = Instant::now();
        let mut inner = self.inner.lock().expect("continuations lock");
        let expired = inner.expire(now);
        let entry = inner.entries.remove(id);
        if let Some(e) = &entry {
            inner.bytes -= e.suspended.bytes;
        }
        // Ids of taken entries stay queued until they reach the front; keep the queue in
        // proportion to what is kept.
        if inner.order.len() > 2 * inner.entries.len() + 64 {
            let Inner { entries, order, .. } = &mut *inner;
            order.retain(|id| entries.contains_key(id));
        }
        drop(inner);
        drop(expired);
        let entry = entry?;
        let s = entry.suspended;
        (s.owner == *owner && s.binding == *binding).then_some(s)
    }

    /// How many continuations are kept now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().expect("continuations lock").entries.len()
    }
}

impl Inner {
    /// Remove entries whose keep-alive has passed (oldest first; stops at the first live one),
    /// returning them to be dropped.
    fn expire(&mut self, now: Instant) -> Vec<Entry> {
        let mut expired = Vec::new();
        while let Some(id) = self.order.front() {
            match self.entries.get(id) {
                Some(e) if e.expires > now => break,
                Some(_) => {
                    let id = self.order.pop_front().expect("front exists");
                    let e = self.entries.remove(&id).expect("entry exists");
                    self.bytes -= e.suspended.bytes;
                    expired.push(e);
                }
                // Taken already.
                None => {
                    self.order.pop_front();
                }
            }
        }
        expired
    }

    /// Remove the oldest entry still kept, returning it to be dropped.
    fn evict_oldest(&mut self) -> Option<Entry> {
        while let Some(id) = self.order.pop_front() {
            if let Some(e) = self.entries.remove(&id) {
                self.bytes -= e.suspended.bytes;
                return Some(e);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Round;
    use serde_json::Map;
    use std::collections::HashMap;

    fn owner(caller: Option<&str>) -> Owner {
        Owner {
            protocol_version: "2026-07-28".into(),
            caller: caller.map(str::to_owned),
        }
    }

    fn binding(name: &str) -> Binding {
        Binding {
            method: "tools/call".into(),
            name: name.into(),
            args: "digest".into(),
        }
    }

    fn suspended(caller: Option<&str>, name: &str, bytes: usize) -> Suspended {
        let (relay, _) = Relay::new();
        Suspended {
            run: Box::pin(std::future::pending()),
            round: Round::new(Map::new(), HashMap::new(), Map::new()),
            owner: owner(caller),
            binding: binding(name),
            args: None,
            args_len: 0,
            relay,
            bytes,
        }
    }

    fn store(keep_alive: Duration, count: usize, bytes: usize) -> Continuations {
        let limits = Limits::default()
            .continuation_keep_alive(keep_alive)
            .max_continuations(count)
            .max_continuation_bytes(bytes);
        Continuations::new(&limits)
    }

    #[test]
    fn taken_once_and_only_by_its_owner_and_binding() {
        let c = store(Duration::from_secs(60), 8, 1 << 20);
        assert!(c.insert("a".into(), suspended(Some("alice"), "t", 10)));
        assert!(c.insert("b".into(), suspended(Some("alice"), "t", 10)));
        assert!(c.insert("c".into(), suspended(None, "t", 10)));
        // Another caller, or another binding: nothing, and the entry is dropped.
        assert!(c.take("a", &owner(Some("bob")), &binding("t")).is_none());
        assert!(c.take("a", &owner(Some("alice")), &binding("t")).is_none());
        assert!(c.take("b", &owner(Some("alice")), &binding("u")).is_none());
        assert!(c.take("c", &owner(Some("alice")), &binding("t")).is_none());
        assert_eq!(c.len(), 0);
        assert!(c.insert("d".into(), suspended(Some("alice"), "t", 10)));
        assert!(c.take("d", &owner(Some("alice")), &binding("t")).is_some());
        assert!(c.take("d", &owner(Some("alice")), &binding("t")).is_none());
        assert!(c.take("unknown", &owner(None), &binding("t")).is_none());
    }

    #[test]
    fn the_oldest_go_first_to_stay_within_count_and_bytes() {
        let c = store(Duration::from_secs(60), 2, 100);
        assert!(c.insert("1".into(), suspended(None, "t", 10)));
        assert!(c.insert("2".into(), suspended(None, "t", 10)));
        assert!(c.insert("3".into(), suspended(None, "t", 10)));
        assert_eq!(c.len(), 2);
        assert!(
            c.take("1", &owner(None), &binding("t")).is_none(),
            "evicted"
        );
        // 95 bytes fit only once both older ones are gone.
        assert!(c.insert("4".into(), suspended(None, "t", 95)));
        assert_eq!(c.len(), 1);
        assert!(c.take("4", &owner(None), &binding("t")).is_some());
        // Alone over the cap: not kept.
        assert!(!c.insert("5".into(), suspended(None, "t", 101)));
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn expired_ones_are_dropped_and_zero_keeps_none() {
        let c = store(Duration::from_nanos(1), 8, 1 << 20);
        assert!(c.insert("a".into(), suspended(None, "t", 10)));
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.take("a", &owner(None), &binding("t")).is_none());
        assert_eq!(c.len(), 0);
        let off = store(Duration::ZERO, 8, 1 << 20);
        assert!(!off.enabled());
        assert!(!off.insert("a".into(), suspended(None, "t", 10)));
    }

    #[test]
    fn the_queue_of_ids_stays_in_proportion() {
        let c = store(Duration::from_secs(60), 8, 1 << 20);
        assert!(c.insert("first".into(), suspended(None, "t", 1)));
        for i in 0..1000 {
            let id = format!("id{i}");
            assert!(c.insert(id.clone(), suspended(None, "t", 1)));
            assert!(c.take(&id, &owner(None), &binding("t")).is_some());
        }
        let inner = c.inner.lock().unwrap();
        assert!(inner.order.len() <= 2 * inner.entries.len() + 64 + 1);
    }
}
