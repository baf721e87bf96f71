//! The event store behind SSE streams: every message a stream carries is kept (up to a bound) with
//! a sequence number, so a client that reconnects with `Last-Event-ID` gets what it missed, and a
//! client that disconnects never makes the server lose or block on a message.
//!
//! Bounds: at most `max_events` events per stream, and the bytes of the session's budget
//! ([`SessionReplay`]); past either the oldest events are dropped, never a stream's newest.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::Stream;
use tokio::sync::watch;

use super::replay_budget::{SessionReplay, EVENT_OVERHEAD_BYTES};

struct Event {
    seq: u64,
    /// Orders events across the session's streams (see [`SessionReplay`]).
    stamp: u64,
    message: Arc<str>,
}

impl Event {
    fn cost(&self) -> usize {
        self.message.len().saturating_add(EVENT_OVERHEAD_BYTES)
    }
}

struct Inner {
    /// Oldest first.
    events: VecDeque<Event>,
    /// The bytes `events` count as (each message plus [`EVENT_OVERHEAD_BYTES`]).
    bytes: usize,
    next_seq: u64,
    done: bool,
}

/// One SSE stream's messages, in order.
pub(crate) struct StreamLog {
    pub id: u64,
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
    max_events: usize,
    budget: Arc<SessionReplay>,
}

impl StreamLog {
    /// A stream of the session whose replay bytes `budget` counts, keeping at most `max_events`.
    pub(crate) fn with_budget(id: u64, max_events: usize, budget: Arc<SessionReplay>) -> Arc<Self> {
        let log = Arc::new(StreamLog {
            id,
            inner: Mutex::new(Inner {
                events: VecDeque::new(),
                bytes: 0,
                next_seq: 1,
                done: false,
            }),
            changed: watch::channel(0).0,
            max_events: max_events.max(1),
            budget,
        });
        log.budget.track(&log);
        log
    }

    /// The sequence number the next [`push`](Self::push) gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.inner.lock().expect("stream log lock").next_seq
    }

    /// A finished log holding `events` (sequence, message), e.g. read from an event store.
    pub(crate) fn replayed(
        id: u64,
        events: Vec<(u64, String)>,
        budget: Arc<SessionReplay>,
    ) -> Arc<Self> {
        let log = Self::with_budget(id, events.len(), budget);
        for (seq, message) in events {
            log.inner.lock().expect("stream log lock").next_seq = seq;
            log.push(message);
        }
        log.finish();
        log
    }

    /// Append a message; the oldest events are dropped past the bounds.
    pub(crate) fn push(&self, message: impl Into<Arc<str>>) {
        let event = Event {
            seq: 0,
            stamp: self.budget.stamp(),
            message: message.into(),
        };
        let cost = event.cost();
        let (seq, freed) = {
            let mut inner = self.inner.lock().expect("stream log lock");
            let seq = inner.next_seq;
            inner.next_seq += 1;
            inner.events.push_back(Event { seq, ..event });
            inner.bytes += cost;
            let mut freed = 0;
            while inner.events.len() > self.max_events {
                if let Some(old) = inner.events.pop_front() {
                    freed += old.cost();
                }
            }
            inner.bytes -= freed;
            (seq, freed)
        };
        self.budget.release(freed);
        self.budget.charge(cost);
        self.changed.send_replace(seq);
    }

    /// The stamp of the oldest event that may be dropped (not the newest), if any.
    pub(crate) fn oldest_droppable(&self) -> Option<u64> {
        let inner = self.inner.lock().expect("stream log lock");
        (inner.events.len() > 1).then(|| inner.events.front().map(|e| e.stamp))?
    }

    /// Drop the oldest event if it is still the one stamped `stamp` and not the newest; true when
    /// dropped.
    pub(crate) fn drop_oldest(&self, stamp: u64) -> bool {
        let freed = {
            let mut inner = self.inner.lock().expect("stream log lock");
            if inner.events.len() < 2 || inner.events.front().map(|e| e.stamp) != Some(stamp) {
                return false;
            }
            let Some(old) = inner.events.pop_front() else {
                return false;
            };
            inner.bytes -= old.cost();
            old.cost()
        };
        self.budget.release(freed);
        true
    }

    /// True when every event after sequence `after` is still kept, so a reader resuming there
    /// misses nothing.
    pub(crate) fn holds_all_after(&self, after: u64) -> bool {
        let inner = self.inner.lock().expect("stream log lock");
        let first = inner.events.front().map_or(inner.next_seq, |e| e.seq);
        first <= after.saturating_add(1)
    }

    /// No more messages will come.
    pub(crate) fn finish(&self) {
        self.inner.lock().expect("stream log lock").done = true;
        self.changed.send_modify(|_| {});
    }

    pub(crate) fn is_done(&self) -> bool {
        self.inner.lock().expect("stream log lock").done
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
                        match inner.events.iter().find(|e| e.seq > after) {
                            Some(e) => Some((e.seq, Arc::clone(&e.message))),
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

impl Drop for StreamLog {
    fn drop(&mut self) {
        let bytes = self.inner.get_mut().map_or(0, |inner| inner.bytes);
        self.budget.release(bytes);
    }
}

/// Parse a `Last-Event-ID` into (stream, sequence) (the id `{stream}-{seq}` of an event, as
/// `event_stream_body` writes it).
pub(crate) fn parse_event_id(id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = id.split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    use crate::transport::http::replay_budget::ReplayBudget;

    fn unbudgeted(id: u64, max_events: usize) -> Arc<StreamLog> {
        StreamLog::with_budget(
            id,
            max_events,
            ReplayBudget::new(usize::MAX).session(usize::MAX),
        )
    }

    #[tokio::test]
    async fn replays_after_an_event_and_follows_live() {
        let log = unbudgeted(7, 100);
        log.push("a");
        log.push("b");
        let reader = log.subscribe(1);
        log.push("c");
        log.finish();
        let got: Vec<_> = reader.map(|(s, m)| (s, m.to_string())).collect().await;
        assert_eq!(got, vec![(2, "b".into()), (3, "c".into())]);
        assert_eq!(parse_event_id("7-3"), Some((7, 3)));
        assert_eq!(parse_event_id("x"), None);
    }

    #[tokio::test]
    async fn is_bounded() {
        let log = unbudgeted(1, 2);
        for m in ["a", "b", "c"] {
            log.push(m);
        }
        log.finish();
        let got: Vec<_> = log.subscribe(0).map(|(s, _)| s).collect().await;
        assert_eq!(got, vec![2, 3]);
        assert!(log.holds_all_after(1));
        assert!(!log.holds_all_after(0));
    }
}
