//! Newline-delimited JSON-RPC over a byte stream pair (stdio, a child process's pipes, a socket).

use std::sync::Arc;

use bytes::{Buf, BytesMut};
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio_util::codec::{Decoder, FramedRead};
use tokio_util::sync::CancellationToken;

use super::{Endpoint, FrameReceiver};
use crate::jsonrpc::{codes, read_frame, ErrorObject, FrameError, Incoming};

/// One line of input, or the news that a line was too long (it was skipped, never buffered whole).
#[derive(Debug, PartialEq)]
pub(crate) enum Frame {
    Line(BytesMut),
    TooLong,
}

/// Splits input on `\n` (a trailing `\r` is dropped), skipping blank lines, with a length limit.
pub(crate) struct LineCodec {
    max: usize,
    scanned: usize,
    discarding: bool,
}

impl LineCodec {
    pub(crate) fn new(max: usize) -> Self {
        LineCodec {
            max,
            scanned: 0,
            discarding: false,
        }
    }
}

impl Decoder for LineCodec {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        loop {
            match memchr::memchr(b'\n', &buf[self.scanned..]) {
                Some(pos) => {
                    let end = self.scanned + pos;
                    self.scanned = 0;
                    if self.discarding || end > self.max {
                        self.discarding = false;
                        buf.advance(end + 1);
                        return Ok(Some(Frame::TooLong));
                    }
                    let mut line = buf.split_to(end + 1);
                    line.truncate(end);
                    if line.last() == Some(&b'\r') {
                        line.truncate(end - 1);
                    }
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Ok(Some(Frame::Line(line)));
                }
                None if buf.len() > self.max => {
                    // Too long already: drop what we have and everything up to the next newline.
                    self.discarding = true;
                    buf.clear();
                    self.scanned = 0;
                    return Ok(None);
                }
                None => {
                    self.scanned = buf.len();
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        self.scanned = 0;
        if self.discarding {
            self.discarding = false;
            buf.clear();
            return Ok(Some(Frame::TooLong));
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            buf.clear();
            return Ok(None);
        }
        Ok(Some(Frame::Line(buf.split())))
    }
}

/// One frame of input as a message (a success response keeping its result as text), or the
/// error to answer it with.
fn decode_frame(frame: Frame, max_message_bytes: usize) -> Result<Incoming, FrameError> {
    match frame {
        Frame::Line(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => read_frame(text),
            Err(e) => Err(FrameError {
                id: None,
                error: ErrorObject::new(
                    codes::PARSE_ERROR,
                    format!("parse error: the message is not valid UTF-8 ({e})"),
                ),
            }),
        },
        Frame::TooLong => Err(FrameError {
            id: None,
            error: ErrorObject::new(
                codes::INVALID_REQUEST,
                format!("message too large: the limit is {max_message_bytes} bytes"),
            ),
        }),
    }
}

/// How long the final flush may take once the input has ended.
const FINAL_FLUSH: std::time::Duration = std::time::Duration::from_secs(10);

/// Read frames into `endpoint` and write what it queues, until the input ends and the endpoint
/// has finished.
pub(crate) async fn serve_lines<R, W, E>(
    reader: R,
    writer: W,
    endpoint: Arc<E>,
    mut outbox: FrameReceiver,
    max_message_bytes: usize,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
    E: Endpoint,
{
    let finish = CancellationToken::new();
    let writer_finish = finish.clone();
    let writer_task = tokio::spawn(async move {
        let mut out = BufWriter::new(writer);
        loop {
            let frame = tokio::select! {
                biased;
                f = outbox.recv() => f,
                _ = writer_finish.cancelled() => {
                    outbox.close();
                    outbox.recv().await
                }
            };
            let Some(frame) = frame else { break };
            out.write_all(frame.as_bytes()).await?;
            out.write_all(b"\n").await?;
            // Batch what is already queued, then flush.
            while let Some(more) = outbox.try_recv() {
                out.write_all(more.as_bytes()).await?;
                out.write_all(b"\n").await?;
            }
            out.flush().await?;
        }
        out.flush().await?;
        out.shutdown().await.ok();
        Ok::<_, std::io::Error>(())
    });

    let mut frames = FramedRead::new(reader, LineCodec::new(max_message_bytes));
    let mut read_error = None;
    while let Some(frame) = frames.next().await {
        match frame {
            Ok(frame) => {
                match decode_frame(frame, max_message_bytes) {
                    Ok(Incoming::Message(message)) => {
                        endpoint.admit(&message).await;
                        endpoint.on_message(message)
                    }
                    Ok(Incoming::Answer(answer)) => endpoint.on_answer(answer),
                    Err(e) => endpoint.on_frame_error(e),
                }
                // Nothing more buffered: let what this message started (a handler, the writer
                // it wakes) run before the next read, which usually finds nothing yet and would
                // only delay the answer.
                if frames.read_buffer().is_empty() {
                    tokio::task::yield_now().await;
                }
            }
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
    }
    endpoint.on_close().await;
    finish.cancel();
    // What is queued still goes out, but a peer that stopped reading cannot hold the end of the
    // connection forever.
    let mut writer_task = writer_task;
    let written = match tokio::time::timeout(FINAL_FLUSH, &mut writer_task).await {
        Ok(joined) => joined.map_err(std::io::Error::other)?,
        Err(_) => {
            writer_task.abort();
            tracing::warn!(
                "the peer did not read the last messages within {FINAL_FLUSH:?}; closing anyway"
            );
            Ok(())
        }
    };
    // A read error first; a peer that closed its end early (broken pipe) is no error.
    match (read_error, written) {
        (Some(e), _) => Err(e),
        (None, Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        (None, w) => w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], max: usize) -> Vec<Frame> {
        let mut codec = LineCodec::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        // Feed one byte at a time: frames must not depend on how reads are split.
        for b in input {
            buf.extend_from_slice(&[*b]);
            while let Some(f) = codec.decode(&mut buf).unwrap() {
                out.push(f);
            }
        }
        while let Some(f) = codec.decode_eof(&mut buf).unwrap() {
            out.push(f);
        }
        out
    }

    fn line(s: &str) -> Frame {
        Frame::Line(BytesMut::from(s.as_bytes()))
    }

    #[test]
    fn splits_lines_and_skips_blanks() {
        assert_eq!(
            frames(b"{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", 100),
            vec![line("{\"a\":1}"), line("{\"b\":2}"), line("{\"c\":3}")]
        );
    }

    #[test]
    fn oversized_lines_are_skipped_not_buffered() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\n{}\n");
        input.extend(vec![b'y'; 50]);
        assert_eq!(
            frames(&input, 10),
            vec![Frame::TooLong, line("{}"), Frame::TooLong]
        );
    }
}
