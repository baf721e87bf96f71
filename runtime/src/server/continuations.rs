//! In-memory continuations of multi round-trip requests (2026-07-28): when a round ends with
//! `input_required`, the suspended handler is kept here for a short while with the `requestState`
//! token issued for it. A retry that reaches this process while the handler is still kept, and
//! brings that very token, resumes it with the new answers instead of running it again from the
//! start.
//!
//! Nothing depends on a handler being kept: the `requestState` always carries everything a replay
//! needs, so a retry that lands on another replica, after the keep-alive, or after an eviction is
//! replayed as before. Memory is bounded by [`Limits::max_continuations`] and
//! [`Limits::max_continuation_bytes`] (the oldest are dropped first) and by
//! [`Limits::continuation_keep_alive`] (expired ones are dropped on the next insert or take).
//!
//! A continuation is found by its token's handle (key id and nonce, [`request_state::handle`])
//! and resumed only by a request that brings the whole token issued for it (compared in constant
//! time; a token that merely shares the handle neither resumes nor evicts it), from the same owner,
//! before the token expires and while its key is held: what opening the token would prove, known
//! without opening it, since this process sealed it. The caller also checks that the request is
//! the one the handler was started for. The handler's notifications go through a relay of its own
//! to the response of whichever request runs it.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::reply::Reply;
use super::request_state::{self, Binding, Owner, StateKeys};
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
    /// The `requestState` issued for this round: only a retry bringing it resumes the handler.
    pub token: String,
    /// How many rounds had ended, and when the token expires (ms since the Unix epoch): what the
    /// token says of itself.
    pub rounds: u32,
    pub expires_ms: u64,
}

struct Entry {
    suspended: Suspended,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    /// By their token's handle.
    entries: HashMap<String, Entry>,
    /// Handles in insertion order (some may have been taken already).
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

    /// Keep `suspended` under its token's handle, dropping expired entries and, to stay within
    /// the caps, the oldest. False (and nothing kept) when it alone exceeds the byte cap, keeping
    /// is off, or its token has no handle.
    pub(crate) fn insert(&self, suspended: Suspended) -> bool {
        if !self.enabled() || suspended.bytes > self.max_bytes {
            return false;
        }
        let Some(id) = request_state::handle(&suspended.token).map(str::to_owned) else {
            return false;
        };
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
            // Nonces are unique per process; a collision would only replace (and drop) the older
            // handler.
            inner.bytes -= old.suspended.bytes;
            dropped.push(old);
        }
        drop(inner);
        drop(dropped);
        true
    }

    /// Take the continuation issued `token` if it is kept and `token` is still good (unexpired,
    /// its key held), and it belongs to `owner`. Anything else leaves it kept: a token that only
    /// shares its handle, and its very token from another caller (which is refused when the
    /// state is opened), so that neither can spoil the owner's own retry.
    pub(crate) fn take(&self, keys: &StateKeys, token: &str, owner: &Owner) -> Option<Suspended> {
        let id = request_state::handle(token)?;
        let now = Instant::now();
        let mut inner = self.inner.lock().expect("continuations lock");
        let expired = inner.expire(now);
        let now_ms = request_state::now_ms();
        let issued = inner.entries.get(id).is_some_and(|e| {
            let s = &e.suspended;
            s.owner == *owner
                && s.expires_ms >= now_ms
                && request_state::issued(keys, &s.token, token)
        });
        let entry = if issued {
            inner.entries.remove(id)
        } else {
            None
        };
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
        entry.map(|e| e.suspended)
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
    use crate::server::request_state::DEFAULT_KEY_ID;
    use serde_json::Map;
    use std::collections::HashMap;

    fn owner(caller: Option<&str>) -> Owner {
        Owner {
            protocol_version: "2026-07-28".into(),
            caller: caller.map(str::to_owned),
        }
    }

    /// A token shaped as sealed ones are: key id, then a 16-character nonce named `n`, then the
    /// rest.
    fn token(n: &str) -> String {
        format!("{DEFAULT_KEY_ID}.{n:0>16}ciphertext-and-tag")
    }

    fn suspended(caller: Option<&str>, token: &str, bytes: usize) -> Suspended {
        let (relay, _) = Relay::new();
        Suspended {
            run: Box::pin(std::future::pending()),
            round: Round::new(Map::new(), HashMap::new(), Map::new()),
            owner: owner(caller),
            binding: Binding {
                method: "tools/call".into(),
                name: "t".into(),
                args: "digest".into(),
            },
            args: None,
            args_len: 0,
            relay,
            bytes,
            token: token.to_owned(),
            rounds: 1,
            expires_ms: u64::MAX,
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
    fn taken_once_and_only_with_its_whole_token_by_its_owner() {
        let keys = StateKeys::random();
        let c = store(Duration::from_secs(60), 8, 1 << 20);
        let (a, b, d) = (token("a"), token("b"), token("d"));
        assert!(c.insert(suspended(Some("alice"), &a, 10)));
        assert!(c.insert(suspended(Some("alice"), &b, 10)));
        assert!(c.insert(suspended(None, &d, 10)));
        // Its token from another caller: nothing, and the entry stays for its owner.
        assert!(c.take(&keys, &a, &owner(Some("bob"))).is_none());
        assert!(c.take(&keys, &d, &owner(Some("alice"))).is_none());
        assert_eq!(c.len(), 3);
        assert!(c.take(&keys, &a, &owner(Some("alice"))).is_some());
        assert!(c.take(&keys, &d, &owner(None)).is_some());
        assert_eq!(c.len(), 1);
        // Another token with the same handle: nothing, and the entry stays for its own token.
        let forged = b.replace("ciphertext", "CIPHERTEXT");
        assert!(c.take(&keys, &forged, &owner(Some("alice"))).is_none());
        assert!(c
            .take(&keys, &format!("{b}x"), &owner(Some("alice")))
            .is_none());
        assert!(c
            .take(&keys, &b[..b.len() - 1], &owner(Some("alice")))
            .is_none());
        assert_eq!(c.len(), 1);
        assert!(c.take(&keys, &b, &owner(Some("alice"))).is_some());
        assert!(c.take(&keys, &b, &owner(Some("alice"))).is_none());
        assert!(c.take(&keys, "unknown", &owner(None)).is_none());
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn an_expired_token_or_a_key_no_longer_held_resumes_nothing() {
        let keys = StateKeys::random();
        let c = store(Duration::from_secs(60), 8, 1 << 20);
        let late = token("late");
        let mut s = suspended(None, &late, 10);
        s.expires_ms = request_state::now_ms() - 1;
        assert!(c.insert(s));
        assert!(c.take(&keys, &late, &owner(None)).is_none());
        let rotated = token("rotated").replacen(DEFAULT_KEY_ID, "retired", 1);
        assert!(c.insert(suspended(None, &rotated, 10)));
        assert!(c.take(&keys, &rotated, &owner(None)).is_none());
        // Text that is not shaped like a token names nothing and is not kept.
        assert!(!c.insert(suspended(None, "no-dot", 10)));
        assert!(!c.insert(suspended(None, &format!("{DEFAULT_KEY_ID}.short"), 10)));
    }

    #[test]
    fn the_oldest_go_first_to_stay_within_count_and_bytes() {
        let keys = StateKeys::random();
        let c = store(Duration::from_secs(60), 2, 100);
        assert!(c.insert(suspended(None, &token("1"), 10)));
        assert!(c.insert(suspended(None, &token("2"), 10)));
        assert!(c.insert(suspended(None, &token("3"), 10)));
        assert_eq!(c.len(), 2);
        assert!(
            c.take(&keys, &token("1"), &owner(None)).is_none(),
            "evicted"
        );
        // 95 bytes fit only once both older ones are gone.
        assert!(c.insert(suspended(None, &token("4"), 95)));
        assert_eq!(c.len(), 1);
        assert!(c.take(&keys, &token("4"), &owner(None)).is_some());
        // Alone over the cap: not kept.
        assert!(!c.insert(suspended(None, &token("5"), 101)));
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn expired_ones_are_dropped_and_zero_keeps_none() {
        let keys = StateKeys::random();
        let c = store(Duration::from_nanos(1), 8, 1 << 20);
        assert!(c.insert(suspended(None, &token("a"), 10)));
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.take(&keys, &token("a"), &owner(None)).is_none());
        assert_eq!(c.len(), 0);
        let off = store(Duration::ZERO, 8, 1 << 20);
        assert!(!off.enabled());
        assert!(!off.insert(suspended(None, &token("a"), 10)));
    }

    #[test]
    fn the_queue_of_ids_stays_in_proportion() {
        let keys = StateKeys::random();
        let c = store(Duration::from_secs(60), 8, 1 << 20);
        assert!(c.insert(suspended(None, &token("first"), 1)));
        for i in 0..1000 {
            let t = token(&format!("id{i}"));
            assert!(c.insert(suspended(None, &t, 1)));
            assert!(c.take(&keys, &t, &owner(None)).is_some());
        }
        let inner = c.inner.lock().unwrap();
        assert!(inner.order.len() <= 2 * inner.entries.len() + 64 + 1);
    }
}
