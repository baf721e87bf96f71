//! [`MemoryTaskStore`]: tasks kept in this process, bounded per owner and in all.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use tokio::sync::broadcast;

use super::store::{TaskCommand, TaskRecord, TaskStore, TaskStoreError};

/// The default task store: records in this process's memory. At most `max_per_owner` live
/// (unexpired) tasks per owner and `max_total` in all; expired records are dropped as new ones
/// come and whenever they are looked up. Commands ([`TaskCommand`]) reach the servers of this
/// process that share the store.
pub struct MemoryTaskStore {
    max_total: usize,
    max_per_owner: usize,
    inner: Mutex<Inner>,
    commands: broadcast::Sender<TaskCommand>,
}

#[derive(Default)]
struct Inner {
    tasks: HashMap<String, TaskRecord>,
    per_owner: HashMap<String, usize>,
}

impl Inner {
    fn remove(&mut self, task_id: &str) {
        if let Some(r) = self.tasks.remove(task_id) {
            if let Some(n) = self.per_owner.get_mut(&r.owner) {
                *n -= 1;
                if *n == 0 {
                    self.per_owner.remove(&r.owner);
                }
            }
        }
    }

    fn sweep(&mut self, now: SystemTime) {
        let expired: Vec<String> = self
            .tasks
            .values()
            .filter(|r| r.is_expired(now))
            .map(|r| r.task_id.clone())
            .collect();
        for id in expired {
            self.remove(&id);
        }
    }
}

impl MemoryTaskStore {
    /// The default caps: 10 000 tasks in all, 100 per owner.
    pub fn new() -> Self {
        Self::with_caps(10_000, 100)
    }

    /// At most `max_total` tasks in all and `max_per_owner` per owner (each at least 1).
    pub fn with_caps(max_total: usize, max_per_owner: usize) -> Self {
        MemoryTaskStore {
            max_total: max_total.max(1),
            max_per_owner: max_per_owner.max(1),
            inner: Mutex::new(Inner::default()),
            commands: broadcast::channel(256).0,
        }
    }

    /// How many tasks are held (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.inner.lock().expect("task store lock").tasks.len()
    }

    /// True when no task is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn create_now(&self, record: TaskRecord) -> Result<(), TaskStoreError> {
        let mut inner = self.inner.lock().expect("task store lock");
        let owned = |inner: &Inner| inner.per_owner.get(&record.owner).copied().unwrap_or(0);
        if inner.tasks.len() >= self.max_total || owned(&inner) >= self.max_per_owner {
            inner.sweep(SystemTime::now());
        }
        if inner.tasks.len() >= self.max_total {
            return Err(TaskStoreError::Full(format!(
                "the server holds {} tasks, its maximum",
                self.max_total
            )));
        }
        if owned(&inner) >= self.max_per_owner {
            return Err(TaskStoreError::Full(format!(
                "this caller has {} tasks, its maximum; wait for some to expire",
                self.max_per_owner
            )));
        }
        *inner.per_owner.entry(record.owner.clone()).or_insert(0) += 1;
        inner.tasks.insert(record.task_id.clone(), record);
        Ok(())
    }

    fn get_now(&self, owner: &str, task_id: &str) -> Option<TaskRecord> {
        let mut inner = self.inner.lock().expect("task store lock");
        let record = inner.tasks.get(task_id)?;
        if record.is_expired(SystemTime::now()) {
            inner.remove(task_id);
            return None;
        }
        (record.owner == owner).then(|| record.clone())
    }
}

impl Default for MemoryTaskStore {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskStore for MemoryTaskStore {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        Box::pin(std::future::ready(self.create_now(record)))
    }

    fn get<'a>(
        &'a self,
        owner: &'a str,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, TaskStoreError>> {
        Box::pin(std::future::ready(Ok(self.get_now(owner, task_id))))
    }

    fn update(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        let mut inner = self.inner.lock().expect("task store lock");
        if let Some(slot) = inner.tasks.get_mut(&record.task_id) {
            if slot.owner == record.owner {
                *slot = record;
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn send(&self, command: TaskCommand) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        // No listener is no error: then no server of this process runs the task.
        let _ = self.commands.send(command);
        Box::pin(std::future::ready(Ok(())))
    }

    fn commands(&self) -> BoxFuture<'_, BoxStream<'static, TaskCommand>> {
        let rx = self.commands.subscribe();
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(command) => return Some((command, rx)),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "task commands missed (too many at once)");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Box::pin(std::future::ready(stream.boxed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn record(id: &str, owner: &str, ttl: Duration) -> TaskRecord {
        TaskRecord::new(id.into(), owner.into(), ttl)
    }

    #[tokio::test]
    async fn records_belong_to_their_owner() {
        let store = MemoryTaskStore::new();
        store
            .create(record("t1", "alice", Duration::from_secs(60)))
            .await
            .unwrap();
        assert!(store.get("alice", "t1").await.unwrap().is_some());
        assert_eq!(store.get("bob", "t1").await.unwrap(), None);
        // Bob cannot overwrite Alice's task either.
        let mut forged = record("t1", "bob", Duration::from_secs(60));
        forged.status = crate::protocol::TaskStatus::Cancelled;
        store.update(forged).await.unwrap();
        let kept = store.get("alice", "t1").await.unwrap().unwrap();
        assert_eq!(kept.status, crate::protocol::TaskStatus::Working);
    }

    #[tokio::test]
    async fn caps_per_owner_and_in_all() {
        let store = MemoryTaskStore::with_caps(3, 2);
        let ttl = Duration::from_secs(60);
        store.create(record("a1", "a", ttl)).await.unwrap();
        store.create(record("a2", "a", ttl)).await.unwrap();
        assert!(matches!(
            store.create(record("a3", "a", ttl)).await,
            Err(TaskStoreError::Full(_))
        ));
        store.create(record("b1", "b", ttl)).await.unwrap();
        assert!(matches!(
            store.create(record("c1", "c", ttl)).await,
            Err(TaskStoreError::Full(_))
        ));
        assert_eq!(store.len(), 3);
    }

    #[tokio::test]
    async fn expired_records_are_gone_and_make_room() {
        let store = MemoryTaskStore::with_caps(1, 1);
        store
            .create(record("old", "a", Duration::ZERO))
            .await
            .unwrap();
        assert_eq!(store.get("a", "old").await.unwrap(), None);
        store
            .create(record("old2", "a", Duration::ZERO))
            .await
            .unwrap();
        // Over the cap only because of an expired record: it is swept to make room.
        store
            .create(record("new", "a", Duration::from_secs(60)))
            .await
            .unwrap();
        assert!(store.get("a", "new").await.unwrap().is_some());
        assert_eq!(store.len(), 1);
    }
}
