//! Request streams through a configured [`EventStore`]: each event written there before it is
//! sent, the stream's lease renewed while it is unanswered, and a stream this replica does not
//! hold resumed from there (answered with an error when its holder died).

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use http::StatusCode;

use super::config::HttpConfig;
use super::event_store::{EventBounds, EventStore, StoredEvents, StreamLease};
use super::handlers::{error, is_response_to};
use super::session_store::StoreError;
use super::session_sync::unavailable;
use super::sessions::HttpSession;
use super::sse::{sse, GetStream};
use super::stream_log::StreamLog;
use crate::jsonrpc::{codes, ErrorObject, Message, RequestId};
use crate::transport::FrameReceiver;

/// How long after its last renewal a stream's holder is taken for dead (renewed three times as
/// often).
const LEASE: Duration = Duration::from_secs(6);

fn bounds(config: &HttpConfig) -> EventBounds {
    EventBounds {
        max_events: config.max_replay_events,
        max_bytes: config.max_replay_bytes_per_session,
        ttl: config.session_idle_timeout,
    }
}

fn lease(config: &HttpConfig) -> StreamLease {
    StreamLease::new(LEASE, config.session_idle_timeout)
}

/// Take or renew the lease on stream `stream` (answering request `request`, its id's JSON).
async fn hold(
    store: &dyn EventStore,
    config: &HttpConfig,
    session: &str,
    stream: u64,
    request: &str,
) {
    if let Err(e) = store.hold(session, stream, request, lease(config)).await {
        tracing::warn!(error = %e, session = %session, "a stream's lease was not renewed");
    }
}

/// Carry the messages `rx` brings into stream `log` (which holds the request's first message
/// already), and finish the log at the end: a request stream without an event store (nothing to
/// write or lease, no copy of the configuration, no renewal timer, no request key). Keeps going if
/// the client disconnects: disconnecting is not cancelling, and the client may resume.
pub(super) async fn forward(log: Arc<StreamLog>, mut rx: FrameReceiver) {
    while let Some(message) = rx.recv().await {
        log.push(message);
    }
    log.finish();
}

/// Carry the messages of request `id` (`first`, then what `rx` brings) into its stream `log`,
/// writing each to the event store of `config` before it is sent and renewing the stream's lease
/// there until the answer; finish the log at the end. Keeps going if the client disconnects.
pub(super) async fn pump(
    config: HttpConfig,
    session: String,
    log: Arc<StreamLog>,
    id: RequestId,
    first: String,
    mut rx: FrameReceiver,
) {
    let request = serde_json::to_string(&id).expect("a request id serializes");
    let every = LEASE / 3;
    let mut renewal = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    if let Some(store) = &config.event_store {
        // Before the first event: a stream the store has is always held, or was.
        hold(store.0.as_ref(), &config, &session, log.id, &request).await;
    }
    let mut next = Some(first);
    while let Some(message) = next {
        let message: Arc<str> = message.into();
        if let Some(store) = &config.event_store {
            let seq = log.next_seq();
            let written =
                store
                    .0
                    .append(&session, log.id, seq, Arc::clone(&message), bounds(&config));
            if let Err(e) = written.await {
                tracing::warn!(error = %e, session = %session, "an event was not stored");
            }
        }
        log.push(message);
        next = loop {
            tokio::select! {
                message = rx.recv() => break message,
                _ = renewal.tick(), if config.event_store.is_some() => {
                    if let Some(store) = &config.event_store {
                        hold(store.0.as_ref(), &config, &session, log.id, &request).await;
                    }
                }
            }
        };
    }
    log.finish();
}

/// `events` (after `after`) of a stream this replica does not hold; when its holder's lease ran
/// out before the request's answer was stored, the holder died: an error answering the request
/// is stored and added, so the client's call ends instead of waiting for an answer that will
/// never come. (Two replicas resuming one such stream at once may both add it; the client takes
/// the first answer.)
async fn answer_if_abandoned(
    store: &dyn EventStore,
    config: &HttpConfig,
    session: &str,
    (stream, after): (u64, u64),
    mut events: StoredEvents,
) -> Result<StoredEvents, StoreError> {
    let Some(holder) = store.holder(session, stream).await? else {
        return Ok(events);
    };
    let Ok(id) = serde_json::from_str::<RequestId>(&holder.request) else {
        return Ok(events);
    };
    if holder.live || events.last().is_some_and(|(_, m)| is_response_to(m, &id)) {
        return Ok(events);
    }
    let message = Message::error(
        Some(id),
        ErrorObject::new(
            codes::INTERNAL_ERROR,
            "the server replica handling this request stopped before answering it (its lease \
             on the request's stream ran out); the request failed and may be sent again",
        ),
    )
    .to_json();
    let seq = events.last().map_or(after, |e| e.0) + 1;
    let shared: Arc<str> = message.as_str().into();
    store
        .append(session, stream, seq, shared, bounds(config))
        .await?;
    tracing::warn!(session = %session, stream, "answered a request whose replica died with an error");
    events.push((seq, message));
    Ok(events)
}

/// Resume stream `stream` of `session`, which this replica does not hold, after `seq` from the
/// event store: its events there, then the end. `404` when there is no store or it lacks some.
pub(super) async fn from_store(
    config: &HttpConfig,
    session: &Arc<HttpSession>,
    last: &str,
    (stream, seq): (u64, u64),
    get: GetStream,
) -> Response {
    let gone = || {
        error(
            StatusCode::NOT_FOUND,
            codes::INVALID_REQUEST,
            format!("stream of event `{last}` is gone; it cannot be resumed"),
        )
    };
    let Some(store) = &config.event_store else {
        return gone();
    };
    let events = match store.0.after(&session.id, stream, seq).await {
        Ok(Some(events)) => {
            answer_if_abandoned(store.0.as_ref(), config, &session.id, (stream, seq), events).await
        }
        Ok(None) => return gone(),
        Err(e) => Err(e),
    };
    let events = match events {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "event store failed");
            return unavailable(format!("{e}; try again"));
        }
    };
    let log = session.replayed_stream(stream, events);
    sse(log, seq, config, session.ended.clone(), Some(get))
}
