//! Graceful shutdown of the accept loop (a rolling deploy's "stop this replica"): the signal, the
//! grace period, and the [`Draining`] mark every request carries so handlers can tell the
//! server is going (the health endpoint answers `503`, GET streams end with a `retry` hint).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The shutdown marks of the server that accepted a request. Inserted into every request's
/// extensions by the connection it came on ([`super::connection`]); absent when the router is
/// served some other way.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draining {
    /// Cancelled when the shutdown signal fires: the health endpoint answers `503` from then on.
    pub(crate) unready: CancellationToken,
    /// Cancelled when the listener closes ([`HttpConfig::shutdown_delay`](super::HttpConfig::shutdown_delay)
    /// after the signal): connections finish their requests and close, GET streams end.
    pub(crate) closing: CancellationToken,
}

impl Draining {
    /// True once the shutdown signal has fired.
    pub(crate) fn is_unready(&self) -> bool {
        self.unready.is_cancelled()
    }
}

/// The shutdown of one accept loop: when it starts, how long the listener stays open after, and
/// how long connections then get to finish.
pub(super) struct Shutdown {
    /// Resolves when shutdown starts (never, for a loop served until dropped).
    pub(super) signal: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// How long the listener keeps accepting (the health endpoint failing) after the signal.
    pub(super) delay: Duration,
    /// How long connections get to finish after the listener closed before they are closed.
    pub(super) grace: Duration,
    /// The marks every connection and request holds a clone of.
    pub(super) marks: Draining,
}

impl Shutdown {
    /// A shutdown that starts when `signal` resolves.
    pub(super) fn on(
        signal: impl Future<Output = ()> + Send + 'static,
        delay: Duration,
        grace: Duration,
    ) -> Self {
        Shutdown {
            signal: Box::pin(signal),
            delay,
            grace,
            marks: Draining::default(),
        }
    }

    /// No shutdown: the loop runs until its future is dropped.
    pub(super) fn never() -> Self {
        Shutdown::on(std::future::pending(), Duration::ZERO, Duration::ZERO)
    }
}

/// Resolves when the process is asked to stop: SIGTERM (what process managers, Kubernetes and
/// `docker stop` send) or ctrl-c (SIGINT); on other platforms than Unix, ctrl-c only. The
/// signal to hand [`Server::serve_http_with_shutdown`](crate::Server::serve_http_with_shutdown)
/// for rolling deploys.
///
/// If the signal handler cannot be installed (an error logged), that signal never resolves it.
///
/// ```no_run
/// # async fn run() -> Result<(), toolsmith::Error> {
/// use toolsmith::{shutdown_signal, HttpConfig, Server};
///
/// Server::new("replica", "1.0.0")
///     .serve_http_with_shutdown("127.0.0.1:8080", HttpConfig::default(), shutdown_signal())
///     .await
/// # }
/// ```
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}
