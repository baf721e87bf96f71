//! Where the events of handshake-era SSE streams are also written so that a client whose stream
//! broke on one replica resumes it (`Last-Event-ID`) on another: the [`EventStore`] trait.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::session_store::StoreError;

/// A stream's events as a store returns them: (sequence number, message), oldest first.
pub type StoredEvents = Vec<(u64, String)>;

/// How much of one stream an [`EventStore`] keeps: the replay limits of
/// [`HttpConfig`](crate::HttpConfig) and how long a stream is kept after its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventBounds {
    /// At most this many events (the oldest are dropped first, never the newest):
    /// [`HttpConfig::max_replay_events`](crate::HttpConfig::max_replay_events).
    pub max_events: usize,
    /// At most this many bytes of messages in the stream (the newest event is kept whatever its
    /// size): [`HttpConfig::max_replay_bytes_per_session`](crate::HttpConfig::max_replay_bytes_per_session),
    /// applied to each stream (a session's streams together may hold more in the store).
    pub max_bytes: usize,
    /// The stream is forgotten this long after its last event (the session idle timeout).
    pub ttl: Duration,
}

/// Where the events of the SSE streams that answer POSTs are written, so that any replica
/// sharing the store resumes them (set with
/// [`HttpConfig::event_store`](crate::HttpConfig::event_store)). Default: none, a stream is
/// resumed only on the replica that holds it (in its memory, as always).
///
/// An event is written before it is sent, so a client has never seen an event the store lacks.
/// A replica asked to resume a stream it does not hold sends the events the store has after the
/// client's `Last-Event-ID`, then ends the stream (the client resumes again for later ones).
///
/// While a replica holds an unanswered stream it renews a short lease on it ([`EventStore::hold`]).
/// A stream whose lease ran out before its answer was stored belonged to a replica that died: the
/// replica resuming it stores and sends a JSON-RPC error answering the request, so the client's
/// call fails cleanly instead of waiting forever. A store without leases (the default methods)
/// never fails a call so.
pub trait EventStore: Send + Sync + 'static {
    /// Append event `seq` (`message`, a JSON-RPC message) to stream `stream` of `session`,
    /// keeping the stream within `bounds`.
    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        seq: u64,
        message: Arc<str>,
        bounds: EventBounds,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The events of stream `stream` of `session` after sequence `after`, oldest first; `None`
    /// when the store does not hold every one of them (unknown or expired stream, or events
    /// dropped for the bounds).
    fn after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> BoxFuture<'a, Result<Option<StoredEvents>, StoreError>>;

    /// Stream `stream` of `session`, answering the request whose id is `request` (its JSON), is
    /// held by a live replica for `lease` from now; the request id is kept for `ttl` (the
    /// stream's own lifetime). Renewed while the stream is unanswered. Default: nothing kept.
    fn hold<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        request: &'a str,
        lease: StreamLease,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = (session, stream, request, lease);
        Box::pin(async { Ok(()) })
    }

    /// Who holds stream `stream` of `session`: the request it answers and whether its lease is
    /// still running; `None` when unknown (never held, expired, or a store without leases).
    fn holder<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
    ) -> BoxFuture<'a, Result<Option<StreamHolder>, StoreError>> {
        let _ = (session, stream);
        Box::pin(async { Ok(None) })
    }
}

/// The times of [`EventStore::hold`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamLease {
    /// The holder is taken for dead this long after its last renewal.
    pub lease: Duration,
    /// The request id is forgotten this long after the last renewal (as the stream's events).
    pub ttl: Duration,
}

impl StreamLease {
    /// A lease of `lease`, the request id kept for `ttl`.
    pub fn new(lease: Duration, ttl: Duration) -> Self {
        StreamLease { lease, ttl }
    }
}

/// What [`EventStore::holder`] says of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamHolder {
    /// The id (JSON) of the request the stream answers.
    pub request: String,
    /// Whether the holding replica renewed its lease in time (it is taken for alive).
    pub live: bool,
}

impl StreamHolder {
    /// A holder of the stream answering `request` (JSON id), `live` or not.
    pub fn new(request: impl Into<String>, live: bool) -> Self {
        StreamHolder {
            request: request.into(),
            live,
        }
    }
}
