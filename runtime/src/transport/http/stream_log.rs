//! The event store behind SSE streams: every message a stream carries is kept (up to a bound) with
//! a sequence number, so a client that reconnects with `Last-Event-ID` gets what it missed, and a
//! client that disconnects never makes the server lose or block on a message.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::Stream;
use tokio::sync::watch;

struct Inner {
    /// (sequence, message), oldest first.
    events: VecDeque<(u64, Arc<str>)>,
    next_seq: u64,
    done: bool,
}

/// One SSE stream's messages, in order.
pub(crate) struct StreamLog {
    pub id: u64,
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
    max_events: usize,
}

impl StreamLog {
    pub(crate) fn new(id: u64, max_events: usize) -> Arc<Self> {
        Arc::new(StreamLog {
            id,
            inner: Mutex::new(Inner {
                events: VecDeque::new(),
                next_seq: 1,
                done: false,
            }),
            changed: watch::channel(0).0,
            max_events: max_events.max(1),
        })
    }

    /// Append a message; the oldest is dropped past the bound.
    pub(crate) fn push(&self, message: impl Into<Arc<str>>) {
        let seq = {
            let mut inner = self.inner.lock().expect("stream log lock");
            let seq = inner.next_seq;
            inner.next_seq += 1;
            inner.events.push_back((seq, message.into()));
            if inner.events.len() > self.max_events {
                inner.events.pop_front();
            }
            seq
        };
        self.changed.send_replace(seq);
    }

    /// No more messages will come.
    pub(crate) fn finish(&self) {
        self.inner.lock().expect("stream log lock").done = true;
        self.changed.send_modify(|_| {});
    }

    pub(crate) fn is_done(&self) -> bool {
        self.inner.lock().expect("stream log lock").done
    }

    /// The event id of sequence `seq` on this stream.
    pub(crate) fn event_id(&self, seq: u64) -> String {
        format!("{}-{}", self.id, seq)
    }

    /// Messages after sequence `after` (0: from the start), then live ones until the stream is
    /// done.
    pub(crate) fn subscribe(
        self: &Arc<Self>,
        after: u64,
    ) -> impl Stream<Item = (u64, Arc<str>)> + Send + 'static {
        let rx = self.changed.subscribe();
        futures::stream::unfold(
            (Arc::clone(self), rx, after),
            |(log, mut rx, mut after)| async move {
                loop {
                    let next = {
                        let inner = log.inner.lock().expect("stream log lock");
                        match inner.events.iter().find(|(seq, _)| *seq > after) {
                            Some((seq, m)) => Some((*seq, Arc::clone(m))),
                            None if inner.done => return None,
                            None => None,
                        }
                    };
                    if let Some((seq, m)) = next {
                        after = seq;
                        return Some(((seq, m), (log, rx, after)));
                    }
                    if rx.changed().await.is_err() {
                        return None;
                    }
                }
            },
        )
    }
}

/// Parse a `Last-Event-ID` into (stream, sequence).
pub(crate) fn parse_event_id(id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = id.split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn replays_after_an_event_and_follows_live() {
        let log = StreamLog::new(7, 100);
        log.push("a");
        log.push("b");
        let reader = log.subscribe(1);
        log.push("c");
        log.finish();
        let got: Vec<_> = reader.map(|(s, m)| (s, m.to_string())).collect().await;
        assert_eq!(got, vec![(2, "b".into()), (3, "c".into())]);
        assert_eq!(log.event_id(3), "7-3");
        assert_eq!(parse_event_id("7-3"), Some((7, 3)));
        assert_eq!(parse_event_id("x"), None);
    }

    #[tokio::test]
    async fn is_bounded() {
        let log = StreamLog::new(1, 2);
        for m in ["a", "b", "c"] {
            log.push(m);
        }
        log.finish();
        let got: Vec<_> = log.subscribe(0).map(|(s, _)| s).collect().await;
        assert_eq!(got, vec![2, 3]);
    }
}
