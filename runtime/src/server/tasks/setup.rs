//! Configuring the tasks extension on a [`Server`]: the task store and the time to live, and what
//! the server advertises.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{MemoryTaskStore, TaskStore, Tasks, DEFAULT_TTL};
use crate::protocol::TASKS_EXTENSION;
use crate::server::registry::Registry;
use crate::server::Server;

/// The tasks configuration of a server under construction.
#[derive(Default)]
pub(crate) struct TaskSetup {
    store: Option<Arc<dyn TaskStore>>,
    ttl: Option<Duration>,
}

impl TaskSetup {
    pub(crate) fn build(self) -> Tasks {
        Tasks::new(
            self.store
                .unwrap_or_else(|| Arc::new(MemoryTaskStore::new())),
            self.ttl.unwrap_or(DEFAULT_TTL),
        )
    }
}

/// `extensions: { "io.modelcontextprotocol/tasks": {} }` when a registered tool runs as a task.
pub(crate) fn advertised(registry: &Registry) -> Map<String, Value> {
    let mut extra = Map::new();
    if registry.has_task_tools() {
        extra.insert("extensions".into(), json!({ TASKS_EXTENSION: {} }));
    }
    extra
}

impl Server {
    /// Keep tasks (the tasks extension: tools with `#[tool(task = "optional" | "required")]`)
    /// in `store` instead of the default [`MemoryTaskStore`] (10 000 tasks in all, 100 per
    /// caller).
    pub fn task_store(mut self, store: Arc<dyn TaskStore>) -> Self {
        self.tasks.store = Some(store);
        self
    }

    /// How long a task is kept after it is created (default one hour): a running task is
    /// cancelled then, and `tasks/get` no longer knows it. At least one millisecond.
    pub fn task_ttl(mut self, ttl: Duration) -> Self {
        self.tasks.ttl = Some(ttl.max(Duration::from_millis(1)));
        self
    }
}
