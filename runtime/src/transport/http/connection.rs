//! One accepted connection, served with hyper's HTTP/1 under the connection timeouts of
//! [`HttpConfig`](super::HttpConfig).
//!
//! hyper's own `header_read_timeout` is not used: its timer starts whenever the connection waits
//! for a request head, at the start *and* after every response (hyper 1.x,
//! `proto/h1/conn.rs`: `State::idle` sets `notify_read` "so we can close the connection if another
//! header isn't received in a timely manner", and `poll_read_head` arms the timer), so it would
//! also be the keep-alive idle timeout. Here the two are separate, as in nginx
//! (`client_header_timeout` and `keepalive_timeout`):
//! - a fresh connection must deliver its first request head within `header_read_timeout`;
//! - after a response ends, the connection may sit idle for `keep_alive_idle_timeout`; once a
//!   byte of the next request arrives, its head must be complete within `header_read_timeout`;
//! - while a request is in flight (from its complete head until its response body ends or is
//!   dropped, so an open SSE stream counts) the connection is never idle; its body must arrive
//!   within `body_read_timeout` ([`super::timed_body`]).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;

use super::shutdown::Draining;
use super::timed_body::{InFlightBody, TimedBody};

/// The timeouts one connection is served under (from [`HttpConfig`](super::HttpConfig)).
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    /// A request head must be complete within this (see the module docs for when it starts).
    pub(super) header_read: Duration,
    /// A request body must be complete within this of its head.
    pub(super) body_read: Duration,
    /// A connection with no request in flight and no byte of a new one is closed after this.
    pub(super) keep_alive_idle: Duration,
    /// A connection whose writes have been blocked (the peer reads nothing) this long is closed.
    pub(super) write: Duration,
}

/// Serve `stream` (from `peer`) with `router` until the peer closes it, hyper ends it, or one of
/// the timeouts closes it. Requests carry `ConnectInfo<SocketAddr>` like
/// `into_make_service_with_connect_info::<SocketAddr>()` gives them, and the server's
/// [`Draining`] marks. Once `marks.closing` is cancelled the connection shuts down gracefully:
/// the request in flight (if any) is finished, then the connection closes (an idle one at once).
pub(super) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    marks: Draining,
) {
    let activity = Arc::new(Activity::new(timeouts));
    let io = TokioIo::new(Watched {
        io: stream,
        activity: Arc::clone(&activity),
    });
    let on_request = Arc::clone(&activity);
    let closing = marks.closing.clone();
    let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
        let in_flight = InFlight::start(&on_request);
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(ConnectInfo(peer));
        parts.extensions.insert(marks.clone());
        let request = http::Request::from_parts(parts, TimedBody::new(body, timeouts.body_read));
        let response = router.clone().oneshot(request);
        async move {
            let response = response.await?;
            Ok::<_, Infallible>(response.map(|body| InFlightBody::new(body, in_flight)))
        }
    });
    let mut http1 = hyper::server::conn::http1::Builder::new();
    // Off: the timeouts are enforced here (module docs). `None` also means no timer is needed.
    http1.header_read_timeout(None);
    let connection = http1.serve_connection(io, service);
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            ended = connection.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
                }
                return;
            }
            why = activity.expired() => {
                tracing::debug!(%peer, "closing HTTP connection: {why}");
                return;
            }
            () = closing.cancelled(), if !shutting_down => {
                // No keep-alive from here on; the connection ends with its request in flight.
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What a connection is doing, as far as its timeouts care.
#[derive(Debug)]
struct Phase {
    /// Requests whose response has not ended yet.
    in_flight: usize,
    /// When the connection last began waiting for a request (accepted, or its last response
    /// ended).
    waiting_since: Instant,
    /// When the first byte after `waiting_since` arrived: a request head has begun.
    head_started: Option<Instant>,
    /// No request has been served on this connection yet.
    fresh: bool,
    /// Since when a write has been waiting for room in the socket (the peer reads nothing).
    write_blocked_since: Option<Instant>,
}

/// Why a connection was closed by its timeouts (for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    /// A request head did not arrive in full in time.
    Header(Duration),
    /// No request began within the keep-alive idle timeout.
    Idle(Duration),
    /// The peer took no byte of a response within the write timeout.
    Write(Duration),
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expiry::Header(t) => write!(f, "no complete request head within {t:?}"),
            Expiry::Idle(t) => write!(f, "idle for {t:?} with no request in flight"),
            Expiry::Write(t) => write!(f, "the peer read nothing for {t:?}"),
        }
    }
}

/// A connection's [`Phase`], shared by its IO (bytes read), its service (requests and
/// responses) and its watchdog ([`Activity::expired`]).
#[derive(Debug)]
struct Activity {
    phase: Mutex<Phase>,
    /// Told whenever the deadline may have moved (one waiter: the watchdog).
    changed: Notify,
    timeouts: Timeouts,
}

impl Activity {
    fn new(timeouts: Timeouts) -> Self {
        Activity {
            phase: Mutex::new(Phase {
                in_flight: 0,
                waiting_since: Instant::now(),
                head_started: None,
                fresh: true,
                write_blocked_since: None,
            }),
            changed: Notify::new(),
            timeouts,
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        // Nothing panics while holding it; a poisoned phase is still consistent.
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When (and why) the connection must be closed unless something happens first; `None`
    /// while a request is in flight and its writes go through (or when the timeout is too large
    /// to have a deadline).
    fn deadline(&self) -> Option<(Instant, Expiry)> {
        let phase = self.phase();
        let Timeouts {
            header_read,
            keep_alive_idle,
            write,
            ..
        } = self.timeouts;
        let stalled = phase
            .write_blocked_since
            .and_then(|since| since.checked_add(write))
            .map(|at| (at, Expiry::Write(write)));
        let (from, expiry) = if phase.in_flight > 0 {
            return stalled;
        } else if phase.fresh {
            (phase.waiting_since, Expiry::Header(header_read))
        } else if let Some(started) = phase.head_started {
            (started, Expiry::Header(header_read))
        } else {
            (phase.waiting_since, Expiry::Idle(keep_alive_idle))
        };
        let after = match expiry {
            Expiry::Header(t) | Expiry::Idle(t) | Expiry::Write(t) => t,
        };
        let waiting = from.checked_add(after).map(|at| (at, expiry));
        match (waiting, stalled) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// A write found no room in the socket: the write timeout runs from the first such.
    fn write_blocked(&self) {
        let mut phase = self.phase();
        if phase.write_blocked_since.is_none() {
            phase.write_blocked_since = Some(Instant::now());
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// A write went through: the peer is reading.
    fn write_done(&self) {
        let mut phase = self.phase();
        if phase.write_blocked_since.take().is_some() {
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// Bytes arrived: with no request in flight, a request head has begun.
    fn bytes_read(&self) {
        let mut phase = self.phase();
        if phase.in_flight == 0 && phase.head_started.is_none() {
            phase.head_started = Some(Instant::now());
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// Resolves when the connection has passed its deadline; pending forever otherwise.
    async fn expired(&self) -> Expiry {
        loop {
            // `notify_one` keeps a permit when nobody waits, so a change between reading the
            // deadline and awaiting below is not lost.
            let changed = self.changed.notified();
            match self.deadline() {
                None => changed.await,
                Some((at, expiry)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {
                            if self.deadline().is_some_and(|(now_at, _)| now_at <= Instant::now()) {
                                return expiry;
                            }
                        }
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// One request in flight on a connection, from its complete head until its response body ends
/// or is dropped (or, with no response, until the service's future is dropped).
#[derive(Debug)]
pub(super) struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> Self {
        let mut phase = activity.phase();
        phase.in_flight += 1;
        phase.fresh = false;
        phase.head_started = None;
        drop(phase);
        activity.changed.notify_one();
        InFlight(Arc::clone(activity))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut phase = self.0.phase();
        phase.in_flight = phase.in_flight.saturating_sub(1);
        if phase.in_flight == 0 {
            phase.waiting_since = Instant::now();
            phase.head_started = None;
        }
        drop(phase);
        self.0.changed.notify_one();
    }
}

/// The connection's socket, telling its [`Activity`] when bytes arrive.
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.io).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.activity.bytes_read();
        }
        Poll::Ready(Ok(()))
    }
}

impl Watched {
    /// Tell the activity whether a write found room (the write timeout runs while none does).
    fn watch_write<T>(&self, polled: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match &polled {
            Poll::Pending => self.activity.write_blocked(),
            Poll::Ready(_) => self.activity.write_done(),
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch_write(polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watch_write(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeouts() -> Timeouts {
        Timeouts {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(30),
            keep_alive_idle: Duration::from_secs(60),
            write: Duration::from_secs(20),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_follow_the_phase() {
        let activity = Arc::new(Activity::new(timeouts()));
        let accepted = Instant::now();
        // Fresh: the first head is due within the header timeout of the accept, bytes or not.
        assert_eq!(
            activity.deadline(),
            Some((
                accepted + Duration::from_secs(10),
                Expiry::Header(Duration::from_secs(10))
            ))
        );
        tokio::time::advance(Duration::from_secs(3)).await;
        activity.bytes_read();
        assert_eq!(
            activity.deadline().map(|d| d.0),
            Some(accepted + Duration::from_secs(10))
        );

        // In flight (an open SSE stream, say): no deadline however long it lasts.
        let request = InFlight::start(&activity);
        tokio::time::advance(Duration::from_secs(600)).await;
        activity.bytes_read();
        assert_eq!(activity.deadline(), None);

        // Response ended: idle, with the keep-alive timeout.
        drop(request);
        let idle = Instant::now();
        assert_eq!(
            activity.deadline(),
            Some((
                idle + Duration::from_secs(60),
                Expiry::Idle(Duration::from_secs(60))
            ))
        );
        // A byte of the next request: its head is due within the header timeout of that byte.
        tokio::time::advance(Duration::from_secs(55)).await;
        activity.bytes_read();
        assert_eq!(
            activity.deadline(),
            Some((
                idle + Duration::from_secs(65),
                Expiry::Header(Duration::from_secs(10))
            ))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn expires_when_idle_and_not_while_a_request_is_in_flight() {
        let activity = Arc::new(Activity::new(timeouts()));
        let request = InFlight::start(&activity);
        let watchdog = tokio::spawn({
            let activity = Arc::clone(&activity);
            async move { activity.expired().await }
        });
        tokio::time::advance(Duration::from_secs(3600)).await;
        tokio::task::yield_now().await;
        assert!(
            !watchdog.is_finished(),
            "closed while a request was in flight"
        );
        let ended = Instant::now();
        drop(request);
        assert_eq!(
            watchdog.await.unwrap(),
            Expiry::Idle(Duration::from_secs(60))
        );
        assert_eq!(Instant::now() - ended, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_whose_writes_are_blocked_expires() {
        let activity = Arc::new(Activity::new(timeouts()));
        let request = InFlight::start(&activity);
        assert_eq!(activity.deadline(), None, "in flight, writes going through");
        let blocked = Instant::now();
        activity.write_blocked();
        tokio::time::advance(Duration::from_secs(5)).await;
        // Still blocked: the clock runs from the first blocked write, not the latest.
        activity.write_blocked();
        assert_eq!(
            activity.deadline(),
            Some((
                blocked + Duration::from_secs(20),
                Expiry::Write(Duration::from_secs(20))
            ))
        );
        // A write that goes through stops it; the next blocked one starts it afresh.
        activity.write_done();
        assert_eq!(activity.deadline(), None);
        activity.write_blocked();
        let again = Instant::now();
        let watchdog = tokio::spawn({
            let activity = Arc::clone(&activity);
            async move { activity.expired().await }
        });
        assert_eq!(
            watchdog.await.unwrap(),
            Expiry::Write(Duration::from_secs(20))
        );
        assert_eq!(Instant::now() - again, Duration::from_secs(20));
        drop(request);
    }

    #[test]
    fn an_unreachable_deadline_is_none() {
        let activity = Activity::new(Timeouts {
            header_read: Duration::MAX,
            ..timeouts()
        });
        assert_eq!(activity.deadline(), None);
    }
}
