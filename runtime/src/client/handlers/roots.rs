//! Roots: the server's `roots/list` requests and the handler that answers them.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::HandlerError;
use crate::jsonrpc::RequestId;
use crate::protocol::Implementation;
use crate::protocol::Root;

/// A `roots/list` request from the server, as a roots handler receives it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RootsRequest {
    /// The server's request id; in protocol 2026-07-28 the `inputRequests` key as a string id.
    pub id: RequestId,
    /// The server asking, when known.
    pub server: Option<Implementation>,
    /// Protocol 2026-07-28: the `inputRequests` key.
    pub input_key: Option<String>,
}

/// Answers the server's `roots/list` requests with the directories or files the client exposes.
///
/// Implemented for every async closure `|req: RootsRequest| async move { .. }` returning
/// `Result<Vec<Root>, HandlerError>`; for a fixed list use
/// [`ClientBuilder::roots`](crate::client::ClientBuilder::roots).
pub trait RootsHandler: Send + Sync + 'static {
    /// The roots to expose to this server.
    fn list_roots(
        &self,
        request: RootsRequest,
    ) -> impl Future<Output = Result<Vec<Root>, HandlerError>> + Send;
}

impl<F, Fut> RootsHandler for F
where
    F: Fn(RootsRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Root>, HandlerError>> + Send + 'static,
{
    fn list_roots(
        &self,
        request: RootsRequest,
    ) -> impl Future<Output = Result<Vec<Root>, HandlerError>> + Send {
        self(request)
    }
}

pub(crate) type DynRoots =
    Arc<dyn Fn(RootsRequest) -> BoxFuture<'static, Result<Vec<Root>, HandlerError>> + Send + Sync>;

pub(crate) fn erase_roots<H: RootsHandler>(handler: H) -> DynRoots {
    let handler = Arc::new(handler);
    Arc::new(move |request| {
        let handler = Arc::clone(&handler);
        Box::pin(async move { handler.list_roots(request).await })
    })
}
