//! A running handler's server-wide execution slot, which it lends back to the server while it
//! waits on the client (a sample, an elicitation, a roots list): a handler waiting on a peer
//! that may never answer holds no share of the server's capacity.
//!
//! The dispatcher makes the slot when it admits a request (from the server's semaphore) and hands
//! it to the request's live answer source; the ask path lends it out for exactly as long as it
//! waits. Several asks of one handler in flight at once (`join!`) lend it once; it is taken back
//! when the last of them has its answer.

use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One handler's server-wide execution slot: the permit it runs under, given back while it
/// waits on the client.
pub(crate) struct ExecutionSlot {
    semaphore: Arc<Semaphore>,
    state: Mutex<SlotState>,
}

struct SlotState {
    /// Asks of this handler now waiting on the client.
    waiting: usize,
    /// The permit, while the handler holds its slot.
    permit: Option<OwnedSemaphorePermit>,
}

impl ExecutionSlot {
    /// A slot held under `permit`, taken from `semaphore` (where it is given back to and taken
    /// again from).
    pub(crate) fn new(semaphore: Arc<Semaphore>, permit: OwnedSemaphorePermit) -> Self {
        ExecutionSlot {
            semaphore,
            state: Mutex::new(SlotState {
                waiting: 0,
                permit: Some(permit),
            }),
        }
    }

    /// True while the handler holds its permit.
    #[cfg(test)]
    pub(crate) fn is_held(&self) -> bool {
        self.lock().permit.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        // The state is two plain fields, consistent at every unlock: a poisoned lock is usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Give the slot back for the time of one wait on the client. Call [`Lent::retake`] once the
    /// answer (or the failure) is in; a `Lent` dropped without it (its future cancelled) takes
    /// the slot back only if one is free at once, since it cannot wait.
    pub(crate) fn lend(self: &Arc<Self>) -> Lent {
        let released = {
            let mut state = self.lock();
            state.waiting += 1;
            state.permit.take()
        };
        drop(released);
        Lent {
            slot: Some(Arc::clone(self)),
        }
    }

    /// One ask stopped waiting; true when it was the last and the slot must be taken back.
    fn done_waiting(&self) -> bool {
        let mut state = self.lock();
        state.waiting = state.waiting.saturating_sub(1);
        state.waiting == 0 && state.permit.is_none()
    }

    /// Keep `permit` unless another ask started waiting meanwhile (or the slot is held already).
    fn restore(&self, permit: OwnedSemaphorePermit) {
        let mut state = self.lock();
        if state.waiting == 0 && state.permit.is_none() {
            state.permit = Some(permit);
        }
    }
}

/// The slot, lent back to the server while one ask waits on the client.
#[must_use = "the slot is taken back with `retake`"]
pub(crate) struct Lent {
    slot: Option<Arc<ExecutionSlot>>,
}

impl Lent {
    /// Take the slot back (waiting for one to be free, in turn with the requests queued for
    /// admission) unless another ask of the handler is still waiting on the client.
    pub(crate) async fn retake(mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if !slot.done_waiting() {
            return;
        }
        match Arc::clone(&slot.semaphore).acquire_owned().await {
            Ok(permit) => slot.restore(permit),
            // The server's semaphore is never closed; if it were, there is nothing to hold.
            Err(_) => tracing::debug!("execution slots closed; handler continues without one"),
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if !slot.done_waiting() {
            return;
        }
        match Arc::clone(&slot.semaphore).try_acquire_owned() {
            Ok(permit) => slot.restore(permit),
            Err(_) => tracing::debug!(
                "an abandoned ask could not take its handler's execution slot back at once; \
                 the handler runs on without one"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot_of(semaphore: &Arc<Semaphore>) -> Arc<ExecutionSlot> {
        let permit = Arc::clone(semaphore).try_acquire_owned().unwrap();
        Arc::new(ExecutionSlot::new(Arc::clone(semaphore), permit))
    }

    #[tokio::test]
    async fn a_waiting_handler_gives_its_slot_back_and_takes_it_again() {
        let semaphore = Arc::new(Semaphore::new(1));
        let slot = slot_of(&semaphore);
        assert_eq!(semaphore.available_permits(), 0);
        let lent = slot.lend();
        assert!(!slot.is_held());
        assert_eq!(semaphore.available_permits(), 1, "free while waiting");
        lent.retake().await;
        assert!(slot.is_held());
        assert_eq!(semaphore.available_permits(), 0);
    }

    #[tokio::test]
    async fn concurrent_asks_lend_the_slot_once_and_the_last_takes_it_back() {
        let semaphore = Arc::new(Semaphore::new(1));
        let slot = slot_of(&semaphore);
        let (a, b) = (slot.lend(), slot.lend());
        assert_eq!(semaphore.available_permits(), 1);
        a.retake().await;
        assert!(!slot.is_held(), "the other ask still waits");
        assert_eq!(semaphore.available_permits(), 1);
        b.retake().await;
        assert!(slot.is_held());
        assert_eq!(semaphore.available_permits(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn taking_the_slot_back_waits_for_a_free_one() {
        let semaphore = Arc::new(Semaphore::new(1));
        let slot = slot_of(&semaphore);
        let lent = slot.lend();
        let other = Arc::clone(&semaphore).try_acquire_owned().unwrap();
        let retake = tokio::spawn(lent.retake());
        tokio::task::yield_now().await;
        assert!(!retake.is_finished(), "no slot is free");
        drop(other);
        retake.await.unwrap();
        assert!(slot.is_held());
    }

    #[test]
    fn an_abandoned_ask_takes_the_slot_back_when_one_is_free() {
        let semaphore = Arc::new(Semaphore::new(1));
        let slot = slot_of(&semaphore);
        drop(slot.lend());
        assert!(slot.is_held());
        assert_eq!(semaphore.available_permits(), 0);
    }
}
