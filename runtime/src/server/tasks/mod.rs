//! The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663), server side.
//!
//! A `tools/call` of a task-supporting tool, from a caller that declares the extension, answers
//! at once with the new task (`resultType: "task"`) and runs the handler in the background. The
//! caller polls `tasks/get` (status; once done, the result or error inlined), answers the
//! handler's asks with `tasks/update` (they show as `inputRequests` while the task is
//! `input_required`), and may `tasks/cancel` it. Records live in a [`TaskStore`] (bounded; each
//! expires after its time to live); what runs (the handler, asks waiting for answers) stays here,
//! and `tasks/update` and `tasks/cancel` asked of another server sharing the store reach it
//! through the store ([`TaskCommand`]).

mod calls;
mod commands;
mod escalate;
mod inputs;
mod memory_store;
#[cfg(feature = "redis")]
mod redis_commands;
#[cfg(feature = "redis")]
mod redis_store;
mod setup;
mod store;
mod watch;
mod wire;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

pub(crate) use calls::{gate, mode, Mode, METHODS};
pub(crate) use escalate::Escalation;
pub use memory_store::MemoryTaskStore;
#[cfg(feature = "redis")]
pub use redis_store::RedisTaskStore;
pub(crate) use setup::{advertised, TaskSetup};
pub use store::{TaskCommand, TaskRecord, TaskStore, TaskStoreError};
pub(crate) use watch::{Watch, NOTIFICATION};

use super::prepare::Prepared;
use super::reply::Reply;
use super::runner::{self, Answers, ScopeParts};
use super::{parse_params, ServerCore};
use crate::context::{LogFilter, PeerInfo};
use crate::jsonrpc::{ErrorObject, RequestId};
use crate::protocol::codes::{MISSING_CLIENT_CAPABILITY, SERVER_BUSY};
use crate::protocol::{ClientCapabilities, TaskStatus, TASKS_EXTENSION};
use crate::transport::{FrameReceiver, Outbox};

/// How long a task is kept after it is created, unless set with `Server::task_ttl`.
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
/// How often a client is told to poll.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// True when `caps` declare the tasks extension (`extensions["io.modelcontextprotocol/tasks"]`).
pub(crate) fn declared(caps: &ClientCapabilities) -> bool {
    caps.extra
        .get("extensions")
        .and_then(|e| e.get(TASKS_EXTENSION))
        .is_some()
}

/// The missing-capability error (`-32021`) naming the tasks extension.
pub(crate) fn missing_extension(message: String) -> ErrorObject {
    ErrorObject::new(MISSING_CLIENT_CAPABILITY, message).with_data(json!({
        "requiredCapabilities": { "extensions": { TASKS_EXTENSION: {} } }
    }))
}

/// Whom a task belongs to: the authenticated subject, else every unauthenticated caller alike
/// (the stateless era has no session to bind a task to).
pub(crate) fn owner(subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!("subject:{s}"),
        None => "anonymous".to_owned(),
    }
}

/// 128 random bits in hex.
fn new_task_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What runs for one task here: its cancellation, and the asks waiting for `tasks/update`.
pub(crate) struct Live {
    task_id: String,
    owner: String,
    cancel: CancellationToken,
    /// Serialises changes to the task's record (read, change, write).
    lock: tokio::sync::Mutex<()>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Value>>>,
    next: AtomicU64,
}

impl Live {
    /// A key for a new ask: the author's, unless already waiting, else `input-N`.
    fn mint_key(&self, key: Option<&str>) -> String {
        let waiting = self.waiting.lock().expect("waiting lock");
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        match key {
            Some(k) if !waiting.contains_key(k) => k.to_owned(),
            Some(k) => format!("{k}-{n}"),
            None => format!("input-{n}"),
        }
    }

    fn wait_for(&self, key: &str, tx: oneshot::Sender<Value>) {
        self.waiting
            .lock()
            .expect("waiting lock")
            .insert(key.to_owned(), tx);
    }
}

/// The tasks of one server: the store and what runs here.
pub(crate) struct Tasks {
    store: Arc<dyn TaskStore>,
    ttl: Duration,
    live: Mutex<HashMap<String, Arc<Live>>>,
    /// Every change of a task's record (for status notifications).
    updates: tokio::sync::broadcast::Sender<watch::Update>,
    /// Set once this server hears the store's commands (see `commands.rs`).
    listening: tokio::sync::OnceCell<()>,
    /// Ends the hearing when the server's tasks are dropped.
    stop: CancellationToken,
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskParams {
    task_id: String,
    #[serde(default)]
    input_responses: Option<Map<String, Value>>,
}

/// What a request contributes to the task it starts.
pub(crate) struct Start {
    pub id: RequestId,
    pub peer: Arc<PeerInfo>,
    pub log_filter: Arc<LogFilter>,
    pub owner: String,
}

impl Tasks {
    pub(crate) fn new(store: Arc<dyn TaskStore>, ttl: Duration) -> Self {
        Tasks {
            store,
            ttl,
            live: Mutex::new(HashMap::new()),
            updates: tokio::sync::broadcast::channel(256).0,
            listening: tokio::sync::OnceCell::new(),
            stop: CancellationToken::new(),
        }
    }

    /// Create a task owned by `owner`: in the store (so `tasks/get` finds it from now on), and
    /// live here.
    async fn create(
        self: &Arc<Self>,
        owner: String,
    ) -> Result<(TaskRecord, Arc<Live>), ErrorObject> {
        self.listen().await;
        let record = TaskRecord::new(new_task_id(), owner.clone(), self.ttl);
        self.store
            .create(record.clone())
            .await
            .map_err(|e| match e {
                TaskStoreError::Full(m) => ErrorObject::new(SERVER_BUSY, m),
                e => ErrorObject::internal(e.to_string()),
            })?;
        let live = Arc::new(Live {
            task_id: record.task_id.clone(),
            owner,
            cancel: CancellationToken::new(),
            lock: tokio::sync::Mutex::new(()),
            waiting: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
        });
        self.live
            .lock()
            .expect("live lock")
            .insert(record.task_id.clone(), Arc::clone(&live));
        Ok((record, live))
    }

    /// Run a task's handler in the background until it ends, is cancelled or outlives its time
    /// to live, and record how it ended.
    fn run_in_background(
        self: &Arc<Self>,
        live: Arc<Live>,
        run: impl Future<Output = Result<Reply, ErrorObject>> + Send + 'static,
    ) {
        let tasks = Arc::clone(self);
        let ttl = self.ttl;
        tokio::spawn(async move {
            // `Err(note)`: stopped before its end, cancelled with that note.
            let outcome = tokio::select! {
                outcome = run => Ok(outcome.map(Reply::into_value)),
                _ = live.cancel.cancelled() => Err("cancelled by the client"),
                _ = tokio::time::sleep(ttl) => Err("the task outlived its time to live"),
            };
            tasks
                .mutate(&live, |r| match outcome {
                    Ok(Ok(result)) => {
                        r.status = TaskStatus::Completed;
                        r.result = Some(result);
                    }
                    Ok(Err(e)) => {
                        r.status = TaskStatus::Failed;
                        r.error = Some(serde_json::to_value(e).expect("errors serialise"));
                    }
                    Err(note) => {
                        r.status = TaskStatus::Cancelled;
                        r.status_message = Some(note.into());
                    }
                })
                .await;
            tasks.live.lock().expect("live lock").remove(&live.task_id);
        });
    }

    /// Create a task for `prepared`, start its handler in the background, and return the
    /// `CreateTaskResult` (only once the store holds the task).
    pub(crate) async fn start(
        self: &Arc<Self>,
        core: &ServerCore,
        mut prepared: Prepared,
        start: Start,
    ) -> Result<Value, ErrorObject> {
        let (record, live) = self.create(start.owner).await?;
        // A task that panics failed (a protocol-level error), rather than completing with a tool
        // error as a plain call does.
        let name = prepared.binding.name().to_owned();
        prepared.on_panic = Box::new(move || {
            Err(ErrorObject::internal(format!(
                "tool `{name}` failed unexpectedly"
            )))
        });
        // The handler's progress messages become the task's `statusMessage` (the caller polls);
        // its other notifications are dropped. Progress needs a token: the task's id, unless
        // the call gave one.
        prepared
            .meta
            .get_or_insert_with(Map::new)
            .entry("progressToken")
            .or_insert_with(|| json!(record.task_id));
        let (sink, frames) = Outbox::channel();
        self.follow_progress(Arc::clone(&live), frames);
        let (run, _) = runner::run(
            core,
            prepared,
            ScopeParts {
                id: start.id,
                peer: start.peer,
                log_filter: start.log_filter,
                sink,
                answers: Answers::Task(Box::new(self.inputs(&live))),
                cancel: live.cancel.clone(),
            },
        );
        self.run_in_background(live, run);
        Ok(wire::create_result(&record, POLL_INTERVAL))
    }

    /// Read what a task's handler sends; each progress message becomes its `statusMessage`.
    /// Ends with the handler (when the last sender is gone).
    fn follow_progress(self: &Arc<Self>, live: Arc<Live>, mut frames: FrameReceiver) {
        let tasks = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(frame) = frames.recv().await {
                let Ok(message) = serde_json::from_str::<Value>(&frame) else {
                    continue;
                };
                if message["method"] != "notifications/progress" {
                    continue;
                }
                if let Some(text) = message["params"]["message"].as_str() {
                    let text = text.to_owned();
                    tasks.mutate(&live, |r| r.status_message = Some(text)).await;
                }
            }
        });
    }

    /// Make the running request `run`, whose handler asked through `escalation`, a task owned
    /// by `owner`, and return the `CreateTaskResult`. When no task can be made, the handler goes
    /// on as a plain request and the error is logged.
    pub(crate) async fn adopt(
        self: &Arc<Self>,
        escalation: &Escalation,
        owner: String,
        run: BoxFuture<'static, Result<Reply, ErrorObject>>,
    ) -> Result<Value, BoxFuture<'static, Result<Reply, ErrorObject>>> {
        match self.create(owner).await {
            Ok((record, live)) => {
                escalation.grant(self.inputs(&live));
                self.run_in_background(live, run);
                Ok(wire::create_result(&record, POLL_INTERVAL))
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "could not make a call a task; it goes on as a plain call");
                escalation.refuse();
                Err(run)
            }
        }
    }

    fn inputs(self: &Arc<Self>, live: &Arc<Live>) -> inputs::TaskInputs {
        inputs::TaskInputs {
            tasks: Arc::clone(self),
            live: Arc::clone(live),
        }
    }

    /// Change the record of a live task, unless it is gone or already terminal (stopping the
    /// handler when the record says `cancelled`).
    async fn mutate(&self, live: &Live, change: impl FnOnce(&mut TaskRecord)) {
        let _held = live.lock.lock().await;
        match self.store.get(&live.owner, &live.task_id).await {
            Ok(Some(mut r)) if !r.status.is_terminal() => {
                change(&mut r);
                if r.status.is_terminal() {
                    r.input_requests.clear();
                }
                r.last_updated = SystemTime::now();
                let shown = wire::detailed(&r, POLL_INTERVAL);
                match self.store.update(r).await {
                    Ok(()) => {
                        // No listener is no error.
                        let _ = self.updates.send(Arc::new((live.owner.clone(), shown)));
                    }
                    Err(e) => {
                        tracing::warn!(task = %live.task_id, error = %e, "could not update a task")
                    }
                }
            }
            // Cancelled through another server, whose command has not arrived (or was lost
            // while Redis was away): stop the handler now.
            Ok(Some(r)) if r.status == TaskStatus::Cancelled => live.cancel.cancel(),
            Ok(_) => {}
            Err(e) => tracing::warn!(task = %live.task_id, error = %e, "could not read a task"),
        }
    }

    /// The task changes a listen stream of `owner` hears (none without an owner).
    pub(crate) fn watch(&self, owner: Option<String>) -> Watch {
        Watch::new(owner, &self.updates)
    }

    fn live(&self, task_id: &str) -> Option<Arc<Live>> {
        self.live.lock().expect("live lock").get(task_id).cloned()
    }

    /// The record of `task_id` if `owner` owns it; else the unknown-task error (`-32602`).
    async fn record(&self, owner: &str, task_id: &str) -> Result<TaskRecord, ErrorObject> {
        match self.store.get(owner, task_id).await {
            Ok(Some(r)) => Ok(r),
            Ok(None) => Err(ErrorObject::invalid_params(format!(
                "unknown task: `{task_id}`"
            ))),
            Err(e) => Err(ErrorObject::internal(e.to_string())),
        }
    }

    /// Serve `tasks/get`, `tasks/update` or `tasks/cancel` for `owner`.
    pub(crate) async fn serve(
        &self,
        method: &str,
        owner: &str,
        params: Option<Value>,
    ) -> Result<Value, ErrorObject> {
        let p: TaskParams = parse_params(method, params)?;
        let record = self.record(owner, &p.task_id).await?;
        match method {
            "tasks/get" => Ok(wire::detailed(&record, POLL_INTERVAL)),
            "tasks/update" => {
                let Some(responses) = p.input_responses else {
                    return Err(ErrorObject::invalid_params(
                        "`tasks/update` needs `inputResponses`, an object keyed by input request",
                    ));
                };
                self.update(record, responses).await?;
                Ok(wire::ack())
            }
            "tasks/cancel" => {
                self.cancel(record).await?;
                Ok(wire::ack())
            }
            other => Err(ErrorObject::method_not_found(other)),
        }
    }

    /// Hand the client's answers to the asks waiting for them; answers to keys nobody waits
    /// for are ignored.
    async fn answer(&self, live: &Live, responses: Map<String, Value>) {
        let mut answered = Vec::new();
        {
            let mut waiting = live.waiting.lock().expect("waiting lock");
            for (key, value) in responses {
                if let Some(tx) = waiting.remove(&key) {
                    if tx.send(value).is_ok() {
                        answered.push(key);
                    }
                }
            }
        }
        if answered.is_empty() {
            return;
        }
        self.mutate(live, |r| {
            for key in &answered {
                r.input_requests.remove(key);
            }
            if r.input_requests.is_empty() && r.status == TaskStatus::InputRequired {
                r.status = TaskStatus::Working;
            }
        })
        .await;
    }
}
