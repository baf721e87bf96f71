//! The last stateless-era envelope decoded, and the peer it decoded to.
//!
//! Protocol 2026-07-28 puts the client's protocol version, capabilities and identity on every
//! request, and a client sends the same ones each time: decoding them anew (two objects and an
//! `Arc`) is about a tenth of a plain call. The envelope's members arrive as their JSON text
//! ([`crate::jsonrpc`] keeps them raw), so the text is the key: a request whose members have the
//! same text as the last one decoded gets the same [`PeerInfo`]. Nothing else is remembered, and
//! the peer holds nothing of the caller (who is calling comes from the transport, per request).
//!
//! One entry, taken with `try_lock`: requests never wait on each other here; when two race, one
//! decodes as before.

use std::sync::{Arc, Mutex};

use crate::context::PeerInfo;

/// The text of the envelope members a [`PeerInfo`] is decoded from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct EnvelopeText<'a> {
    pub version: &'a str,
    pub capabilities: &'a str,
    pub client_info: Option<&'a str>,
}

/// The last envelope decoded (see the module's docs).
#[derive(Default)]
pub(crate) struct PeerCache(Mutex<Option<Entry>>);

struct Entry {
    /// The members' text, one after the other: version, capabilities, client info.
    text: String,
    version_len: usize,
    capabilities_len: usize,
    has_client_info: bool,
    peer: Arc<PeerInfo>,
}

impl Entry {
    fn matches(&self, key: &EnvelopeText<'_>) -> bool {
        let (version, rest) = self.text.split_at(self.version_len);
        let (capabilities, client_info) = rest.split_at(self.capabilities_len);
        version == key.version
            && capabilities == key.capabilities
            && match key.client_info {
                Some(info) => self.has_client_info && client_info == info,
                None => !self.has_client_info,
            }
    }
}

impl PeerCache {
    /// The peer decoded from an envelope of exactly this text, if it was the last one.
    pub(crate) fn get(&self, key: &EnvelopeText<'_>) -> Option<Arc<PeerInfo>> {
        let entry = self.0.try_lock().ok()?;
        let entry = entry.as_ref()?;
        entry.matches(key).then(|| Arc::clone(&entry.peer))
    }

    /// Remember `peer` as decoded from `key` (which validated).
    pub(crate) fn put(&self, key: &EnvelopeText<'_>, peer: &Arc<PeerInfo>) {
        let Ok(mut slot) = self.0.try_lock() else {
            return;
        };
        let info = key.client_info.unwrap_or("");
        let mut text =
            String::with_capacity(key.version.len() + key.capabilities.len() + info.len());
        text.push_str(key.version);
        text.push_str(key.capabilities);
        text.push_str(info);
        *slot = Some(Entry {
            text,
            version_len: key.version.len(),
            capabilities_len: key.capabilities.len(),
            has_client_info: key.client_info.is_some(),
            peer: Arc::clone(peer),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ClientCapabilities;

    fn peer(version: &str) -> Arc<PeerInfo> {
        Arc::new(PeerInfo {
            protocol_version: version.to_owned(),
            capabilities: ClientCapabilities::default(),
            client_info: None,
        })
    }

    #[test]
    fn only_the_same_text_gets_the_same_peer() {
        let cache = PeerCache::default();
        let key = EnvelopeText {
            version: r#""2026-07-28""#,
            capabilities: r#"{"sampling":{}}"#,
            client_info: Some(r#"{"name":"a","version":"1"}"#),
        };
        assert!(cache.get(&key).is_none());
        let p = peer("2026-07-28");
        cache.put(&key, &p);
        assert!(Arc::ptr_eq(&cache.get(&key).unwrap(), &p));
        // Any member's text differing, or the client info there or not: another envelope.
        // (The split points matter: moving text between members is not the same envelope.)
        for other in [
            EnvelopeText {
                client_info: None,
                ..key
            },
            EnvelopeText {
                client_info: Some(r#"{"name":"b","version":"1"}"#),
                ..key
            },
            EnvelopeText {
                capabilities: r#"{"sampling": {}}"#,
                ..key
            },
            EnvelopeText {
                capabilities: "{}",
                ..key
            },
            EnvelopeText {
                version: r#""2026-07-29""#,
                ..key
            },
            EnvelopeText {
                version: r#""2026-07-28"{"sampling":{}}"#,
                capabilities: "",
                ..key
            },
        ] {
            assert!(cache.get(&other).is_none());
        }
        // A new envelope replaces the entry.
        let none = EnvelopeText {
            client_info: None,
            ..key
        };
        let q = peer("x");
        cache.put(&none, &q);
        assert!(Arc::ptr_eq(&cache.get(&none).unwrap(), &q));
        assert!(cache.get(&key).is_none());
    }
}
