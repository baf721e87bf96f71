//! Admission: whether, and when, a request that runs a handler may start. Every such request
//! takes an execution slot from the server's pool (and, in a session, one of the session's),
//! within a bounded wait; every caller (the authenticated subject, else the peer's address) has
//! a cap on its handlers running or waiting, across its sessions; and the requests queued for a
//! slot hold a bounded number of bytes. A request refused on any of these gets the "server busy"
//! error ([`codes::SERVER_BUSY`]) at once, never a hang.
//!
//! A handler waiting on the client's answer lends its execution slot back to the server
//! ([`ExecutionSlot`]); its session's slot and its caller's count stay taken.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::context::ExecutionSlot;
use crate::jsonrpc::{json_len, ErrorObject, Request};
use crate::protocol::codes;
use crate::transport::{CallerKey, Limits};

/// The `retryAfter` (seconds) of a busy error: the client's suggested wait before trying again
/// (over HTTP, the `Retry-After` header of the 503).
pub(crate) const RETRY_AFTER_SECS: u64 = 1;

/// The server-wide admission state, shared by every session and stateless request.
pub(crate) struct Admission {
    slots: Arc<Semaphore>,
    callers: Mutex<HashMap<CallerKey, usize>>,
    queued_bytes: Mutex<usize>,
    max_wait: Duration,
    per_caller: usize,
    max_queued_bytes: usize,
}

/// A running handler's share of the limits: its caller's count, its session's slot (handshake
/// era, or any request in a session) and its server-wide execution slot.
pub(crate) struct Permits {
    _caller: Option<CallerTicket>,
    _session: Option<OwnedSemaphorePermit>,
    slot: Arc<ExecutionSlot>,
}

impl Permits {
    /// The server-wide slot, to lend back while the handler waits on the client.
    pub(crate) fn slot(&self) -> Arc<ExecutionSlot> {
        Arc::clone(&self.slot)
    }
}

/// One request counted against its caller, until dropped.
struct CallerTicket {
    admission: Arc<Admission>,
    caller: CallerKey,
}

impl Drop for CallerTicket {
    fn drop(&mut self) {
        let mut callers = self.admission.lock_callers();
        if let Some(n) = callers.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                callers.remove(&self.caller);
            }
        }
    }
}

/// Bytes of a request counted as queued for a slot, until dropped.
struct Queued<'a> {
    admission: &'a Admission,
    bytes: usize,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        let mut queued = self.admission.lock_queued();
        *queued = queued.saturating_sub(self.bytes);
    }
}

/// The "server busy" error: `message` says why, and to retry.
fn busy(message: String) -> ErrorObject {
    ErrorObject::new(codes::SERVER_BUSY, message)
        .with_data(json!({ "retryAfter": RETRY_AFTER_SECS }))
}

impl Admission {
    /// Admission under `limits`.
    pub(crate) fn new(limits: &Limits) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(limits.max_concurrent_requests)),
            callers: Mutex::new(HashMap::new()),
            queued_bytes: Mutex::new(0),
            max_wait: limits.max_admission_wait,
            per_caller: limits.max_concurrent_requests_per_caller,
            max_queued_bytes: limits.max_queued_request_bytes,
        }
    }

    // Both maps hold plain counts, consistent at every unlock: a poisoned lock is usable.
    fn lock_callers(&self) -> std::sync::MutexGuard<'_, HashMap<CallerKey, usize>> {
        self.callers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_queued(&self) -> std::sync::MutexGuard<'_, usize> {
        self.queued_bytes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admit `req` from `caller` (none: not capped per caller), taking one of `session`'s slots (when in a session) and a
    /// server-wide one. Waits at most [`Limits::max_admission_wait`] for them; refused (the
    /// busy error) when the wait runs out, when the caller is at its cap, or when the bytes
    /// queued for slots would exceed their cap.
    pub(crate) async fn admit(
        self: &Arc<Self>,
        caller: Option<CallerKey>,
        session: Option<&Arc<Semaphore>>,
        req: &Request,
    ) -> Result<Permits, ErrorObject> {
        let ticket = caller.map(|c| self.enter(c)).transpose()?;
        let mut session_permit = None;
        let session_free = match session {
            Some(s) => {
                session_permit = Arc::clone(s).try_acquire_owned().ok();
                session_permit.is_some()
            }
            None => true,
        };
        let ready = if session_free {
            Arc::clone(&self.slots).try_acquire_owned().ok()
        } else {
            None
        };
        let server_permit = match ready {
            Some(permit) => permit,
            None => {
                let _queued = self.queue(request_bytes(req))?;
                let wait = async {
                    if let (Some(s), None) = (session, &session_permit) {
                        session_permit = Some(Arc::clone(s).acquire_owned().await.ok()?);
                    }
                    Arc::clone(&self.slots).acquire_owned().await.ok()
                };
                match tokio::time::timeout(self.max_wait, wait).await {
                    Ok(Some(permit)) => permit,
                    // Timed out (or a pool closed, which the server never does).
                    _ => {
                        let whose = if session.is_some() && session_permit.is_none() {
                            "this session has as many requests running as it may"
                        } else {
                            "the server is running as many requests as it may"
                        };
                        return Err(busy(format!(
                            "server busy: {whose} and none finished within {:?}; retry later",
                            self.max_wait
                        )));
                    }
                }
            }
        };
        Ok(Permits {
            _caller: ticket,
            _session: session_permit,
            slot: Arc::new(ExecutionSlot::new(Arc::clone(&self.slots), server_permit)),
        })
    }

    /// Count one more request against `caller`, unless it is at its cap.
    fn enter(self: &Arc<Self>, caller: CallerKey) -> Result<CallerTicket, ErrorObject> {
        let mut callers = self.lock_callers();
        let n = callers.entry(caller.clone()).or_insert(0);
        if *n >= self.per_caller {
            return Err(busy(format!(
                "server busy: this caller already has {} requests running or waiting (the most \
                 one caller may have); retry later",
                self.per_caller
            )));
        }
        *n += 1;
        drop(callers);
        Ok(CallerTicket {
            admission: Arc::clone(self),
            caller,
        })
    }

    /// Count `bytes` of a request as queued for a slot, unless that would exceed the cap.
    fn queue(&self, bytes: usize) -> Result<Queued<'_>, ErrorObject> {
        let mut queued = self.lock_queued();
        if queued.saturating_add(bytes) > self.max_queued_bytes {
            return Err(busy(format!(
                "server busy: too many request bytes are waiting for a slot (the limit is {}); \
                 retry later",
                self.max_queued_bytes
            )));
        }
        *queued += bytes;
        Ok(Queued {
            admission: self,
            bytes,
        })
    }
}

/// The size of `req` as it came in, near enough: its method, its params as JSON, and the
/// envelope.
fn request_bytes(req: &Request) -> usize {
    const ENVELOPE: usize = 64;
    ENVELOPE
        + req.method.len()
        + req.params.as_ref().map_or(0, json_len)
        + req.envelope.as_ref().map_or(0, |e| e.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(params_bytes: usize) -> Request {
        Request::new(
            crate::jsonrpc::RequestId::Number(1),
            "tools/call",
            Some(json!({ "text": "x".repeat(params_bytes) })),
        )
    }

    fn admission(limits: Limits) -> Arc<Admission> {
        Arc::new(Admission::new(&limits))
    }

    #[tokio::test(start_paused = true)]
    async fn counts_are_given_back_so_nothing_grows_per_caller() {
        let a = admission(Limits::default().max_concurrent_requests(1));
        let caller = CallerKey::Address([10, 0, 0, 1].into());
        let first = a
            .admit(Some(caller.clone()), None, &request(10))
            .await
            .unwrap();
        let waiting = {
            let a = Arc::clone(&a);
            let caller = caller.clone();
            tokio::spawn(async move { a.admit(Some(caller), None, &request(1_000)).await.is_ok() })
        };
        tokio::task::yield_now().await;
        assert_eq!(
            a.lock_callers()[&caller],
            2,
            "running and waiting both count"
        );
        assert!(
            *a.lock_queued() >= 1_000,
            "the waiting request's bytes are queued"
        );
        drop(first);
        assert!(waiting.await.unwrap(), "admitted once the slot came free");
        assert!(
            a.lock_callers().is_empty(),
            "no entry outlives its requests"
        );
        assert_eq!(*a.lock_queued(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_request_gives_its_counts_back() {
        let a = admission(
            Limits::default()
                .max_concurrent_requests(1)
                .max_admission_wait(Duration::from_secs(1)),
        );
        let held = a
            .admit(Some(CallerKey::Stream), None, &request(0))
            .await
            .unwrap();
        let e = a
            .admit(Some(CallerKey::Stream), None, &request(100))
            .await
            .err()
            .expect("refused once the wait runs out");
        assert_eq!(e.code, codes::SERVER_BUSY);
        assert_eq!(a.lock_callers()[&CallerKey::Stream], 1, "only the held one");
        assert_eq!(*a.lock_queued(), 0);
        drop(held);
        assert!(a.lock_callers().is_empty());
    }
}
