//! A proxy: a remote MCP server, reached with this crate's [`Client`] (stdio or HTTP, either
//! era), exposed through a local [`Server`]. The remote server's sampling and elicitation
//! requests are forwarded to the local server's client through the [`Context`](crate::Context)
//! of the call that caused them, and answered there.
//!
//! ```no_run
//! use toolsmith::prelude::*;
//! use toolsmith::proxy::Proxy;
//! use toolsmith::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let proxy = Proxy::new();
//! // The client gets the proxy's sampling and elicitation handlers before it connects.
//! let remote = proxy
//!     .client(Client::builder("proxy", "1.0.0"))
//!     .connect_stdio(tokio::process::Command::new("remote-server"))
//!     .await?;
//! let server = proxy.expose(Server::new("front", "1.0.0"), remote).await?;
//! server.serve_stdio().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Which call a request belongs to: in protocol 2026-07-28 the remote server's requests come
//! inside the call's own `input_required` result, so they are answered through exactly that
//! call's `Context`. In the handshake era (2025-11-25) a server-to-client request carries no
//! link to the call it serves; the proxy forwards it through the one proxied call in flight,
//! and refuses it with a clear error when several are (the remote server sees a failed
//! sample or elicitation).
//!
//! The remote call's progress notifications are reported to the local client as the local
//! call's progress (when it asked for progress).
//!
//! What the remote server offers is listed by [`Proxy::expose`], and listed again when it
//! changes (its `list_changed` notifications: unasked in the handshake era, on a
//! `subscriptions/listen` stream the proxy opens in 2026-07-28): the local server then adds,
//! replaces and removes its forwarding handlers, and its own clients hear `list_changed`.
//!
//! When the local client speaks 2026-07-28, a handler may run once per round of its request, so a remote call that asks for input is sent again in each round (with
//! the answers so far given back by the local client).

mod expose;
mod follow;
mod forward;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::client::{ClientBuilder, ElicitationRequest, HandlerError, Progress, SamplingError};
use crate::protocol::{CreateMessageParams, CreateMessageResult, ElicitResult};
#[cfg(doc)]
use crate::{Client, Server};

/// A remote server's request, waiting for the call that caused it to answer it.
pub(crate) enum Forward {
    /// `sampling/createMessage`.
    Sample(
        CreateMessageParams,
        tokio::sync::oneshot::Sender<Result<CreateMessageResult, SamplingError>>,
    ),
    /// `elicitation/create`.
    Elicit(
        ElicitationRequest,
        tokio::sync::oneshot::Sender<Result<ElicitResult, HandlerError>>,
    ),
    /// `notifications/progress` of the remote call, reported to the local client.
    Progress(Progress),
}

/// The proxied calls in flight, by a number of the proxy's own.
#[derive(Default)]
struct Calls {
    next: u64,
    open: HashMap<u64, mpsc::UnboundedSender<Forward>>,
}

/// Exposes a remote MCP server through a local [`Server`], forwarding the remote server's
/// sampling and elicitation requests to the local client (see the [module docs](self)).
#[derive(Clone, Default)]
pub struct Proxy {
    calls: Arc<Mutex<Calls>>,
    changes: Arc<follow::Changes>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").finish_non_exhaustive()
    }
}

tokio::task_local! {
    /// The proxied call being made on this task (protocol 2026-07-28: the client answers the
    /// remote server's input requests within the call's own future).
    static CURRENT: mpsc::UnboundedSender<Forward>;
}

impl Proxy {
    /// A proxy with no calls in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// Give `builder` the proxy's sampling and elicitation handlers (declaring both
    /// capabilities to the remote server) and its notification callback (the remote server's
    /// list changes, which the local server follows; don't replace it): connect it, then hand
    /// the client to [`Proxy::expose`].
    pub fn client(&self, builder: ClientBuilder) -> ClientBuilder {
        let (sampling, elicitation) = (self.clone(), self.clone());
        let changes = self.changes.sender.clone();
        builder
            .on_notification(move |notification| {
                let _ = changes.send(notification);
            })
            .sampling_handler(move |request: crate::client::SamplingRequest| {
                let route = sampling.route();
                async move {
                    let route = route.map_err(SamplingError::rejected)?;
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    route
                        .send(Forward::Sample(request.params, tx))
                        .map_err(|_| SamplingError::internal("the proxied call has ended"))?;
                    rx.await
                        .map_err(|_| SamplingError::internal("the proxied call has ended"))?
                }
            })
            .elicitation_handler(move |request: ElicitationRequest| {
                let route = elicitation.route();
                async move {
                    let route = route.map_err(HandlerError::rejected)?;
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    route
                        .send(Forward::Elicit(request, tx))
                        .map_err(|_| HandlerError::internal("the proxied call has ended"))?;
                    rx.await
                        .map_err(|_| HandlerError::internal("the proxied call has ended"))?
                }
            })
    }

    /// The call a remote request belongs to: the one being made on this task, or else the one
    /// call in flight.
    fn route(&self) -> Result<mpsc::UnboundedSender<Forward>, String> {
        if let Ok(current) = CURRENT.try_with(Clone::clone) {
            return Ok(current);
        }
        let calls = self.calls.lock().expect("proxy calls lock");
        let mut open = calls.open.values();
        match (open.next(), open.next()) {
            (Some(only), None) => Ok(only.clone()),
            (None, _) => Err("the proxy has no call in flight to forward this request to".into()),
            (Some(_), Some(_)) => Err(format!(
                "the proxy cannot tell which of its {} calls in flight this request belongs to \
                 (protocol 2025-11-25 links none; use 2026-07-28 between the proxy and the remote \
                 server)",
                calls.open.len()
            )),
        }
    }

    /// Register a call in flight; it is forgotten when the guard drops.
    fn open(&self) -> (CallGuard, mpsc::UnboundedReceiver<Forward>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut calls = self.calls.lock().expect("proxy calls lock");
        let id = calls.next;
        calls.next += 1;
        calls.open.insert(id, tx.clone());
        (
            CallGuard {
                proxy: self.clone(),
                id,
                sender: tx,
            },
            rx,
        )
    }
}

/// A proxied call in flight: its route, removed from the proxy's table on drop.
struct CallGuard {
    proxy: Proxy,
    id: u64,
    sender: mpsc::UnboundedSender<Forward>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if let Ok(mut calls) = self.proxy.calls.lock() {
            calls.open.remove(&self.id);
        }
    }
}
