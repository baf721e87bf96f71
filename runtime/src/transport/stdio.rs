//! The server's stdio.
//!
//! When stdin and stdout are pipes or sockets (the usual case: a client spawned us), they are
//! made non-blocking and served by the runtime's reactor (`stdio_pipe.rs`), so a request is
//! read, handled and answered on one worker thread. Anything else (a terminal, a regular file,
//! or a platform without that path) is served through tokio's `Stdin`/`Stdout`, which run each
//! read and write on the blocking pool.

use std::sync::Arc;

use super::{serve_lines, Endpoint, FrameReceiver};

/// Read frames from this process's stdin into `endpoint` and write what it queues to stdout,
/// until stdin ends and the endpoint has finished.
pub(crate) async fn serve_stdio<E: Endpoint>(
    endpoint: Arc<E>,
    outbox: FrameReceiver,
    max_message_bytes: usize,
) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use super::stdio_pipe::Pipe;
        match (Pipe::stdin(), Pipe::stdout()) {
            (Ok(input), Ok(output)) => {
                tracing::debug!("stdio: non-blocking pipes on the reactor");
                return serve_lines(input, output, endpoint, outbox, max_message_bytes).await;
            }
            (input, output) => {
                let why = input.err().or(output.err()).map(|e| e.to_string());
                tracing::debug!(why, "stdio: tokio's blocking-pool stdin and stdout");
            }
        }
    }
    serve_lines(
        tokio::io::stdin(),
        tokio::io::stdout(),
        endpoint,
        outbox,
        max_message_bytes,
    )
    .await
}
