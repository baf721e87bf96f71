//! Bytes held by SSE replay buffers: one budget per session (all its streams together) inside
//! one budget for the whole server. A push that takes either over drops the oldest events: the
//! session's own oldest first; over the server's budget, the oldest of the session holding the
//! most. A stream's newest event is never dropped, so a reader that is connected still gets every
//! response, however large.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::stream_log::StreamLog;

/// What one kept event counts beyond its message's bytes: the id, the queue slot, the `Arc`.
pub(crate) const EVENT_OVERHEAD_BYTES: usize = 64;

/// The server-wide budget.
pub(crate) struct ReplayBudget {
    used: AtomicUsize,
    max: usize,
    sessions: Mutex<Vec<Weak<SessionReplay>>>,
}

/// One session's budget, shared by its streams.
pub(crate) struct SessionReplay {
    used: AtomicUsize,
    max: usize,
    server: Arc<ReplayBudget>,
    /// Orders events across the session's streams, oldest first.
    next_stamp: AtomicU64,
    logs: Mutex<Logs>,
}

/// The streams of a session, some perhaps dropped (swept now and then).
struct Logs {
    list: Vec<Weak<StreamLog>>,
    /// Sweep dropped streams out when `list` is this long.
    sweep_at: usize,
}

/// The shortest list of streams that is swept.
const MIN_SWEEP: usize = 16;

impl ReplayBudget {
    /// A server-wide budget of `max` bytes.
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(ReplayBudget {
            used: AtomicUsize::new(0),
            max,
            sessions: Mutex::new(Vec::new()),
        })
    }

    /// Bytes held by every session's replay buffers.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// A budget of `max` bytes for a new session, inside this one.
    pub(crate) fn session(self: &Arc<Self>, max: usize) -> Arc<SessionReplay> {
        let session = Arc::new(SessionReplay {
            used: AtomicUsize::new(0),
            max,
            server: Arc::clone(self),
            next_stamp: AtomicU64::new(0),
            logs: Mutex::new(Logs {
                list: Vec::new(),
                sweep_at: MIN_SWEEP,
            }),
        });
        let mut sessions = self.sessions.lock().expect("replay sessions lock");
        sessions.retain(|s| s.strong_count() > 0);
        sessions.push(Arc::downgrade(&session));
        session
    }

    /// Drop the oldest events of the session holding the most until the server is within its
    /// budget (or nothing more can be dropped).
    fn evict(&self) {
        while self.used() > self.max {
            let biggest = {
                let mut sessions = self.sessions.lock().expect("replay sessions lock");
                sessions.retain(|s| s.strong_count() > 0);
                sessions
                    .iter()
                    .filter_map(Weak::upgrade)
                    .max_by_key(|s| s.used())
            };
            let Some(session) = biggest else { return };
            if !session.evict_oldest() {
                return;
            }
        }
    }
}

impl SessionReplay {
    /// Bytes held by this session's replay buffers.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Count a new stream of this session.
    pub(crate) fn track(&self, log: &Arc<StreamLog>) {
        let mut logs = self.logs.lock().expect("replay logs lock");
        // Forget dropped streams when the list doubled since the last sweep (not on every new
        // stream: a session keeps up to 64 finished ones, so that was a scan of ~64 per request).
        if logs.list.len() >= logs.sweep_at {
            logs.list.retain(|l| l.strong_count() > 0);
            logs.sweep_at = (logs.list.len() * 2).max(MIN_SWEEP);
        }
        logs.list.push(Arc::downgrade(log));
    }

    /// The stamp of an event pushed now.
    pub(crate) fn stamp(&self) -> u64 {
        self.next_stamp.fetch_add(1, Ordering::Relaxed)
    }

    /// `bytes` more are held; drop old events if that is over a budget.
    pub(crate) fn charge(&self, bytes: usize) {
        self.used.fetch_add(bytes, Ordering::Relaxed);
        self.server.used.fetch_add(bytes, Ordering::Relaxed);
        while self.used() > self.max {
            if !self.evict_oldest() {
                break;
            }
        }
        if self.server.used() > self.server.max {
            self.server.evict();
        }
    }

    /// `bytes` are no longer held.
    pub(crate) fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
        self.server.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Drop the session's oldest droppable event; false when there is none. Takes one stream's
    /// lock at a time (never two), so pushes on other streams cannot deadlock with it.
    fn evict_oldest(&self) -> bool {
        let logs: Vec<Arc<StreamLog>> = self
            .logs
            .lock()
            .expect("replay logs lock")
            .list
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        // Another push may drop the chosen event first; then look again.
        loop {
            let oldest = logs
                .iter()
                .filter_map(|l| l.oldest_droppable().map(|stamp| (stamp, l)))
                .min_by_key(|(stamp, _)| *stamp);
            let Some((stamp, log)) = oldest else {
                return false;
            };
            if log.drop_oldest(stamp) {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn message(tag: char, len: usize) -> String {
        std::iter::repeat_n(tag, len).collect()
    }

    async fn kept(log: &Arc<StreamLog>) -> Vec<u64> {
        log.finish();
        log.subscribe(0).map(|(seq, _)| seq).collect().await
    }

    #[tokio::test]
    async fn a_session_keeps_its_newest_events_within_its_bytes() {
        let server = ReplayBudget::new(usize::MAX);
        let session = server.session(3 * (100 + EVENT_OVERHEAD_BYTES));
        let a = StreamLog::with_budget(1, 1000, Arc::clone(&session));
        let b = StreamLog::with_budget(2, 1000, Arc::clone(&session));
        a.push(message('a', 100));
        b.push(message('b', 100));
        a.push(message('a', 100));
        b.push(message('b', 100));
        // Four events of 164 bytes in a budget of three: the session's oldest (a's first) goes.
        assert_eq!(session.used(), 3 * (100 + EVENT_OVERHEAD_BYTES));
        assert_eq!(server.used(), session.used());
        assert_eq!(kept(&a).await, vec![2]);
        assert_eq!(kept(&b).await, vec![1, 2]);
    }

    #[tokio::test]
    async fn the_newest_event_of_a_stream_is_kept_even_over_budget() {
        let server = ReplayBudget::new(usize::MAX);
        let session = server.session(10);
        let log = StreamLog::with_budget(1, 1000, Arc::clone(&session));
        log.push(message('x', 500));
        log.push(message('y', 500));
        assert_eq!(session.used(), 500 + EVENT_OVERHEAD_BYTES);
        assert_eq!(kept(&log).await, vec![2]);
    }

    #[tokio::test]
    async fn over_the_server_budget_the_biggest_session_loses_first() {
        let each = 100 + EVENT_OVERHEAD_BYTES;
        let server = ReplayBudget::new(4 * each);
        let (big, small) = (server.session(usize::MAX), server.session(usize::MAX));
        let hog = StreamLog::with_budget(1, 1000, Arc::clone(&big));
        let fair = StreamLog::with_budget(1, 1000, Arc::clone(&small));
        fair.push(message('f', 100));
        for _ in 0..3 {
            hog.push(message('h', 100));
        }
        fair.push(message('f', 100));
        // Five events in a budget of four: the hog's oldest went, not the fair session's.
        assert_eq!(server.used(), 4 * each);
        assert_eq!(kept(&fair).await, vec![1, 2]);
        assert_eq!(kept(&hog).await, vec![2, 3]);
    }

    #[tokio::test]
    async fn a_forgotten_stream_gives_its_bytes_back() {
        let server = ReplayBudget::new(usize::MAX);
        let session = server.session(usize::MAX);
        let log = StreamLog::with_budget(1, 1000, Arc::clone(&session));
        log.push(message('x', 10));
        assert_eq!(server.used(), 10 + EVENT_OVERHEAD_BYTES);
        drop(log);
        assert_eq!((session.used(), server.used()), (0, 0));
    }

    #[test]
    fn dropped_streams_are_swept_out_of_the_list_as_it_doubles() {
        let session = ReplayBudget::new(usize::MAX).session(usize::MAX);
        let kept: Vec<_> = (0..10)
            .map(|id| StreamLog::with_budget(id, 10, Arc::clone(&session)))
            .collect();
        for id in 10..1000 {
            drop(StreamLog::with_budget(id, 10, Arc::clone(&session)));
        }
        let logs = session.logs.lock().expect("replay logs lock");
        // 10 live: swept whenever the list reaches twice what lived at the last sweep.
        assert!(logs.list.len() <= 2 * MIN_SWEEP, "{}", logs.list.len());
        assert_eq!(
            logs.list.iter().filter(|l| l.strong_count() > 0).count(),
            10
        );
        drop(kept);
    }
}
