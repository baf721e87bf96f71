//! The SSE responses of a session: a request's stream or a GET stream over a [`StreamLog`],
//! primed with the `retry` advice, ending with the log, the session, the stream's lifetime or the
//! server's shutdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::response::Response;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::config::HttpConfig;
use super::event_stream_body::{event_stream, message_event, retry_event, KEEP_ALIVE};
use super::sessions::HttpSession;
use super::shutdown::Draining;
use super::stream_log::StreamLog;

/// Resets the "standalone stream is open" flag when a GET stream ends.
pub(super) struct OpenFlag(pub(super) Arc<HttpSession>);

impl Drop for OpenFlag {
    fn drop(&mut self) {
        self.0.standalone_open.store(false, Ordering::Relaxed);
    }
}

/// What a GET stream carries besides its events: the standalone stream records how far it got
/// and holds the session's one-GET flag; a resumed request stream has neither.
#[derive(Default)]
pub(super) struct GetStream {
    pub(super) cursor: Option<Arc<AtomicU64>>,
    pub(super) flag: Option<OpenFlag>,
    /// The server's shutdown mark: a GET stream ends when shutdown begins.
    pub(super) draining: Option<Draining>,
}

/// An SSE response carrying `log` after sequence `after`, preceded by a priming event (an id and
/// empty data) with the `retry` advice. It ends with the log, when `ended` is cancelled (the
/// session ended), or, for a GET stream, after [`HttpConfig::max_stream_lifetime`] or when the
/// server begins shutting down; a GET stream ended so closes with the `retry` advice again, so
/// the client reconnects (behind a balancer, to another replica).
pub(super) fn sse(
    log: Arc<StreamLog>,
    after: u64,
    config: &HttpConfig,
    ended: CancellationToken,
    get: Option<GetStream>,
) -> Response {
    let priming = retry_event(Some((log.id, after)), config.sse_retry);
    let lifetime = get.is_some().then_some(config.max_stream_lifetime);
    let retry = config.sse_retry;
    let GetStream {
        cursor,
        mut flag,
        draining,
    } = get.unwrap_or_default();
    let stream_id = log.id;
    let events = log.subscribe(after).map(move |(seq, message)| {
        if let Some(cursor) = &cursor {
            cursor.store(seq, Ordering::Relaxed);
        }
        message_event(Some((stream_id, seq)), &message)
    });
    let stop = async move {
        let shutdown = async {
            match &draining {
                Some(marks) => marks.closing.cancelled().await,
                None => std::future::pending().await,
            }
        };
        match lifetime {
            Some(lifetime) => {
                tokio::select! {
                    _ = ended.cancelled() => {}
                    _ = tokio::time::sleep(lifetime) => {}
                    () = shutdown => {}
                }
            }
            None => ended.cancelled().await,
        }
    };
    // A GET stream's last event repeats the `retry` advice (no data: nothing is dispatched).
    let farewell = lifetime.map(|_| retry_event(None, retry));
    let stream = futures::stream::once(async move { priming })
        .chain(events)
        .take_until(stop)
        .chain(futures::stream::iter(farewell))
        // Let go of the GET flag as the stream ends, before the client can see the end and
        // reconnect.
        .chain(futures::stream::poll_fn(move |_| {
            drop(flag.take());
            std::task::Poll::Ready(None)
        }));
    event_stream(stream, KEEP_ALIVE)
}
