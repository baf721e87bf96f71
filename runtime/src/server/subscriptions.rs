//! `resources/subscribe` in the handshake era: accepted only for a resource the server has (a
//! static URI or one a template matches), and only within the session's byte budget
//! ([`Limits::max_subscription_bytes`](crate::Limits::max_subscription_bytes)).

use std::collections::HashSet;

use serde_json::json;

use crate::jsonrpc::{codes, ErrorObject};

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

#[cfg(test)]
mod tests {
    use super::*;

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
