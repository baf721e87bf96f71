//! The queue of outgoing frames between the protocol side (handlers, the session) and a
//! transport's writer, with a count of the bytes waiting in it.
//!
//! Sending never blocks (handlers send from synchronous code); instead the count lets the
//! reading side apply back-pressure: a connection whose peer does not read what is queued stops
//! having its input read ([`FrameSender::room`]), so a client that never reads cannot make the
//! server buffer without bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, Notify};

/// Bytes waiting in one queue, and a signal for those waiting for it to drain.
#[derive(Debug, Default)]
struct Level {
    bytes: AtomicUsize,
    drained: Notify,
}

/// A new queue: the sending half (cloned freely) and the writer's half.
pub(crate) fn frame_queue() -> (FrameSender, FrameReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let level = Arc::new(Level::default());
    (
        FrameSender {
            tx,
            level: Arc::clone(&level),
        },
        FrameReceiver { rx, level },
    )
}

/// The sending half: queue whole frames (one JSON text each, without the newline).
#[derive(Clone, Debug)]
pub(crate) struct FrameSender {
    tx: mpsc::UnboundedSender<String>,
    level: Arc<Level>,
}

impl FrameSender {
    /// Queue a frame. False when the writer is gone.
    pub(crate) fn send(&self, frame: String) -> bool {
        let len = frame.len();
        self.level.bytes.fetch_add(len, Ordering::AcqRel);
        if self.tx.send(frame).is_ok() {
            true
        } else {
            self.level.bytes.fetch_sub(len, Ordering::AcqRel);
            false
        }
    }

    /// Bytes queued and not yet taken by the writer.
    #[cfg(any(feature = "server", test))]
    pub(crate) fn queued_bytes(&self) -> usize {
        self.level.bytes.load(Ordering::Acquire)
    }

    /// Resolve once at most `limit` bytes are queued (at once if that is already so), or the
    /// writer is gone.
    #[cfg(any(feature = "server", test))]
    pub(crate) async fn room(&self, limit: usize) {
        loop {
            let drained = self.level.drained.notified();
            tokio::pin!(drained);
            drained.as_mut().enable();
            if self.queued_bytes() <= limit || self.tx.is_closed() {
                return;
            }
            drained.await;
        }
    }
}

/// The writer's half.
#[derive(Debug)]
pub(crate) struct FrameReceiver {
    rx: mpsc::UnboundedReceiver<String>,
    level: Arc<Level>,
}

impl FrameReceiver {
    fn taken(&self, frame: Option<String>) -> Option<String> {
        if let Some(f) = &frame {
            self.level.bytes.fetch_sub(f.len(), Ordering::AcqRel);
            self.level.drained.notify_waiters();
        }
        frame
    }

    /// The next frame; `None` once every sender is gone (or after [`close`](Self::close)) and
    /// the queue is empty.
    pub(crate) async fn recv(&mut self) -> Option<String> {
        let frame = self.rx.recv().await;
        self.taken(frame)
    }

    /// A frame already queued, without waiting.
    pub(crate) fn try_recv(&mut self) -> Option<String> {
        let frame = self.rx.try_recv().ok();
        self.taken(frame)
    }

    /// Refuse further frames; those already queued can still be received.
    pub(crate) fn close(&mut self) {
        self.rx.close();
        self.level.drained.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_queued_bytes_and_wakes_waiters_when_drained() {
        let (tx, mut rx) = frame_queue();
        assert!(tx.send("abcd".to_owned()));
        assert!(tx.send("efgh".to_owned()));
        assert_eq!(tx.queued_bytes(), 8);
        // Room for 8: ready at once.
        tokio::time::timeout(std::time::Duration::from_secs(1), tx.room(8))
            .await
            .expect("room for 8 bytes");
        // Room for 4 only once a frame is taken.
        let waiter = {
            let tx = tx.clone();
            tokio::spawn(async move { tx.room(4).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        assert_eq!(rx.recv().await.as_deref(), Some("abcd"));
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("woken when drained")
            .unwrap();
        assert_eq!(tx.queued_bytes(), 4);
        assert_eq!(rx.try_recv().as_deref(), Some("efgh"));
        assert_eq!(tx.queued_bytes(), 0);
    }

    #[tokio::test]
    async fn a_closed_queue_refuses_frames_and_releases_waiters() {
        let (tx, mut rx) = frame_queue();
        assert!(tx.send("x".repeat(10)));
        let waiter = {
            let tx = tx.clone();
            tokio::spawn(async move { tx.room(0).await })
        };
        tokio::task::yield_now().await;
        rx.close();
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("released on close")
            .unwrap();
        assert!(!tx.send("late".to_owned()));
        assert_eq!(tx.queued_bytes(), 10);
        assert_eq!(rx.recv().await.map(|f| f.len()), Some(10));
        assert_eq!(rx.recv().await, None);
        assert_eq!(tx.queued_bytes(), 0);
    }
}
