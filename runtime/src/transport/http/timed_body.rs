//! The two body wrappers of a served connection ([`super::connection`]): a request body that
//! must arrive within `body_read_timeout`, and a response body that keeps its request counted as
//! in flight until it ends or is dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

use super::connection::InFlight;

/// The error a request body gives when it has not arrived in full within `body_read_timeout`
/// (the handler then answers `400` with this text, and the connection is closed after it).
#[derive(Debug)]
pub(super) struct BodyTimeout(Duration);

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive in full within {:?}",
            self.0
        )
    }
}

impl std::error::Error for BodyTimeout {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body with a deadline: frames pass through until `timeout` after the request's head;
/// then it fails with [`BodyTimeout`].
pub(super) struct TimedBody<B> {
    inner: B,
    timeout: Duration,
    /// Running until the body has ended or failed.
    deadline: Option<Pin<Box<Sleep>>>,
    expired: bool,
}

impl<B: Body> TimedBody<B> {
    /// Start the clock now (at the request's complete head). A body that is already at its end
    /// (no body) gets no timer.
    pub(super) fn new(inner: B, timeout: Duration) -> Self {
        let deadline = (!inner.is_end_stream()).then(|| Box::pin(tokio::time::sleep(timeout)));
        TimedBody {
            inner,
            timeout,
            deadline,
            expired: false,
        }
    }
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            if !matches!(frame, Some(Ok(_))) || this.inner.is_end_stream() {
                this.deadline = None;
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if let Some(deadline) = &mut this.deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                this.deadline = None;
                this.expired = true;
                return Poll::Ready(Some(Err(Box::new(BodyTimeout(this.timeout)))));
            }
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body holding its request's [`InFlight`] mark: the connection is not idle until
/// this ends (hyper drops it at its end) or is dropped (the peer went away).
pub(super) struct InFlightBody<B> {
    inner: B,
    _in_flight: InFlight,
}

impl<B> InFlightBody<B> {
    pub(super) fn new(inner: B, in_flight: InFlight) -> Self {
        InFlightBody {
            inner,
            _in_flight: in_flight,
        }
    }
}

impl<B: Body + Unpin> Body for InFlightBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    /// A body whose frames come from a channel (a peer sending slowly).
    struct Trickle(tokio::sync::mpsc::Receiver<Bytes>);

    impl Body for Trickle {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.get_mut()
                .0
                .poll_recv(cx)
                .map(|b| b.map(|b| Ok(Frame::data(b))))
        }
    }

    fn frames<B>(body: B) -> impl futures::Stream<Item = Result<Frame<Bytes>, BoxError>>
    where
        B: Body<Data = Bytes, Error = BoxError> + Unpin,
    {
        futures::stream::unfold(body, |mut body| async move {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await?;
            Some((frame, body))
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickling_body_fails_at_its_deadline() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let body = TimedBody::new(Trickle(rx), Duration::from_secs(30));
        let start = tokio::time::Instant::now();
        let sender = tokio::spawn(async move {
            while tx.send(Bytes::from_static(b"x")).await.is_ok() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let mut frames = Box::pin(frames(body));
        let mut received = 0;
        let error = loop {
            match frames.next().await {
                Some(Ok(_)) => received += 1,
                Some(Err(e)) => break e,
                None => panic!("the body ended without the timeout"),
            }
        };
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        assert!(received >= 29, "frames before the deadline pass through");
        assert_eq!(
            error.to_string(),
            "the request body did not arrive in full within 30s"
        );
        assert!(frames.next().await.is_none(), "nothing after the error");
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_complete_body_is_not_cut_short() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let body = TimedBody::new(Trickle(rx), Duration::from_secs(30));
        tx.send(Bytes::from_static(b"{}")).await.unwrap();
        drop(tx);
        tokio::time::advance(Duration::from_secs(29)).await;
        let mut frames = Box::pin(frames(body));
        assert!(frames.next().await.unwrap().is_ok());
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(frames.next().await.is_none());
    }
}
