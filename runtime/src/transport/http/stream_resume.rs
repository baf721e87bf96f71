//! Request streams through a configured [`EventStore`]: each event written there before it is
//! sent, and a stream this replica does not hold resumed from there.

use std::sync::Arc;

use axum::response::Response;
use http::StatusCode;

use super::config::HttpConfig;
use super::event_store::EventBounds;
use super::handlers::error;
use super::session_sync::unavailable;
use super::sessions::HttpSession;
use super::sse::{sse, GetStream};
use super::stream_log::StreamLog;
use crate::jsonrpc::codes;
use crate::transport::FrameReceiver;

fn bounds(config: &HttpConfig) -> EventBounds {
    EventBounds {
        max_events: config.max_replay_events,
        max_bytes: config.max_replay_bytes_per_session,
        ttl: config.session_idle_timeout,
    }
}

/// Carry a request's messages (`first`, then what `rx` brings) into its stream `log`, writing
/// each to the event store (if any) before it is sent; finish the log at the end. Keeps going
/// if the client disconnects: disconnecting is not cancelling, and the client may resume.
pub(super) async fn pump(
    config: HttpConfig,
    session: String,
    log: Arc<StreamLog>,
    first: String,
    mut rx: FrameReceiver,
) {
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
        next = rx.recv().await;
    }
    log.finish();
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
        Ok(Some(events)) => events,
        Ok(None) => return gone(),
        Err(e) => {
            tracing::warn!(error = %e, "event store failed");
            return unavailable(format!("{e}; try again"));
        }
    };
    let log = session.replayed_stream(stream, events);
    sse(log, seq, config, session.ended.clone(), Some(get))
}
