//! `resources/subscribe` in the handshake era: accepted only for a resource the server has (a
//! static URI or one a template matches), and only within the session's byte budget
//! ([`Limits::max_subscription_bytes`](crate::Limits::max_subscription_bytes)).
//!
//! `subscriptions/listen` streams (2026-07-28): counted per caller, with the bytes of their
//! filters ([`Limits::max_listen_streams_per_caller`], [`Limits::max_listen_bytes_per_caller`]).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde_json::json;

use crate::jsonrpc::{codes, ErrorObject};
use crate::transport::RequestFacts;
use crate::Limits;

/// What one subscription counts beyond its URI's bytes: the set's own bookkeeping.
pub(crate) const OVERHEAD_BYTES: usize = 64;

/// The bytes `subs` is counted as holding.
fn held(subs: &HashSet<String>) -> usize {
    subs.iter()
        .map(|uri| uri.len().saturating_add(OVERHEAD_BYTES))
        .fold(0, usize::saturating_add)
}

/// Add `uri` to a session's subscriptions. `known` says whether the server has a resource at
/// `uri`; an unknown URI, or one that would take the subscriptions beyond `max_bytes`, is refused
/// with an error that says so. Subscribing again to a URI already held costs nothing.
pub(crate) fn subscribe(
    subs: &mut HashSet<String>,
    uri: String,
    known: bool,
    max_bytes: usize,
) -> Result<(), ErrorObject> {
    if !known {
        return Err(ErrorObject::new(
            codes::RESOURCE_NOT_FOUND,
            format!(
                "resource not found: `{uri}`: subscribe to a resource the server lists, or a URI \
                 one of its resource templates matches"
            ),
        )
        .with_data(json!({ "uri": uri })));
    }
    if subs.contains(&uri) {
        return Ok(());
    }
    let cost = uri.len().saturating_add(OVERHEAD_BYTES);
    let used = held(subs);
    if used.saturating_add(cost) > max_bytes {
        return Err(ErrorObject::new(
            codes::INVALID_REQUEST,
            format!(
                "too many resource subscriptions: this session holds {} ({used} bytes) and may \
                 hold {max_bytes} bytes (each counts its URI plus {OVERHEAD_BYTES}); unsubscribe \
                 from some first",
                subs.len()
            ),
        )
        .with_data(json!({ "uri": uri, "maxBytes": max_bytes })));
    }
    subs.insert(uri);
    Ok(())
}

/// Whom a listen stream counts against: the authenticated caller (with a credential of its
/// own), else the peer's IP address;
/// `None` when neither is known (stdio, or HTTP served without connection info), and those
/// streams count together as one caller.
pub(crate) fn listener_key(facts: &RequestFacts) -> Option<String> {
    crate::transport::CallerKey::label(facts)
}

/// What one caller's open listen streams hold.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
struct Held {
    streams: usize,
    bytes: usize,
}

/// The open `subscriptions/listen` streams of the server, per caller.
#[derive(Default)]
pub(crate) struct ListenStreams {
    held: Mutex<HashMap<Option<String>, Held>>,
}

/// One open listen stream; dropping it (the stream ended) gives its place back.
pub(crate) struct ListenGuard<'a> {
    streams: &'a ListenStreams,
    key: Option<String>,
    bytes: usize,
}

/// The bytes a listen stream's filter counts as: [`OVERHEAD_BYTES`] for the stream, plus each
/// resource URI it names and [`OVERHEAD_BYTES`] more for each.
pub(crate) fn filter_bytes(resource_uris: &[String]) -> usize {
    resource_uris
        .iter()
        .map(|uri| uri.len().saturating_add(OVERHEAD_BYTES))
        .fold(OVERHEAD_BYTES, usize::saturating_add)
}

impl ListenStreams {
    /// Open a listen stream for `key` ([`listener_key`]) whose filter names `resource_uris`,
    /// unless the caller would then hold more streams or filter bytes than `limits` allow: that
    /// is refused with an error that says which.
    pub(crate) fn open(
        &self,
        key: Option<String>,
        resource_uris: &[String],
        limits: &Limits,
    ) -> Result<ListenGuard<'_>, ErrorObject> {
        let bytes = filter_bytes(resource_uris);
        let mut held = self.held.lock().expect("listen streams lock");
        let now = held.get(&key).copied().unwrap_or_default();
        let (max_streams, max_bytes) = (
            limits.max_listen_streams_per_caller,
            limits.max_listen_bytes_per_caller,
        );
        if now.streams >= max_streams {
            return Err(ErrorObject::new(
                codes::INVALID_REQUEST,
                format!(
                    "too many listen streams: this caller has {} open and may have {max_streams}; \
                     close one (cancel its subscriptions/listen) first",
                    now.streams
                ),
            )
            .with_data(json!({ "maxStreams": max_streams })));
        }
        if now.bytes.saturating_add(bytes) > max_bytes {
            return Err(ErrorObject::new(
                codes::INVALID_REQUEST,
                format!(
                    "listen filters too large: this caller's open listen streams hold {} bytes of \
                     filters, this one {bytes}, and together they may hold {max_bytes} (each \
                     resource URI counts its length plus {OVERHEAD_BYTES}, each stream \
                     {OVERHEAD_BYTES}); name fewer resources or close a stream first",
                    now.bytes
                ),
            )
            .with_data(json!({ "maxBytes": max_bytes })));
        }
        held.insert(
            key.clone(),
            Held {
                streams: now.streams + 1,
                bytes: now.bytes + bytes,
            },
        );
        Ok(ListenGuard {
            streams: self,
            key,
            bytes,
        })
    }
}

impl Drop for ListenGuard<'_> {
    fn drop(&mut self) {
        let mut held = self.streams.held.lock().expect("listen streams lock");
        if let Some(h) = held.get_mut(&self.key) {
            h.streams -= 1;
            h.bytes -= self.bytes;
            if h.streams == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_streams_are_capped_per_caller_by_count_and_bytes() {
        let limits = Limits::default()
            .max_listen_streams_per_caller(2)
            .max_listen_bytes_per_caller(1000);
        let streams = ListenStreams::default();
        let a = Some("address 10.0.0.1".to_owned());
        let b = Some("address 10.0.0.2".to_owned());
        let first = streams.open(a.clone(), &[], &limits).unwrap();
        let _second = streams.open(a.clone(), &[], &limits).unwrap();
        let err = streams.open(a.clone(), &[], &limits).err().unwrap();
        assert_eq!(err.code, codes::INVALID_REQUEST);
        assert!(
            err.message.contains("too many listen streams"),
            "{}",
            err.message
        );
        // Another caller is not affected; a closed stream makes room.
        let _other = streams.open(b.clone(), &[], &limits).unwrap();
        drop(first);
        let _third = streams.open(a.clone(), &[], &limits).unwrap();

        assert!(
            streams.open(None, &[], &limits).is_ok(),
            "unidentified callers count apart"
        );
    }

    #[test]
    fn listen_filters_are_capped_per_caller_by_bytes() {
        let limits = Limits::default().max_listen_bytes_per_caller(1000);
        let streams = ListenStreams::default();
        let a = Some("caller alice".to_owned());
        let uri = |len: usize| vec!["x".repeat(len)];
        // 64 for the stream, 64 plus the length for the URI.
        assert_eq!(filter_bytes(&uri(500)), 628);
        let held = streams.open(a.clone(), &uri(500), &limits).unwrap();
        let err = streams.open(a.clone(), &uri(245), &limits).err().unwrap();
        assert!(
            err.message.contains("listen filters too large"),
            "{}",
            err.message
        );
        assert!(err.message.contains("628 bytes"), "{}", err.message);
        let _fits = streams.open(a.clone(), &uri(244), &limits).unwrap();
        drop(held);
        let _again = streams.open(a, &uri(500), &limits).unwrap();
    }

    #[test]
    fn unknown_uris_are_refused() {
        let mut subs = HashSet::new();
        let err = subscribe(&mut subs, "x://nope".into(), false, 1 << 20).unwrap_err();
        assert_eq!(err.code, codes::RESOURCE_NOT_FOUND);
        assert!(err.message.contains("`x://nope`"), "{}", err.message);
        assert!(subs.is_empty());
    }

    #[test]
    fn subscriptions_stay_within_the_byte_budget() {
        let uri = |i: usize| format!("x://item/{i:06}"); // 15 bytes each
        let each = 15 + OVERHEAD_BYTES;
        let budget = 3 * each + each / 2;
        let mut subs = HashSet::new();
        for i in 0..3 {
            subscribe(&mut subs, uri(i), true, budget).unwrap();
        }
        // Again: already held, free.
        subscribe(&mut subs, uri(1), true, budget).unwrap();
        let err = subscribe(&mut subs, uri(3), true, budget).unwrap_err();
        assert_eq!(err.code, codes::INVALID_REQUEST);
        assert!(err.message.contains("too many resource subscriptions"));
        assert_eq!(subs.len(), 3);
        assert!(held(&subs) <= budget);
        // One URI larger than the whole budget is refused too.
        let mut empty = HashSet::new();
        assert!(subscribe(&mut empty, "x".repeat(budget), true, budget).is_err());
        assert!(empty.is_empty());
    }
}
