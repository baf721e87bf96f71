//! Where the facts of handshake-era (2025-11-25) HTTP sessions are kept so that any replica can
//! serve them: the [`SessionStore`] trait and the [`SessionRecord`] it holds.

use std::fmt;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel};

/// The facts of one handshake-era HTTP session: enough for a replica that did not see its
/// `initialize` to serve it. What a session has in flight (running handlers, requests to the
/// client, SSE event logs) is not part of it and stays with the replica that holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionRecord {
    /// The `Mcp-Session-Id`.
    pub id: String,
    /// The negotiated protocol revision.
    pub protocol_version: String,
    /// The client's name and version, from `initialize`.
    pub client_info: Option<Implementation>,
    /// The client's capabilities, from `initialize`.
    pub capabilities: ClientCapabilities,
    /// The level set by `logging/setLevel`, if any.
    pub log_level: Option<LoggingLevel>,
    /// The resource URIs subscribed to with `resources/subscribe`.
    pub subscriptions: Vec<String>,
    /// The authenticated caller that opened the session (`None`: no authentication); nobody
    /// else can use it.
    pub owner: Option<String>,
    /// True once the session did something beyond opening (its idle timeout is then
    /// [`HttpConfig::session_idle_timeout`](crate::HttpConfig::session_idle_timeout) rather than
    /// [`HttpConfig::new_session_idle_timeout`](crate::HttpConfig::new_session_idle_timeout)).
    pub in_use: bool,
    /// When the session was opened.
    pub created: SystemTime,
    /// When a replica last wrote it (activity refreshes it).
    pub last_seen: SystemTime,
}

/// A session store failed (unreachable, or it answered something unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(String);

impl StoreError {
    /// An error described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError(message.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Where handshake-era HTTP sessions are kept so that every replica behind a load balancer can
/// serve them (set with [`HttpConfig::session_store`](crate::HttpConfig::session_store)).
///
/// A replica writes a session at `initialize` and whenever its facts change
/// (`logging/setLevel`, `resources/subscribe`, `resources/unsubscribe`), refreshes it while it
/// is used, and reads it on every request: a replica that does not hold the session revives it
/// from the record (no new `initialize`); a session gone from the store is gone everywhere (404).
/// `DELETE` removes it. A record must disappear once its `ttl` has passed without a new `put`:
/// that is how idle sessions expire.
///
/// [`MemorySessionStore`](crate::MemorySessionStore) keeps records in this process (replicas in
/// one process, tests).
pub trait SessionStore: Send + Sync + 'static {
    /// Write `record` (replacing any record with its id), to expire after `ttl`.
    fn put(&self, record: SessionRecord, ttl: Duration) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The record with this id, unless it expired or was removed.
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SessionRecord>, StoreError>>;

    /// Remove the record with this id (nothing happens when there is none).
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// What a session's dispatcher knows of it that a store keeps (the record minus the transport's
/// own facts: id, owner, times).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionFacts {
    pub protocol_version: String,
    pub capabilities: ClientCapabilities,
    pub client_info: Option<Implementation>,
    pub log_level: Option<LoggingLevel>,
    pub subscriptions: Vec<String>,
}
