//! [`RedisEventStore`]: the events of SSE streams in Redis, one bounded list per stream.

use std::sync::Arc;

use futures::future::BoxFuture;
use redis::aio::ConnectionManager;

use super::event_store::{EventBounds, EventStore, StoredEvents, StreamHolder, StreamLease};
use super::redis_connection::{connect, failed, query};
use super::session_store::StoreError;

/// Append an event and keep the stream within its bounds, at once: KEYS the list and its byte
/// count; ARGV the entry, the most events, the most bytes, the TTL in milliseconds.
const APPEND: &str = r"
redis.call('RPUSH', KEYS[1], ARGV[1])
local bytes = redis.call('INCRBY', KEYS[2], string.len(ARGV[1]))
local n = redis.call('LLEN', KEYS[1])
while n > 1 and (n > tonumber(ARGV[2]) or bytes > tonumber(ARGV[3])) do
  local old = redis.call('LPOP', KEYS[1])
  bytes = redis.call('DECRBY', KEYS[2], string.len(old))
  n = n - 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return n
";

/// An [`EventStore`] in Redis (feature `redis`): each stream is a list, `PREFIX` + session id +
/// `:` + stream id (prefix `toolsmith:events:` unless set with [`RedisEventStore::prefix`]), of
/// entries `SEQ MESSAGE`, trimmed (oldest first, never the newest) to the bounds' event count
/// and bytes (of entries) and expiring with Redis's own TTL. A held stream's request id and
/// lease are two keys beside it (`...:request`, `...:lease`), each with its own TTL. Reconnects as
/// [`RedisSessionStore`](crate::RedisSessionStore) does.
///
/// ```no_run
/// use std::sync::Arc;
///
/// use toolsmith::{HttpConfig, RedisEventStore, RedisSessionStore};
///
/// # fn config() -> Result<HttpConfig, toolsmith::StoreError> {
/// let url = "redis://127.0.0.1:6379";
/// Ok(HttpConfig::default()
///     .session_store(Arc::new(RedisSessionStore::new(url)?))
///     .event_store(Arc::new(RedisEventStore::new(url)?)))
/// # }
/// ```
#[derive(Clone)]
pub struct RedisEventStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisEventStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisEventStore {
    /// A store on the Redis at `url` (as for
    /// [`RedisSessionStore::new`](crate::RedisSessionStore::new)). Nothing is connected yet; a
    /// URL that cannot be read is an error. Must be called within a tokio runtime.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let (_, connection) = connect(url)?;
        Ok(RedisEventStore {
            connection,
            prefix: "toolsmith:events:".to_owned(),
        })
    }

    /// The prefix of the keys (default `toolsmith:events:`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, session: &str, stream: u64) -> String {
        format!("{}{session}:{stream}", self.prefix)
    }
}

/// Milliseconds for a Redis expiry (at least 1).
fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl EventStore for RedisEventStore {
    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        seq: u64,
        message: Arc<str>,
        bounds: EventBounds,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = self.key(session, stream);
            let millis = millis(bounds.ttl);
            query::<()>(
                &self.connection,
                redis::cmd("EVAL")
                    .arg(APPEND)
                    .arg(2)
                    .arg(&key)
                    .arg(format!("{key}:bytes"))
                    .arg(format!("{seq} {message}"))
                    .arg(bounds.max_events.max(1))
                    .arg(bounds.max_bytes)
                    .arg(millis),
            )
            .await
            .map_err(|e| failed("EVAL (append an event)", &e))
        })
    }

    fn after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> BoxFuture<'a, Result<Option<StoredEvents>, StoreError>> {
        Box::pin(async move {
            let entries: Vec<String> = query(
                &self.connection,
                redis::cmd("LRANGE")
                    .arg(self.key(session, stream))
                    .arg(0)
                    .arg(-1),
            )
            .await
            .map_err(|e| failed("LRANGE", &e))?;
            let mut events = Vec::with_capacity(entries.len());
            for entry in entries {
                let parsed = entry
                    .split_once(' ')
                    .and_then(|(seq, m)| Some((seq.parse::<u64>().ok()?, m.to_owned())));
                let Some(event) = parsed else {
                    return Err(StoreError::new(format!(
                        "an event of stream {stream} of session `{session}` is unreadable"
                    )));
                };
                events.push(event);
            }
            let first = events.first().map(|e| e.0);
            if first.is_none_or(|first| first > after.saturating_add(1)) {
                return Ok(None);
            }
            events.retain(|e| e.0 > after);
            Ok(Some(events))
        })
    }

    fn hold<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        request: &'a str,
        lease: StreamLease,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = self.key(session, stream);
            let set = |key: String, value: &str, ttl| {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(value).arg("PX").arg(millis(ttl));
                cmd
            };
            let request = set(format!("{key}:request"), request, lease.ttl);
            query::<()>(&self.connection, &request)
                .await
                .map_err(|e| failed("SET (hold a stream)", &e))?;
            let lease = set(format!("{key}:lease"), "1", lease.lease);
            query::<()>(&self.connection, &lease)
                .await
                .map_err(|e| failed("SET (hold a stream)", &e))
        })
    }

    fn holder<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
    ) -> BoxFuture<'a, Result<Option<StreamHolder>, StoreError>> {
        Box::pin(async move {
            let key = self.key(session, stream);
            let (request, lease): (Option<String>, Option<String>) = query(
                &self.connection,
                redis::cmd("MGET")
                    .arg(format!("{key}:request"))
                    .arg(format!("{key}:lease")),
            )
            .await
            .map_err(|e| failed("MGET (a stream's holder)", &e))?;
            Ok(request.map(|r| StreamHolder::new(r, lease.is_some())))
        })
    }
}
