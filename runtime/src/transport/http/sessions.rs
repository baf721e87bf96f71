//! The table of live HTTP sessions, each a session of the dispatcher plus its SSE streams, and
//! the policy that ends them (idle timeouts, per-caller caps).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use super::config::HttpConfig;
use super::replay_budget::{ReplayBudget, SessionReplay};
use super::stream_log::StreamLog;
use crate::transport::{Dispatch, RequestFacts, SessionDispatch};

/// How many finished request streams a session keeps for resumption.
const KEPT_STREAMS: usize = 64;

/// What a POST brought to a session, for telling a session in use from one that only opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// A request (other than the one that opened the session).
    Request,
    /// A notification: the first one (`notifications/initialized`, as a client sends it after
    /// `initialize`) does not count as use; any further one does.
    Notification,
    /// A response to a server-to-client request.
    Response,
}

pub(crate) struct HttpSession {
    pub id: String,
    /// Whom the session counts against ([`caller_key`]), if known.
    caller: Option<String>,
    pub session: Arc<dyn SessionDispatch>,
    /// Stream 0: messages not tied to a request, delivered on GET.
    pub standalone: Arc<StreamLog>,
    pub standalone_open: AtomicBool,
    /// How far GET streams have delivered the standalone stream, so a new GET continues there.
    pub standalone_cursor: Arc<AtomicU64>,
    /// Cancelled when the session ends (expired or deleted): its SSE streams close.
    pub ended: CancellationToken,
    streams: Mutex<BTreeMap<u64, Arc<StreamLog>>>,
    next_stream: AtomicU64,
    /// When the last POST came (GET streams do not count: see [`Sessions::expired`]).
    last_post: Mutex<Instant>,
    notifications: AtomicU32,
    in_use: AtomicBool,
    replay: Arc<SessionReplay>,
    max_events: usize,
    /// The authenticated caller that opened the session (`None` inside: no authentication);
    /// requests of anyone else are answered as if the session did not exist.
    pub owner: OnceLock<Option<String>>,
    /// When it was opened (on whichever replica), for a session store.
    pub created: SystemTime,
    /// The dispatcher's count of fact changes last written to the session store.
    pub saved_changes: AtomicU64,
    /// When this replica last wrote the session to the store, and whether it was in use then.
    pub last_saved: Mutex<(Instant, bool)>,
}

impl HttpSession {
    /// A POST came for this session, bringing `activity`.
    pub(crate) fn note(&self, activity: Activity) {
        *self.last_post.lock().expect("last-post lock") = Instant::now();
        let in_use = match activity {
            Activity::Request | Activity::Response => true,
            Activity::Notification => self.notifications.fetch_add(1, Ordering::Relaxed) >= 1,
        };
        if in_use {
            self.in_use.store(true, Ordering::Relaxed);
        }
    }

    /// How long since the last POST.
    pub(crate) fn idle_for(&self) -> Duration {
        self.last_post.lock().expect("last-post lock").elapsed()
    }

    /// True once the session did something beyond opening (see [`Activity`]).
    pub(crate) fn in_use(&self) -> bool {
        self.in_use.load(Ordering::Relaxed)
    }

    /// A new stream for one request's messages.
    pub(crate) fn new_stream(&self) -> Arc<StreamLog> {
        let id = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let log = StreamLog::with_budget(id, self.max_events, Arc::clone(&self.replay));
        let mut streams = self.streams.lock().expect("streams lock");
        // Forget the oldest finished streams: ids grow, so the map's order is their age, and
        // the oldest are usually finished (no scan and sort of every stream per new one).
        while streams.len() >= KEPT_STREAMS
            && streams.first_key_value().is_some_and(|(_, s)| s.is_done())
        {
            streams.pop_first();
        }
        if streams.len() >= KEPT_STREAMS {
            // The oldest is still running: the oldest finished ones after it.
            let excess = streams.len() + 1 - KEPT_STREAMS;
            let done: Vec<u64> = streams
                .iter()
                .filter(|(_, s)| s.is_done())
                .map(|(k, _)| *k)
                .take(excess)
                .collect();
            for k in done {
                streams.remove(&k);
            }
        }
        streams.insert(id, Arc::clone(&log));
        log
    }

    /// A finished stream `id` of `events` read from an event store (not kept here).
    pub(crate) fn replayed_stream(&self, id: u64, events: Vec<(u64, String)>) -> Arc<StreamLog> {
        StreamLog::replayed(id, events, Arc::clone(&self.replay))
    }

    pub(crate) fn stream(&self, id: u64) -> Option<Arc<StreamLog>> {
        if id == 0 {
            return Some(Arc::clone(&self.standalone));
        }
        self.streams.lock().expect("streams lock").get(&id).cloned()
    }
}

/// Whom a new session counts against for [`HttpConfig::max_sessions_per_caller`]: the
/// authenticated caller when there is one (and its credential is its own), else the peer's IP
/// address; `None` when neither is
/// known (a router served without connection info), and then only the server-wide cap applies.
pub(crate) fn caller_key(facts: &RequestFacts) -> Option<String> {
    crate::transport::CallerKey::label(facts)
}

/// Why no session was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The server holds its most sessions.
    Full(usize),
    /// This caller holds its most sessions.
    CallerFull(usize),
}

#[derive(Default)]
struct Table {
    map: HashMap<String, Arc<HttpSession>>,
    per_caller: HashMap<String, usize>,
}

impl Table {
    fn refusal(&self, caller: Option<&str>, config: &HttpConfig) -> Option<Refused> {
        if self.map.len() >= config.max_sessions {
            return Some(Refused::Full(config.max_sessions));
        }
        let held = caller.and_then(|c| self.per_caller.get(c)).copied();
        (held.unwrap_or(0) >= config.max_sessions_per_caller)
            .then_some(Refused::CallerFull(config.max_sessions_per_caller))
    }
}

/// Live sessions by id, and the bytes their replay buffers hold.
pub(crate) struct Sessions {
    table: Mutex<Table>,
    replay: Arc<ReplayBudget>,
}

/// A fresh session id: 128 random bits from the operating system's CSPRNG, hex (visible ASCII).
fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of a session's first request stream: 1, or with an event store a random one (below
/// 2^52, ids stay exact in JSON numbers), so that replicas serving one session do not reuse ids.
fn first_stream(config: &HttpConfig) -> u64 {
    if config.event_store.is_none() {
        return 1;
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    (u64::from_le_bytes(bytes) >> 12).max(1)
}

impl Sessions {
    /// An empty table whose sessions' replay buffers hold at most `max_replay_bytes` together.
    pub(crate) fn new(max_replay_bytes: usize) -> Self {
        Sessions {
            table: Mutex::default(),
            replay: ReplayBudget::new(max_replay_bytes),
        }
    }

    /// Create a session for `caller` ([`caller_key`]), unless the server or the caller holds its
    /// most sessions: a new one (`revived` `None`), or one opened elsewhere, by its id and
    /// creation time from a session store.
    pub(crate) fn create(
        &self,
        dispatch: &dyn Dispatch,
        caller: Option<String>,
        config: &HttpConfig,
        revived: Option<(String, SystemTime)>,
    ) -> Result<Arc<HttpSession>, Refused> {
        if let Some(refused) = self
            .table
            .lock()
            .expect("sessions lock")
            .refusal(caller.as_deref(), config)
        {
            return Err(refused);
        }
        let (session, mut outbox) = dispatch.open_session();
        let replay = self.replay.session(config.max_replay_bytes_per_session);
        let max_events = config.max_replay_events;
        let standalone = StreamLog::with_budget(0, max_events, Arc::clone(&replay));
        let pump = Arc::clone(&standalone);
        tokio::spawn(async move {
            while let Some(m) = outbox.recv().await {
                pump.push(m);
            }
            pump.finish();
        });
        let (id, created) = revived.unwrap_or_else(|| (new_session_id(), SystemTime::now()));
        let http = Arc::new(HttpSession {
            id,
            caller,
            session,
            standalone,
            standalone_open: AtomicBool::new(false),
            standalone_cursor: Arc::new(AtomicU64::new(0)),
            ended: CancellationToken::new(),
            streams: Mutex::new(BTreeMap::new()),
            next_stream: AtomicU64::new(first_stream(config)),
            last_post: Mutex::new(Instant::now()),
            notifications: AtomicU32::new(0),
            in_use: AtomicBool::new(false),
            replay,
            max_events,
            owner: OnceLock::new(),
            created,
            saved_changes: AtomicU64::new(0),
            last_saved: Mutex::new((Instant::now(), false)),
        });
        let mut table = self.table.lock().expect("sessions lock");
        let taken = table.map.contains_key(&http.id);
        if let Some(refused) = table.refusal(http.caller.as_deref(), config) {
            drop(table);
            tokio::spawn(Arc::clone(&http.session).close());
            return Err(refused);
        }
        if taken {
            // Revived twice at once: keep the first.
            let first = Arc::clone(&table.map[&http.id]);
            drop(table);
            tokio::spawn(Arc::clone(&http.session).close());
            return Ok(first);
        }
        if let Some(caller) = &http.caller {
            *table.per_caller.entry(caller.clone()).or_default() += 1;
        }
        table.map.insert(http.id.clone(), Arc::clone(&http));
        Ok(http)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<HttpSession>> {
        self.table
            .lock()
            .expect("sessions lock")
            .map
            .get(id)
            .cloned()
    }

    /// Take the session out of the table and close its SSE streams (the caller closes the
    /// dispatcher's session).
    pub(crate) fn remove(&self, id: &str) -> Option<Arc<HttpSession>> {
        let mut table = self.table.lock().expect("sessions lock");
        let session = table.map.remove(id)?;
        if let Some(caller) = &session.caller {
            if let Some(n) = table.per_caller.get_mut(caller) {
                *n -= 1;
                if *n == 0 {
                    table.per_caller.remove(caller);
                }
            }
        }
        drop(table);
        session.ended.cancel();
        Some(session)
    }

    /// Sessions past their idle timeout, by the last POST (a request, notification or
    /// response): a session not [in use](HttpSession::in_use) after
    /// [`HttpConfig::new_session_idle_timeout`] (or `session_idle_timeout` if shorter), any
    /// other after `session_idle_timeout`. An open GET stream does not keep a session alive; a
    /// request still running does.
    pub(crate) fn expired(&self, config: &HttpConfig) -> Vec<Arc<HttpSession>> {
        let fresh_timeout = config
            .new_session_idle_timeout
            .min(config.session_idle_timeout);
        self.table
            .lock()
            .expect("sessions lock")
            .map
            .values()
            .filter(|s| {
                let timeout = if s.in_use() {
                    config.session_idle_timeout
                } else {
                    fresh_timeout
                };
                s.idle_for() > timeout && !s.session.is_busy()
            })
            .cloned()
            .collect()
    }

    /// End every expired session: out of the table, its streams closed, the session closed.
    pub(crate) fn reap(&self, config: &HttpConfig) {
        for s in self.expired(config) {
            tracing::debug!(session = %s.id, in_use = s.in_use(), "ending idle session");
            if self.remove(&s.id).is_some() {
                tokio::spawn(Arc::clone(&s.session).close());
            }
        }
    }

    /// How often the reaper looks: a quarter of the shortest timeout, within 50 ms and 30 s.
    pub(crate) fn reap_every(config: &HttpConfig) -> Duration {
        let shortest = config
            .new_session_idle_timeout
            .min(config.session_idle_timeout);
        (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(30))
    }
}
