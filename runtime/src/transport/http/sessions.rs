//! The table of live HTTP sessions, each a session of the dispatcher plus its SSE streams.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::stream_log::StreamLog;
use crate::transport::{Dispatch, SessionDispatch};

/// How many finished request streams a session keeps for resumption.
const KEPT_STREAMS: usize = 64;

pub(crate) struct HttpSession {
    pub id: String,
    pub session: Arc<dyn SessionDispatch>,
    /// Stream 0: messages not tied to a request, delivered on GET.
    pub standalone: Arc<StreamLog>,
    pub standalone_open: AtomicBool,
    /// How far GET streams have delivered the standalone stream, so a new GET continues there.
    pub standalone_cursor: Arc<AtomicU64>,
    streams: Mutex<HashMap<u64, Arc<StreamLog>>>,
    next_stream: AtomicU64,
    last_seen: Mutex<Instant>,
    max_events: usize,
    /// The authenticated caller that opened the session (`None` inside: no authentication);
    /// requests of anyone else are answered as if the session did not exist.
    pub owner: OnceLock<Option<String>>,
}

impl HttpSession {
    pub(crate) fn touch(&self) {
        *self.last_seen.lock().expect("last-seen lock") = Instant::now();
    }

    pub(crate) fn idle_for(&self) -> std::time::Duration {
        self.last_seen.lock().expect("last-seen lock").elapsed()
    }

    /// A new stream for one request's messages.
    pub(crate) fn new_stream(&self) -> Arc<StreamLog> {
        let id = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let log = StreamLog::new(id, self.max_events);
        let mut streams = self.streams.lock().expect("streams lock");
        if streams.len() >= KEPT_STREAMS {
            // Forget the oldest finished streams.
            let mut done: Vec<u64> = streams
                .iter()
                .filter(|(_, s)| s.is_done())
                .map(|(k, _)| *k)
                .collect();
            done.sort_unstable();
            for k in done.into_iter().take(streams.len() + 1 - KEPT_STREAMS) {
                streams.remove(&k);
            }
        }
        streams.insert(id, Arc::clone(&log));
        log
    }

    pub(crate) fn stream(&self, id: u64) -> Option<Arc<StreamLog>> {
        if id == 0 {
            return Some(Arc::clone(&self.standalone));
        }
        self.streams.lock().expect("streams lock").get(&id).cloned()
    }
}

/// Live sessions by id.
#[derive(Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<HttpSession>>>,
}

/// A fresh session id: 128 random bits from the operating system's CSPRNG, hex (visible ASCII).
fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    /// Create a session; `None` when the table is full.
    pub(crate) fn create(
        &self,
        dispatch: &dyn Dispatch,
        max_events: usize,
        max_sessions: usize,
    ) -> Option<Arc<HttpSession>> {
        if self.len() >= max_sessions {
            return None;
        }
        let (session, mut outbox) = dispatch.open_session();
        let standalone = StreamLog::new(0, max_events);
        let pump = Arc::clone(&standalone);
        tokio::spawn(async move {
            while let Some(m) = outbox.recv().await {
                pump.push(m);
            }
            pump.finish();
        });
        let http = Arc::new(HttpSession {
            id: new_session_id(),
            session,
            standalone,
            standalone_open: AtomicBool::new(false),
            standalone_cursor: Arc::new(AtomicU64::new(0)),
            streams: Mutex::new(HashMap::new()),
            next_stream: AtomicU64::new(1),
            last_seen: Mutex::new(Instant::now()),
            max_events,
            owner: OnceLock::new(),
        });
        let mut map = self.map.lock().expect("sessions lock");
        if map.len() >= max_sessions {
            return None;
        }
        map.insert(http.id.clone(), Arc::clone(&http));
        Some(http)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<HttpSession>> {
        self.map.lock().expect("sessions lock").get(id).cloned()
    }

    pub(crate) fn remove(&self, id: &str) -> Option<Arc<HttpSession>> {
        self.map.lock().expect("sessions lock").remove(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.lock().expect("sessions lock").len()
    }

    /// Sessions idle for longer than `timeout`.
    pub(crate) fn expired(&self, timeout: std::time::Duration) -> Vec<Arc<HttpSession>> {
        self.map
            .lock()
            .expect("sessions lock")
            .values()
            .filter(|s| {
                s.idle_for() > timeout
                    && !s.standalone_open.load(Ordering::Relaxed)
                    && !s.session.is_busy()
            })
            .cloned()
            .collect()
    }
}
