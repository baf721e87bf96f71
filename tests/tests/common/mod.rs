//! Shared by the `example_*` tests: build an example server once, start it as a child process,
//! connect the toolkit's client to it, and record what the scripted sampling handler was asked.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::process::Command;
use toolsmith::client::{Client, ClientBuilder, Progress, SamplingRequest};
use toolsmith_tests::interop::example_binary;

fn command(example: &str, args: &[&str]) -> Command {
    let mut command = Command::new(example_binary(example));
    command.args(args);
    command
}

/// Start the example with `args` and connect `builder` to it over its stdio.
pub async fn start(example: &str, args: &[&str], builder: ClientBuilder) -> Client {
    builder
        .request_timeout(Duration::from_secs(30))
        .connect_stdio(command(example, args))
        .await
        .unwrap_or_else(|e| panic!("connect to {example}: {e}"))
}

/// What a scripted sampling handler was asked, and how many requests it was answering at once.
#[derive(Default)]
pub struct Journal {
    requests: Mutex<Vec<SamplingRequest>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Journal {
    /// Record `request`.
    pub fn record(&self, request: &SamplingRequest) {
        self.requests.lock().unwrap().push(request.clone());
    }

    /// Record `request`, and count it as in flight until the guard is dropped.
    pub fn enter(self: &Arc<Self>, request: &SamplingRequest) -> InFlight {
        self.record(request);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<SamplingRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A request being answered; see [`Journal::enter`].
pub struct InFlight(Arc<Journal>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A progress callback for `call_tool_with_progress` and the list it fills.
pub fn progress_recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(Progress) + Send + Sync + 'static,
) {
    let updates: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = Arc::clone(&updates);
    (updates, move |p| sink.lock().unwrap().push(p))
}
