//! A `text/event-stream` response body written by hand: each event's bytes are built once, with
//! their exact size, straight from the stream log's message (axum's `Event` formats ids and data
//! through `fmt::Write` into a growing buffer, and its `Sse` wraps the stream twice), and a
//! keep-alive comment is sent after at most [`KEEP_ALIVE`] without an event, from a timer armed
//! only once the stream first waits and never reset per event.

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

/// The longest a stream stays silent before a keep-alive comment (axum's `KeepAlive` default
/// interval).
pub(super) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The keep-alive comment.
const COMMENT: &[u8] = b":\n\n";

/// An SSE event carrying `message` as its data, with id `{stream}-{seq}` when `id` is given.
/// A message spanning lines (JSON never does, but a message is any text) gets one `data:` field
/// per line, each of `\r\n`, `\r` and `\n` ending one.
pub(super) fn message_event(id: Option<(u64, u64)>, message: &str) -> Bytes {
    let bytes = message.as_bytes();
    // Not `contains(['\n', '\r'])`, which decodes chars: a fold without early exit vectorises.
    let lines = bytes
        .iter()
        .fold(false, |seen, b| seen | (*b == b'\n') | (*b == b'\r'));
    let id_len = id.map_or(0, |(stream, seq)| {
        "id: -\n".len() + digits(stream) + digits(seq)
    });
    // Exact in the usual case (one line), so the buffer becomes `Bytes` without reallocating.
    let mut out = Vec::with_capacity(id_len + "data: ".len() + bytes.len() + 2);
    if let Some((stream, seq)) = id {
        push_id(&mut out, stream, seq);
    }
    out.extend_from_slice(b"data: ");
    if lines {
        let mut rest = bytes;
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
        out.extend_from_slice(bytes);
    }
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// The decimal digits of `n`.
fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
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
/// half of `keep_alive` to all of it, ending with `events`.
struct EventStreamBody {
    events: Pin<Box<dyn Stream<Item = Bytes> + Send>>,
    /// Ticks every half `keep_alive`, armed the first time `events` is pending.
    tick: Option<Pin<Box<Sleep>>>,
    /// An event went out since the last tick: no comment at the next one (no timer reset per
    /// event).
    sent: bool,
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
                this.sent = true;
                Poll::Ready(Some(Ok(Frame::data(event))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let half = this.keep_alive / 2;
                let tick = this.tick.get_or_insert_with(|| {
                    // Silence counts from here.
                    this.sent = false;
                    Box::pin(tokio::time::sleep(half))
                });
                loop {
                    ready!(tick.as_mut().poll(cx));
                    tick.as_mut().reset(Instant::now() + half);
                    if !std::mem::take(&mut this.sent) {
                        // A whole tick without an event.
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(COMMENT)))));
                    }
                }
            }
        }
    }
}

/// A `200` SSE response of `events` (each one whole event, e.g. from [`message_event`]), with a
/// keep-alive comment after at most `keep_alive` (at least half of it) without one.
pub(super) fn event_stream(
    events: impl Stream<Item = Bytes> + Send + 'static,
    keep_alive: Duration,
) -> Response {
    let body = EventStreamBody {
        events: Box::pin(events),
        tick: None,
        sent: false,
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
        let half = Duration::from_millis(7500);
        tx.send(Bytes::from_static(b"data: 1\n\n")).expect("open");
        let first = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(first, "data: 1\n\n");
        // Silence (paused clock: it advances as the runtime idles): a comment within 15 s.
        let started = Instant::now();
        let comment = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(comment, ":\n\n");
        assert_eq!(started.elapsed(), half);
        // An event in the middle of a tick: the next comment comes 7.5 to 15 s after it, not
        // at that tick.
        tokio::time::advance(Duration::from_secs(5)).await;
        tx.send(Bytes::from_static(b"data: 2\n\n")).expect("open");
        let second = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(second, "data: 2\n\n");
        let sent = Instant::now();
        let comment = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(comment, ":\n\n");
        assert_eq!(sent.elapsed(), Duration::from_secs(10));
        tx.send(Bytes::from_static(b"data: 3\n\n")).expect("open");
        drop(tx);
        let last = body.next().await.expect("a frame").expect("infallible");
        assert_eq!(last, "data: 3\n\n");
        assert!(body.next().await.is_none(), "ends with its events");
    }
}
