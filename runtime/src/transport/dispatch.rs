//! The seam between a transport and the server above it: what a transport knows about a frame
//! besides its bytes ([`RequestFacts`]), and the narrow interface through which it hands frames
//! upward ([`Dispatch`], [`SessionDispatch`]), implemented by the server's dispatcher.
//!
//! Through this seam the transport learns nothing of MCP methods or of the registry: it asks the
//! dispatcher which era a frame belongs to and whether it opens a session, and hands it over.

use std::net::SocketAddr;

// What `Dispatch` and `SessionDispatch` (HTTP only) speak of.
#[cfg(feature = "http-server")]
use {
    super::{FrameReceiver, Limits, Outbox},
    crate::jsonrpc::{Message, Notification, Request, Response},
    crate::protocol::Era,
    futures::future::BoxFuture,
    std::sync::Arc,
};

/// The header fields of a request, as the dispatcher reads them (HTTP only). Implemented by the
/// HTTP transport over its header map, so nothing is copied and the layers above need no HTTP
/// library.
pub(crate) trait Headers: Send + Sync {
    /// The raw value of the field `name` (lowercase), if present.
    fn get(&self, name: &str) -> Option<&[u8]>;

    /// True when the field `name` (lowercase) is present.
    fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The value of the field `name` (lowercase) as text, if present and made of visible ASCII
    /// (and tabs) only, as a field value should be.
    fn get_str(&self, name: &str) -> Option<&str> {
        let raw = self.get(name)?;
        if raw.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)) {
            std::str::from_utf8(raw).ok()
        } else {
            None
        }
    }
}

/// What the transport knows about one incoming frame besides its content.
///
/// Stdio knows nothing more (`RequestFacts::default()`). HTTP adds the request's header fields
/// and, when served with connection info, the peer's address. The caller established by an
/// authentication layer belongs here too when one is added, so that handlers, middleware and the
/// `requestState` seal can see it.
#[derive(Default)]
pub(crate) struct RequestFacts {
    /// The request's header fields (HTTP); `None` on transports without headers.
    pub headers: Option<Box<dyn Headers>>,
    /// The peer's network address, when the transport knows it.
    pub peer_addr: Option<SocketAddr>,
}

/// The request's header fields, none off HTTP.
impl Headers for RequestFacts {
    fn get(&self, name: &str) -> Option<&[u8]> {
        self.headers.as_deref()?.get(name)
    }
}

impl std::fmt::Debug for RequestFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestFacts")
            .field("headers", &self.headers.as_ref().map(|_| ".."))
            .field("peer_addr", &self.peer_addr)
            .finish()
    }
}

/// What a transport serving many independent requests (HTTP) hands frames to. Implemented by the
/// server's dispatcher; the transport keeps the sessions it is given, by its own ids.
#[cfg(feature = "http-server")]
pub(crate) trait Dispatch: Send + Sync + 'static {
    /// The limits the transport enforces (message size, output queue).
    fn limits(&self) -> &Limits;

    /// The era `message` belongs to, given its transport facts. The one place the era is
    /// decided; everything after follows it.
    fn era(&self, message: &Message, facts: &RequestFacts) -> Era;

    /// True when `message` (of the handshake era) starts a new session.
    fn opens_session(&self, message: &Message) -> bool;

    /// A new handshake-era session, and the queue of its messages that belong to no request
    /// (list changes, resource updates).
    fn open_session(&self) -> (Arc<dyn SessionDispatch>, FrameReceiver);

    /// Serve one stateless-era request outside any session: its messages and its response go to
    /// `sink`. The returned future ends when the response is sent (or, for a stream the client
    /// listens on, when it ends); dropping it cancels the request.
    fn serve_stateless(
        &self,
        request: Request,
        facts: RequestFacts,
        sink: Outbox,
    ) -> BoxFuture<'static, ()>;
}

/// One handshake-era session as a transport sees it.
#[cfg(feature = "http-server")]
pub(crate) trait SessionDispatch: Send + Sync + 'static {
    /// Serve `request` of era `era` in this session; its messages and its response go to `sink`.
    /// Resolves once the request is admitted (the session's and the server's concurrency limits),
    /// before it is served.
    fn request(
        self: Arc<Self>,
        request: Request,
        era: Era,
        facts: RequestFacts,
        sink: Outbox,
    ) -> BoxFuture<'static, ()>;

    /// A notification from the client.
    fn notification(&self, notification: Notification);

    /// A response from the client to a request of the server.
    fn response(&self, response: Response);

    /// True once the session's opening request succeeded.
    fn is_open(&self) -> bool;

    /// True while requests are being served (an idle session is not expired then).
    fn is_busy(&self) -> bool;

    /// End the session: running requests get the shutdown grace to finish.
    fn close(self: Arc<Self>) -> BoxFuture<'static, ()>;
}
