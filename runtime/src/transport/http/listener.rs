//! The accept loop of the HTTP transport: connection caps (in total and per peer IP address),
//! `TCP_NODELAY`, one task per connection ([`super::connection`]), graceful shutdown
//! ([`super::shutdown`]), and the public [`HttpConfig::serve_router`] and
//! [`HttpConfig::serve_router_with_shutdown`] for routers served by toolsmith's loop.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::connection::{self, Timeouts};
use super::shutdown::Shutdown;
use super::HttpConfig;

/// How long the loop pauses after an accept error that is not about one connection (e.g.
/// `EMFILE`, out of file descriptors), so it does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

impl HttpConfig {
    /// Serve `router` on `listener` with this configuration's connection settings (header, body
    /// and keep-alive idle timeouts, connection caps; see [`HttpConfig::header_read_timeout`]),
    /// HTTP/1.1, `TCP_NODELAY` on, each request carrying
    /// [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo). For a router from
    /// [`Server::into_http_router`](crate::Server::into_http_router), alone or merged into an
    /// application.
    ///
    /// The returned future runs until it is dropped, which closes the listener and every
    /// connection it accepted; it borrows nothing, so it can be spawned. Errors accepting a
    /// connection are logged and never end it.
    pub fn serve_router(
        &self,
        listener: TcpListener,
        router: Router,
    ) -> impl Future<Output = ()> + Send + 'static {
        self.accept_loop(listener, router, Shutdown::never())
    }

    /// [`HttpConfig::serve_router`] until `signal` resolves, then a graceful shutdown: the
    /// health endpoint ([`HttpConfig::health_path`]) answers `503` at once; after
    /// [`HttpConfig::shutdown_delay`] (default none) the listener is closed (new connections are
    /// refused), idle connections are closed, requests in flight are finished (each connection
    /// closes after its response), and GET SSE streams end with a `retry` hint so clients
    /// reconnect (to another replica, behind a balancer). Whatever has not finished within
    /// [`HttpConfig::shutdown_grace`] of the listener's closing is closed; then the future ends.
    ///
    /// `signal` is any future: [`shutdown_signal`](crate::shutdown_signal) (SIGTERM or ctrl-c),
    /// a channel, a [`CancellationToken`](tokio_util::sync::CancellationToken)'s `cancelled()`.
    pub fn serve_router_with_shutdown(
        &self,
        listener: TcpListener,
        router: Router,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = ()> + Send + 'static {
        let shutdown = Shutdown::on(signal, self.shutdown_delay, self.shutdown_grace);
        self.accept_loop(listener, router, shutdown)
    }

    fn accept_loop(
        &self,
        listener: TcpListener,
        router: Router,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send + 'static {
        let caps = Arc::new(Caps {
            max_total: self.max_connections,
            max_per_peer: self.max_connections_per_peer,
            counts: Mutex::default(),
        });
        let timeouts = Timeouts {
            header_read: self.header_read_timeout,
            body_read: self.body_read_timeout,
            keep_alive_idle: self.keep_alive_idle_timeout,
            write: self.write_timeout,
        };
        accept_loop(listener, router, caps, timeouts, shutdown)
    }
}

/// Where connections come from: a [`TcpListener`] (in tests, one that fails first).
trait Accept {
    fn accept(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send;
}

impl Accept for TcpListener {
    fn accept(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send {
        TcpListener::accept(self)
    }
}

/// Accept connections on `listener`, each served by its own task, until dropped or until the
/// shutdown's signal; then close the listener and give the connections the grace period.
async fn accept_loop(
    listener: impl Accept,
    router: Router,
    caps: Arc<Caps>,
    timeouts: Timeouts,
    shutdown: Shutdown,
) {
    let Shutdown {
        mut signal,
        delay,
        grace,
        marks,
    } = shutdown;
    let mut closing_at = None;
    // Owned here: dropping this future aborts (and so closes) every connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = &mut signal, if closing_at.is_none() => {
                // Unready at once (the balancer stops sending), still accepting for `delay`.
                marks.unready.cancel();
                tracing::info!(?delay, "shutdown signal: health now fails; closing the listener after the delay");
                closing_at = Some(tokio::time::Instant::now() + delay);
            }
            () = sleep_until_some(closing_at) => break,
            Some(ended) = connections.join_next() => {
                if let Err(e) = ended {
                    if e.is_panic() {
                        tracing::error!(error = %e, "an HTTP connection task panicked");
                    }
                }
            }
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) if about_one_connection(&e) => {
                        tracing::debug!(error = %e, "accepting a connection failed");
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed; retrying in {ACCEPT_BACKOFF:?}");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                };
                let admitted = match Caps::admit(&caps, peer.ip()) {
                    Ok(admitted) => admitted,
                    Err(refusal) => {
                        tracing::debug!(%peer, "refusing connection: {refusal}");
                        drop(stream);
                        continue;
                    }
                };
                // Small request/response frames: don't let Nagle hold them back.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(%peer, error = %e, "could not set TCP_NODELAY");
                }
                let router = router.clone();
                let marks = marks.clone();
                connections.spawn(async move {
                    let _admitted = admitted;
                    connection::serve(stream, peer, router, timeouts, marks).await;
                });
            }
        }
    }
    // Refuse new connections from now on, and tell the open ones (and their requests).
    drop(listener);
    marks.closing.cancel();
    let open = connections.len();
    tracing::info!(
        open,
        ?grace,
        "shutting down: finishing the requests in flight"
    );
    let finished = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            left = connections.len(),
            ?grace,
            "shutdown grace period over: closing the connections still open"
        );
        connections.shutdown().await;
    }
}

/// Sleeps until `at`; pending forever when `None`.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Accept errors that concern only the connection being accepted (the loop goes on at once).
fn about_one_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// The connection caps and the counts they hold against.
#[derive(Debug)]
struct Caps {
    max_total: usize,
    max_per_peer: usize,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    /// Open connections per peer address; an address leaves the map with its last connection.
    per_peer: HashMap<IpAddr, usize>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// `max_connections` are open.
    Total(usize),
    /// `max_connections_per_peer` are open from this address.
    Peer(usize),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Total(n) => write!(f, "{n} connections are open (max_connections)"),
            Refusal::Peer(n) => write!(
                f,
                "{n} connections are open from this address (max_connections_per_peer)"
            ),
        }
    }
}

impl Caps {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // Nothing panics while holding it; the counts stay consistent.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Count a connection from `peer`, or refuse it when a cap is reached.
    fn admit(caps: &Arc<Caps>, peer: IpAddr) -> Result<Admitted, Refusal> {
        // An IPv4 client of a dual-stack listener arrives as `::ffff:a.b.c.d`: one address.
        let peer = peer.to_canonical();
        let mut counts = caps.counts();
        if counts.total >= caps.max_total {
            return Err(Refusal::Total(counts.total));
        }
        let from_peer = counts.per_peer.entry(peer).or_insert(0);
        if *from_peer >= caps.max_per_peer {
            return Err(Refusal::Peer(*from_peer));
        }
        *from_peer += 1;
        counts.total += 1;
        Ok(Admitted {
            caps: Arc::clone(caps),
            peer,
        })
    }
}

/// A counted connection; dropping it (the connection ended) frees its place.
#[derive(Debug)]
struct Admitted {
    caps: Arc<Caps>,
    peer: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.caps.counts();
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_peer.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                counts.per_peer.remove(&self.peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A listener out of file descriptors for its first `failures` accepts.
    struct Exhausted {
        listener: TcpListener,
        failures: Arc<AtomicUsize>,
    }

    impl Accept for Exhausted {
        fn accept(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send {
            let fail = self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            async move {
                if fail {
                    return Err(io::Error::other("Too many open files (os error 24)"));
                }
                self.listener.accept().await
            }
        }
    }

    #[tokio::test]
    async fn accept_errors_do_not_end_serving() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let failures = Arc::new(AtomicUsize::new(3));
        let exhausted = Exhausted {
            listener,
            failures: Arc::clone(&failures),
        };
        let timeouts = Timeouts {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            keep_alive_idle: Duration::from_secs(10),
            write: Duration::from_secs(10),
        };
        let serving = tokio::spawn(accept_loop(
            exhausted,
            Router::new(),
            caps(10, 10),
            timeouts,
            Shutdown::never(),
        ));
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0u8; 12];
        tokio::time::timeout(Duration::from_secs(10), client.read_exact(&mut answer))
            .await
            .expect("not served within 10 s")
            .unwrap();
        assert_eq!(&answer, b"HTTP/1.1 404");
        assert_eq!(failures.load(Ordering::SeqCst), 0, "every failure was met");
        assert!(!serving.is_finished());
        serving.abort();
    }

    fn caps(max_total: usize, max_per_peer: usize) -> Arc<Caps> {
        Arc::new(Caps {
            max_total,
            max_per_peer,
            counts: Mutex::default(),
        })
    }

    #[test]
    fn caps_hold_in_total_and_per_peer_and_free_on_drop() {
        let caps = caps(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = Caps::admit(&caps, a).unwrap();
        let _a2 = Caps::admit(&caps, a).unwrap();
        assert_eq!(Caps::admit(&caps, a).unwrap_err(), Refusal::Peer(2));
        let _b1 = Caps::admit(&caps, b).unwrap();
        assert_eq!(Caps::admit(&caps, b).unwrap_err(), Refusal::Total(3));
        drop(a1);
        let _a3 = Caps::admit(&caps, a).unwrap();
        assert_eq!(caps.counts().total, 3);
    }

    #[test]
    fn an_address_leaves_the_map_with_its_last_connection() {
        let caps = caps(10, 10);
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let plain: IpAddr = "10.0.0.1".parse().unwrap();
        let one = Caps::admit(&caps, mapped).unwrap();
        let two = Caps::admit(&caps, plain).unwrap();
        assert_eq!(caps.counts().per_peer.get(&plain), Some(&2));
        drop((one, two));
        assert!(caps.counts().per_peer.is_empty());
        assert_eq!(caps.counts().total, 0);
    }
}
