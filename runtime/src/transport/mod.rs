//! Transports move frames; they know nothing of MCP methods.

pub mod http;
mod lines;
mod queue;
mod stdio;
#[cfg(unix)]
mod stdio_pipe;

pub(crate) use lines::serve_lines;
pub(crate) use queue::{frame_queue, FrameReceiver, FrameSender};
pub(crate) use stdio::serve_stdio;

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::jsonrpc::{FrameError, Message};

/// The protocol side of a connection (a server session or a client), fed by a transport.
pub(crate) trait Endpoint: Send + Sync + 'static {
    /// A well-formed message arrived.
    fn on_message(self: &Arc<Self>, message: Message);
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
