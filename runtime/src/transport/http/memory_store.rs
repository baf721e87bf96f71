//! [`MemorySessionStore`]: session records in this process's memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use super::session_store::{SessionRecord, SessionStore, StoreError};

/// A [`SessionStore`] in this process's memory: for replicas served by one process (several
/// [`Server::serve_http_listener`](crate::Server::serve_http_listener)s sharing one
/// `Arc<MemorySessionStore>`) and for tests. Expired records are dropped when read and on every
/// write.
///
/// ```
/// use std::sync::Arc;
///
/// use toolsmith::{HttpConfig, MemorySessionStore};
///
/// let store = Arc::new(MemorySessionStore::new());
/// let a = HttpConfig::default().session_store(store.clone());
/// let b = HttpConfig::default().session_store(store);
/// # let _ = (a, b);
/// ```
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    records: Mutex<HashMap<String, (SessionRecord, Instant)>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records it holds that have not expired.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        let records = self.records.lock().expect("store lock");
        records.values().filter(|(_, until)| *until > now).count()
    }

    /// True when it holds no record that has not expired.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemorySessionStore {
    fn put(&self, record: SessionRecord, ttl: Duration) -> BoxFuture<'_, Result<(), StoreError>> {
        let now = Instant::now();
        let mut records = self.records.lock().expect("store lock");
        records.retain(|_, (_, until)| *until > now);
        records.insert(record.id.clone(), (record, now + ttl));
        Box::pin(async { Ok(()) })
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SessionRecord>, StoreError>> {
        let now = Instant::now();
        let mut records = self.records.lock().expect("store lock");
        let found = match records.get(id) {
            Some((record, until)) if *until > now => Some(record.clone()),
            Some(_) => {
                records.remove(id);
                None
            }
            None => None,
        };
        Box::pin(async move { Ok(found) })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.records.lock().expect("store lock").remove(id);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    fn record(id: &str) -> SessionRecord {
        SessionRecord {
            id: id.to_owned(),
            protocol_version: "2025-11-25".to_owned(),
            client_info: None,
            capabilities: Default::default(),
            log_level: None,
            subscriptions: vec![],
            owner: Some("alice".to_owned()),
            in_use: false,
            created: SystemTime::now(),
            last_seen: SystemTime::now(),
        }
    }

    #[tokio::test]
    async fn records_live_until_their_ttl_or_removal() {
        let store = MemorySessionStore::new();
        let kept = record("a");
        store
            .put(kept.clone(), Duration::from_secs(3600))
            .await
            .unwrap();
        store.put(record("gone"), Duration::ZERO).await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), Some(kept));
        assert_eq!(store.get("gone").await.unwrap(), None);
        assert_eq!(store.len(), 1);
        store.remove("a").await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), None);
        assert!(store.is_empty());
    }
}
