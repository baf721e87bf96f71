//! `notifications/roots/list_changed`: a client says its roots changed (handshake era).

use std::sync::Arc;

use crate::protocol::Implementation;

/// A client's notice that its roots changed (`notifications/roots/list_changed`). The server
/// keeps no roots of its own (each `ctx.list_roots()` asks the client afresh), so there is
/// nothing to invalidate; this lets the application drop what it derived from the old roots.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RootsChanged {
    /// The client that sent it, as it named itself in `initialize`.
    pub client: Option<Implementation>,
    /// The protocol revision of its session.
    pub protocol_version: String,
}

/// The callback [`Server::on_roots_changed`](super::Server::on_roots_changed) sets.
pub(crate) type OnRootsChanged = Arc<dyn Fn(RootsChanged) + Send + Sync>;
