//! A `text/event-stream` response body written by hand: each event's bytes are built once, with
//! their exact size, straight from the stream log's message (axum's `Event` formats ids and data
//! through `fmt::Write` into a growing buffer, and its `Sse` wraps the stream twice), and a
//! keep-alive comment is sent after [`KEEP_ALIVE`] without an event, the timer armed only once the
//! stream first waits.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use http::header;
use http_body::Frame;
use tokio::time::{Instant, Sleep};

/// The longest a stream stays silent before a keep-alive comment (axum's `KeepAlive` default).
pub(super) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The keep-alive comment.
const COMMENT: &[u8] = b":\n\n";

/// An SSE event carrying `message` as its data, with id `{stream}-{seq}` when `id` is given.
/// A message spanning lines (JSON never does, but a message is any text) gets one `data:` field
/// per line, each of `\r\n`, `\r` and `\n` ending one.
pub(super) fn message_event(id: Option<(u64, u64)>, message: &str) -> Bytes {
    // "id: " + two u64s and '-' + "\n" + "data: " + message + "\n\n".
    let mut out = Vec::with_capacity(message.len() + 56);
    if let Some((stream, seq)) = id {
        push_id(&mut out, stream, seq);
    }
    out.extend_from_slice(b"data: ");
    if message.contains(['\n', '\r']) {
        let mut rest = message.as_bytes();
        while let Some(end) = rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            out.extend_from_slice(&rest[..end]);
            out.extend_from_slice(b"\ndata: ");
            let skip = if rest[end..].starts_with(b"\r\n") {
                2
            } else {
                1
            };
            rest = &rest[end + skip..];
        }
        out.extend_from_slice(rest);
    } else {
        out.extend_from_slice(message.as_bytes());
    }
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// An event with no data (a browser dispatches nothing): id `{stream}-{seq}` when `id` is given,
/// and the `retry` advice.
pub(super) fn retry_event(id: Option<(u64, u64)>, retry: Duration) -> Bytes {
    let mut out = Vec::with_capacity(72);
    if let Some((stream, seq)) = id {
        push_id(&mut out, stream, seq);
    }
    out.extend_from_slice(b"retry: ");
    push_u64(
        &mut out,
        u64::try_from(retry.as_millis()).unwrap_or(u64::MAX),
    );
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

fn push_id(out: &mut Vec<u8>, stream: u64, seq: u64) {
    out.extend_from_slice(b"id: ");
    push_u64(out, stream);
    out.push(b'-');
    push_u64(out, seq);
    out.push(b'\n');
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The body: `events` (each one whole SSE event), a keep-alive comment whenever none came for
/// [`KEEP_ALIVE`], ending with `events`.
struct EventStreamBody {
    events: Pin<Box<dyn Stream<Item = Bytes> + Send>>,
    /// Armed the first time `events` is pending; reset by every event.
    quiet: Option<Pin<Box<Sleep>>>,
    keep_alive: Duration,
}

impl http_body::Body for EventStreamBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        match this.events.poll_next_unpin(cx) {
            Poll::Ready(Some(event)) => {
                if let Some(quiet) = &mut this.quiet {
                    quiet.as_mut().reset(Instant::now() + this.keep_alive);
                }
                Poll::Ready(Some(Ok(Frame::data(event))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let keep_alive = this.keep_alive;
                let quiet = this
                    .quiet
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(keep_alive)));
                ready!(quiet.as_mut().poll(cx));
                quiet.as_mut().reset(Instant::now() + keep_alive);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(COMMENT)))))
            }
        }
    }
}

/// A `200` SSE response of `events` (each one whole event, e.g. from [`message_event`]), with a
/// keep-alive comment after `keep_alive` without one.
pub(super) fn event_stream(
    events: impl Stream<Item = Bytes> + Send + 'static,
    keep_alive: Duration,
) -> Response {
    let body = EventStreamBody {
        events: Box::pin(events),
        quiet: None,
        keep_alive,
    };
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::new(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::sse::Event;

    /// The bytes axum's `Event` gives (this body replaced it; clients saw these).
    fn axum_bytes(event: Event) -> Bytes {
        let stream = futures::stream::iter([Ok::<_, Infallible>(event)]);
        let response = axum::response::sse::Sse::new(stream).into_response();
        let mut frames = response.into_body().into_data_stream();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let event = rt.block_on(frames.next()).expect("one event");
        event.expect("an infallible body")
    }

    #[test]
    fn events_are_the_bytes_axum_wrote() {
        let message = r#"{"jsonrpc":"2.0","id":7,"result":{}}"#;
        assert_eq!(
            message_event(Some((12, 3)), message),
            axum_bytes(Event::default().id("12-3").data(message))
        );
        assert_eq!(
            message_event(None, message),
            axum_bytes(Event::default().data(message))
        );
        let max = (u64::MAX, 0);
        assert_eq!(
            message_event(Some(max), "x"),
            axum_bytes(Event::default().id(format!("{}-0", u64::MAX)).data("x"))
        );
        let retry = Duration::from_millis(1500);
        assert_eq!(
            retry_event(Some((4, 0)), retry),
            axum_bytes(Event::default().id("4-0").retry(retry).data(""))
        );
        assert_eq!(
            retry_event(None, retry),
            axum_bytes(Event::default().retry(retry))
        );
        assert_eq!(
            retry_event(None, Duration::from_millis(7)),
            axum_bytes(Event::default().retry(Duration::from_millis(7)))
        );
    }

    #[test]
    fn a_message_of_many_lines_gets_a_data_field_per_line() {
        assert_eq!(
            message_event(Some((1, 2)), "a\nb\r\nc\rd"),
            Bytes::from_static(b"id: 1-2\ndata: a\ndata: b\ndata: c\ndata: d\n\n")
        );
        assert_eq!(
            message_event(None, "a\n"),
            Bytes::from_static(b"data: a\ndata: \n\n")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_stream_gets_keep_alive_comments_and_ends_with_its_events() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
        let events =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
        let response = event_stream(events, Duration::from_secs(15));
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        let mut body = response.into_body().into_data_stream();
        tx.send(Bytes::from_static(b"data: 1\n\n")).expect("open");
        let first = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(first, "data: 1\n\n");
        // Nothing for 15 s (paused clock: it advances as the runtime idles): a comment.
        let started = Instant::now();
        let comment = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(comment, ":\n\n");
        assert_eq!(started.elapsed(), Duration::from_secs(15));
        tx.send(Bytes::from_static(b"data: 2\n\n")).expect("open");
        drop(tx);
        let last = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(last, "data: 2\n\n");
        assert!(body.next().await.is_none(), "ends with its events");
    }
}
