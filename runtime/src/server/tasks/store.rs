//! Where tasks (the tasks extension) are kept: the [`TaskStore`] trait and the [`TaskRecord`] it
//! holds. What a task has running (its handler, the asks waiting for `tasks/update`) stays with
//! the server that runs it; the record is what `tasks/get` shows. A store also carries
//! [`TaskCommand`]s (`tasks/update` answers, `tasks/cancel`) from the server a client asked to the
//! one running the task.

use std::fmt;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::protocol::TaskStatus;

/// One task: what `tasks/get` answers with, and whom it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskRecord {
    /// The task's id: 128 random bits in hex, minted by the server.
    pub task_id: String,
    /// Who created it (the authenticated subject, else everyone unauthenticated alike): only
    /// the same caller can see, answer or cancel it.
    pub owner: String,
    /// Where it is in its life.
    pub status: TaskStatus,
    /// A human-readable note on the status, if any.
    pub status_message: Option<String>,
    /// When it was created.
    pub created: SystemTime,
    /// When its status (or anything else) last changed.
    pub last_updated: SystemTime,
    /// How long after `created` it is kept (then it is gone: `tasks/get` says unknown task).
    pub ttl: Duration,
    /// The tool's result, once `completed`.
    pub result: Option<Value>,
    /// The error object, once `failed`.
    pub error: Option<Value>,
    /// The asks waiting for the client's answers (`input_required`), by key: each a request
    /// object (`method`, `params`).
    pub input_requests: Map<String, Value>,
}

impl TaskRecord {
    /// A new `working` task created now.
    pub fn new(task_id: String, owner: String, ttl: Duration) -> Self {
        let now = SystemTime::now();
        TaskRecord {
            task_id,
            owner,
            status: TaskStatus::Working,
            status_message: None,
            created: now,
            last_updated: now,
            ttl,
            result: None,
            error: None,
            input_requests: Map::new(),
        }
    }

    /// When it expires.
    pub fn expires(&self) -> SystemTime {
        self.created + self.ttl
    }

    /// True once its time to live has passed.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires()
    }
}

/// A task store refused or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskStoreError {
    /// No room: the caller, or the server, has as many live tasks as it may.
    Full(String),
    /// The store failed (unreachable, or it answered something unreadable).
    Failed(String),
}

impl fmt::Display for TaskStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskStoreError::Full(m) => write!(f, "task store full: {m}"),
            TaskStoreError::Failed(m) => write!(f, "task store: {m}"),
        }
    }
}

impl std::error::Error for TaskStoreError {}

/// Where tasks are kept (set with [`Server::task_store`](crate::Server::task_store); the default
/// is a [`MemoryTaskStore`](crate::MemoryTaskStore)).
///
/// A store bounds what it holds: `create` refuses a task over its caps (per owner and in all),
/// and a record is gone once its time to live ([`TaskRecord::expires`]) has passed.
pub trait TaskStore: Send + Sync + 'static {
    /// Add a new task, or refuse it with [`TaskStoreError::Full`].
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>>;

    /// The task `task_id` if `owner` owns it and it has not expired.
    fn get<'a>(
        &'a self,
        owner: &'a str,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, TaskStoreError>>;

    /// Replace a task's record (nothing happens when it is gone).
    fn update(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>>;

    /// Carry `command` to every server listening with [`TaskStore::commands`] (the one running
    /// the task acts on it; the others ignore it). A store shared by several servers must carry
    /// commands between them; the default refuses with a clear error, for a store that is not
    /// shared.
    fn send(&self, command: TaskCommand) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        Box::pin(std::future::ready(Err(TaskStoreError::Failed(format!(
            "task `{}` does not run on this server, and its task store cannot reach the one \
             it runs on",
            command.task_id()
        )))))
    }

    /// The commands [`TaskStore::send`] carries, from every server sharing this store (this
    /// one's included). Resolves once it is listening, so that nothing sent afterwards is
    /// missed (or once a first attempt failed; it keeps trying). A store that keeps listening
    /// across outages (e.g. subscribes again after Redis restarted) says so; the default hears
    /// nothing.
    fn commands(&self) -> BoxFuture<'_, BoxStream<'static, TaskCommand>> {
        Box::pin(std::future::ready(
            Box::pin(futures::stream::pending()) as BoxStream<'static, TaskCommand>
        ))
    }
}

/// A client's request about a task, carried by the [`TaskStore`] to the server running it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "camelCase")]
#[non_exhaustive]
pub enum TaskCommand {
    /// `tasks/update`: hand `responses` (answers by input request key) to the task's waiting
    /// asks.
    #[serde(rename_all = "camelCase")]
    Update {
        /// The task.
        task_id: String,
        /// Its owner, as the record read for the client says.
        owner: String,
        /// The client's `inputResponses`.
        responses: Map<String, Value>,
    },
    /// `tasks/cancel`: stop the task's handler (its record already says `cancelled`).
    #[serde(rename_all = "camelCase")]
    Cancel {
        /// The task.
        task_id: String,
        /// Its owner, as the record read for the client says.
        owner: String,
    },
}

impl TaskCommand {
    /// The task the command is about.
    pub fn task_id(&self) -> &str {
        match self {
            TaskCommand::Update { task_id, .. } | TaskCommand::Cancel { task_id, .. } => task_id,
        }
    }

    /// The owner the command was checked against.
    pub fn owner(&self) -> &str {
        match self {
            TaskCommand::Update { owner, .. } | TaskCommand::Cancel { owner, .. } => owner,
        }
    }
}
