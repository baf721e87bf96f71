//! Shared by the `example_*` tests: build an example server once, start it as a child process,
//! connect the toolkit's client to it, and record what the scripted sampling handler was asked.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::process::Command;
use toolsmith::client::{Client, ClientBuilder, Progress, SamplingRequest};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the workspace root")
        .to_path_buf()
}

/// Build the example `name` once per test process (`cargo build --example NAME`, with the
/// `cargo` running the tests), and return the path of its executable.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap();
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(&cargo)
        .args(["build", "--example", name])
        .current_dir(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run `{cargo} build`: {e}"));
    assert!(
        output.status.success(),
        "`cargo build --example {name}` failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let path = target
        .join("debug")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} was not built", path.display());
    built.insert(name.to_owned(), path.clone());
    path
}

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
