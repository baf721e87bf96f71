//! Transports move bytes and frames; they know nothing of MCP methods and never read the
//! registry. Below them are only `jsonrpc` and `protocol`; above them, the server's dispatcher
//! implements [`Dispatch`] (HTTP) or [`Endpoint`] (byte streams), through which frames go up.

#[cfg(feature = "http-server")]
mod dispatch;
#[cfg(feature = "server")]
mod facts;
#[cfg(feature = "http-server")]
pub mod http;
#[cfg(feature = "server")]
mod limits;
mod lines;
#[cfg(feature = "server")]
mod outbox;
mod queue;
#[cfg(feature = "server")]
mod relay;
#[cfg(feature = "stdio")]
mod stdio;
#[cfg(all(unix, feature = "stdio"))]
mod stdio_pipe;

#[cfg(feature = "http-server")]
pub(crate) use dispatch::{Dispatch, SessionDispatch};
#[cfg(feature = "server")]
pub use facts::CallerKey;
#[cfg(feature = "server")]
pub(crate) use facts::{Headers, RequestFacts};
#[cfg(feature = "server")]
pub use limits::Limits;
pub(crate) use lines::serve_lines;
#[cfg(feature = "server")]
pub(crate) use outbox::Outbox;
pub(crate) use queue::{frame_queue, FrameReceiver, FrameSender};
#[cfg(feature = "server")]
pub(crate) use relay::Relay;
#[cfg(feature = "stdio")]
pub(crate) use stdio::serve_stdio;

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::jsonrpc::{Answer, FrameError, Message};

/// Run a connection's loop as a task of the runtime and wait for it.
///
/// `serve_stdio().await` usually runs in `main`'s `block_on`, which on a multi-thread runtime is
/// not a worker: a read loop polled there makes every incoming message wake the main thread and
/// every handler it spawns wake a worker. As a task, the loop runs on a worker, and the reader,
/// the handlers it spawns and the writer they wake stay on that worker's queue. Dropping the
/// returned future aborts the task.
#[cfg(feature = "server")]
pub(crate) async fn on_worker<F>(connection: F) -> std::io::Result<()>
where
    F: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
{
    let task = tokio::spawn(connection);
    let _abort = AbortOnDrop(task.abort_handle());
    match task.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(std::io::Error::other(e)),
    }
}

/// Aborts a task when dropped: the task lives only as long as what waits for it.
#[cfg(feature = "server")]
pub(crate) struct AbortOnDrop(pub tokio::task::AbortHandle);

#[cfg(feature = "server")]
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The protocol side of a connection (a server session or a client), fed by a transport.
pub(crate) trait Endpoint: Send + Sync + 'static {
    /// A well-formed message arrived.
    fn on_message(self: &Arc<Self>, message: Message);
    /// A success response arrived, its result as the frame's text. By default it is read into
    /// a value and handed to [`Endpoint::on_message`]; an endpoint that decodes results straight
    /// from text takes it as it is.
    fn on_answer(self: &Arc<Self>, answer: Answer) {
        self.on_message(Message::Response(answer.into_response()))
    }
    /// A frame could not be read as a message.
    fn on_frame_error(&self, error: FrameError);
    /// The input ended; resolves when the endpoint has finished its work.
    fn on_close(self: Arc<Self>) -> BoxFuture<'static, ()>;

    /// Called before `on_message`; the transport stops reading until it resolves (back-pressure
    /// when the endpoint is at its concurrency limit, or its peer is not reading its output).
    fn admit<'a>(&'a self, _message: &'a Message) -> BoxFuture<'a, ()> {
        Box::pin(std::future::ready(()))
    }
}
