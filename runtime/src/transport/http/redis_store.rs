//! [`RedisSessionStore`]: session records in Redis, one key per session with its TTL.

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::ConnectionManager;

use super::redis_connection::{connect, failed, query};
use super::session_store::{SessionRecord, SessionStore, StoreError};

/// A [`SessionStore`] in Redis (feature `redis`): each session is one key, `PREFIX` + id
/// (prefix `toolsmith:session:` unless set with [`RedisSessionStore::prefix`]), holding the
/// record as JSON and expiring with Redis's own TTL. Replicas given the same Redis (and prefix)
/// serve each other's sessions.
///
/// The connection is made on first use and made again after Redis restarts; while Redis is
/// unreachable, requests that need it are answered `503` (the "server busy" error), within the
/// connection and response timeouts (1 s each).
///
/// ```no_run
/// use std::sync::Arc;
///
/// use toolsmith::{HttpConfig, RedisSessionStore, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisSessionStore::new("redis://127.0.0.1:6379")?;
/// store.ping().await?; // fail at startup, not at the first request
/// let config = HttpConfig::default().session_store(Arc::new(store));
/// Server::new("replica", "1.0.0").serve_http_with("0.0.0.0:8080", config).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// A store on the Redis at `url` (`redis://host:port/db`, `redis://:password@host`,
    /// `redis+unix:///path`). Nothing is connected yet; a URL that cannot be read is an error.
    /// Must be called within a tokio runtime.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let (_, connection) = connect(url)?;
        Ok(RedisSessionStore {
            connection,
            prefix: "toolsmith:session:".to_owned(),
        })
    }

    /// The prefix of the keys (default `toolsmith:session:`), e.g. to keep two services in one
    /// Redis apart.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Check that Redis answers (`PING`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        query::<String>(&self.connection, &redis::cmd("PING"))
            .await
            .map(drop)
            .map_err(|e| failed("PING", &e))
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }
}

impl SessionStore for RedisSessionStore {
    fn put(&self, record: SessionRecord, ttl: Duration) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let json = serde_json::to_string(&record).expect("records serialise");
            let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            query::<()>(
                &self.connection,
                redis::cmd("SET")
                    .arg(self.key(&record.id))
                    .arg(json)
                    .arg("PX")
                    .arg(millis),
            )
            .await
            .map_err(|e| failed("SET", &e))
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SessionRecord>, StoreError>> {
        Box::pin(async move {
            let json: Option<String> = query(&self.connection, redis::cmd("GET").arg(self.key(id)))
                .await
                .map_err(|e| failed("GET", &e))?;
            json.map(|j| {
                serde_json::from_str(&j).map_err(|e| {
                    StoreError::new(format!("the record of session `{id}` is unreadable: {e}"))
                })
            })
            .transpose()
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            query::<()>(&self.connection, redis::cmd("DEL").arg(self.key(id)))
                .await
                .map_err(|e| failed("DEL", &e))
        })
    }
}
