//! The server's stdio.
//!
//! tokio's `Stdin` and `Stdout` run each read and each write on the blocking pool and hand the
//! result back to a task, so a message crosses threads twice on its way in and twice on its
//! way out. Instead:
//! - when stdin and stdout are pipes or sockets (the usual case: a client spawned us), they are
//!   made non-blocking and served by the runtime's reactor (`stdio_pipe.rs`), so a request is
//!   read, handled and answered on one worker thread;
//! - otherwise (a terminal, a file) one thread blocks in `read` and hands each frame straight to
//!   the endpoint (which spawns its handler on the runtime), and one thread waits on the
//!   outgoing queue and writes: one wake-up to get in and one to get out.

use std::io::{Read, Write};
use std::sync::Arc;

use bytes::BytesMut;
use tokio::sync::oneshot;
use tokio_util::codec::Decoder;
use tokio_util::sync::CancellationToken;

use super::lines::{decode_frame, outcome, warn_unflushed, LineCodec, FINAL_FLUSH};
use super::{Endpoint, FrameReceiver};

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
                return super::serve_lines(input, output, endpoint, outbox, max_message_bytes)
                    .await;
            }
            (input, output) => {
                let why = input.err().or(output.err()).map(|e| e.to_string());
                tracing::debug!(why, "stdio: reader and writer threads");
            }
        }
    }
    serve_with_threads(endpoint, outbox, max_message_bytes).await
}

/// Stdin read and stdout written by two dedicated threads.
async fn serve_with_threads<E: Endpoint>(
    endpoint: Arc<E>,
    outbox: FrameReceiver,
    max_message_bytes: usize,
) -> std::io::Result<()> {
    let finish = CancellationToken::new();
    let (written_tx, written) = oneshot::channel();
    let writer_finish = finish.clone();
    std::thread::Builder::new()
        .name("toolsmith-stdout".to_owned())
        .spawn(move || {
            let result = write_frames(std::io::stdout().lock(), outbox, writer_finish);
            let _ = written_tx.send(result);
        })?;

    let (read_tx, read) = oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    let reader_endpoint = Arc::clone(&endpoint);
    std::thread::Builder::new()
        .name("toolsmith-stdin".to_owned())
        .spawn(move || {
            // Handlers are spawned from this thread.
            let _entered = runtime.enter();
            let result = read_frames(std::io::stdin().lock(), &reader_endpoint, max_message_bytes);
            drop(reader_endpoint);
            let _ = read_tx.send(result);
        })?;

    let read = read
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("the stdin reader thread panicked")));
    endpoint.on_close().await;
    finish.cancel();
    let written = match tokio::time::timeout(FINAL_FLUSH, written).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(std::io::Error::other("the stdout writer thread panicked")),
        Err(_) => {
            // The thread stays blocked in `write` until the process exits.
            warn_unflushed();
            Ok(())
        }
    };
    outcome(read, written)
}

/// The reader thread: split `input` into frames and deliver each, waiting (blocking this thread
/// only) while the endpoint applies back-pressure.
fn read_frames<E: Endpoint>(
    mut input: impl Read,
    endpoint: &Arc<E>,
    max_message_bytes: usize,
) -> std::io::Result<()> {
    let mut codec = LineCodec::new(max_message_bytes);
    let mut buf = BytesMut::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let deliver = |frame| match decode_frame(frame, max_message_bytes) {
        Ok(message) => {
            futures::executor::block_on(endpoint.admit(&message));
            endpoint.on_message(message);
        }
        Err(e) => endpoint.on_frame_error(e),
    };
    loop {
        let n = match input.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            while let Some(frame) = codec.decode_eof(&mut buf)? {
                deliver(frame);
            }
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(frame) = codec.decode(&mut buf)? {
            deliver(frame);
        }
    }
}

/// The writer thread: write each queued frame and a newline, batching what is already queued
/// into one flush; once `finish` fires, write what is left and stop.
fn write_frames(
    output: impl Write,
    mut outbox: FrameReceiver,
    finish: CancellationToken,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, output);
    futures::executor::block_on(async {
        loop {
            let frame = tokio::select! {
                biased;
                f = outbox.recv() => f,
                _ = finish.cancelled() => {
                    outbox.close();
                    outbox.recv().await
                }
            };
            let Some(frame) = frame else { break };
            write_line(&mut out, &frame)?;
            while let Some(more) = outbox.try_recv() {
                write_line(&mut out, &more)?;
            }
            out.flush()?;
        }
        out.flush()
    })
}

fn write_line(out: &mut impl Write, frame: &str) -> std::io::Result<()> {
    out.write_all(frame.as_bytes())?;
    out.write_all(b"\n")
}
