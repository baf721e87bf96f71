//! The narrow interface through which a transport serving many independent requests (HTTP)
//! hands frames and their [`RequestFacts`] upward ([`Dispatch`], [`SessionDispatch`]),
//! implemented by the server's dispatcher. (Byte-stream transports use [`Endpoint`](super::Endpoint).)
//!
//! Through this seam the transport learns nothing of MCP methods or of the registry: it asks the
//! dispatcher which era a frame belongs to and whether it opens a session, and hands it over.

use std::sync::Arc;

use futures::future::BoxFuture;

use super::{FrameReceiver, Limits, Outbox, RequestFacts};
use crate::jsonrpc::{Answer, Message, Notification, Request, Response};
use crate::protocol::Era;

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

    /// A success response from the client, its result as the frame's text (by default read
    /// into a value and handed to [`SessionDispatch::response`]).
    fn answer(&self, answer: Answer) {
        self.response(answer.into_response())
    }

    /// True once the session's opening request succeeded.
    fn is_open(&self) -> bool;

    /// True while requests are being served (an idle session is not expired then).
    fn is_busy(&self) -> bool;

    /// The session's facts for a store; `None` before its opening request succeeded.
    fn facts(&self) -> Option<crate::transport::http::SessionFacts>;

    /// How many times the facts changed (the transport writes them to its store when this
    /// moves); restoring does not count.
    fn changes(&self) -> u64;

    /// Take on `facts` from a store: a session opened elsewhere, revived here (its opening
    /// request is then not expected), or its level and subscriptions as changed elsewhere.
    fn restore(&self, facts: crate::transport::http::SessionFacts);

    /// End the session: running requests get the shutdown grace to finish.
    fn close(self: Arc<Self>) -> BoxFuture<'static, ()>;
}
