//! `tasks/update` and `tasks/cancel` for a task running on another server sharing the store: the
//! server asked forwards them as [`TaskCommand`]s through the [`TaskStore`](super::TaskStore),
//! and the one running the task (listening since its first task) acts on them.

use std::sync::Arc;
use std::time::SystemTime;

use futures::StreamExt;
use serde_json::{Map, Value};

use super::{wire, TaskCommand, TaskRecord, TaskStoreError, Tasks, POLL_INTERVAL};
use crate::jsonrpc::ErrorObject;
use crate::protocol::TaskStatus;

impl Tasks {
    /// Start hearing the store's commands, once (before the first task is created here, so
    /// that no command for it is missed). Ends when the server's tasks are dropped.
    pub(super) async fn listen(self: &Arc<Self>) {
        self.listening
            .get_or_init(|| async {
                let mut commands = self.store.commands().await;
                let tasks = Arc::downgrade(self);
                let stop = self.stop.clone();
                tokio::spawn(async move {
                    loop {
                        let command = tokio::select! {
                            command = commands.next() => command,
                            () = stop.cancelled() => return,
                        };
                        let (Some(command), Some(tasks)) = (command, tasks.upgrade()) else {
                            return;
                        };
                        tasks.obey(command).await;
                    }
                });
            })
            .await;
    }

    /// Act on `command` if its task runs here and belongs to the command's owner.
    async fn obey(&self, command: TaskCommand) {
        let Some(live) = self.live(command.task_id()) else {
            return; // another server runs it, or it has ended
        };
        if live.owner != command.owner() {
            tracing::warn!(task = %live.task_id, "a task command with the wrong owner; ignored");
            return;
        }
        match command {
            TaskCommand::Update { responses, .. } => self.answer(&live, responses).await,
            TaskCommand::Cancel { .. } => live.cancel.cancel(),
        }
    }

    /// `tasks/update` of `record` (read for its owner): answers the asks here, or forwards the
    /// answers to the server running the task, after taking the answered asks off the record
    /// (for `tasks/get` on every server at once). Answers to keys nobody waits for are ignored,
    /// as are all once the task has ended.
    pub(super) async fn update(
        &self,
        mut record: TaskRecord,
        mut responses: Map<String, Value>,
    ) -> Result<(), ErrorObject> {
        if let Some(live) = self.live(&record.task_id) {
            self.answer(&live, responses).await;
            return Ok(());
        }
        responses.retain(|key, _| record.input_requests.contains_key(key));
        if record.status.is_terminal() || responses.is_empty() {
            return Ok(());
        }
        let before = record.clone();
        for key in responses.keys() {
            record.input_requests.remove(key);
        }
        if record.input_requests.is_empty() && record.status == TaskStatus::InputRequired {
            record.status = TaskStatus::Working;
        }
        let command = TaskCommand::Update {
            task_id: record.task_id.clone(),
            owner: record.owner.clone(),
            responses,
        };
        self.forward(before, record, command).await
    }

    /// `tasks/cancel` of `record` (read for its owner): the record says `cancelled` first (for
    /// `tasks/get` on every server), then the handler is stopped, here or on the server running
    /// it. Nothing to do once the task has ended.
    pub(super) async fn cancel(&self, mut record: TaskRecord) -> Result<(), ErrorObject> {
        const MESSAGE: &str = "cancelled by the client";
        if let Some(live) = self.live(&record.task_id) {
            self.mutate(&live, |r| {
                r.status = TaskStatus::Cancelled;
                r.status_message = Some(MESSAGE.into());
            })
            .await;
            live.cancel.cancel();
            return Ok(());
        }
        if record.status.is_terminal() {
            return Ok(());
        }
        let before = record.clone();
        record.status = TaskStatus::Cancelled;
        record.status_message = Some(MESSAGE.into());
        record.input_requests.clear();
        let command = TaskCommand::Cancel {
            task_id: record.task_id.clone(),
            owner: record.owner.clone(),
        };
        self.forward(before, record, command).await
    }

    /// For a task running elsewhere: write its record changed to `after` (so every server shows
    /// the change at once, and the running server's own changes start from it), tell this
    /// server's listen streams, then send `command`. When the command cannot be sent, the
    /// record goes back to `before` (as far as the store allows) and the error is returned.
    async fn forward(
        &self,
        before: TaskRecord,
        mut after: TaskRecord,
        command: TaskCommand,
    ) -> Result<(), ErrorObject> {
        let internal = |e: TaskStoreError| ErrorObject::internal(e.to_string());
        after.last_updated = SystemTime::now();
        let shown = wire::detailed(&after, POLL_INTERVAL);
        let owner = after.owner.clone();
        self.store.update(after).await.map_err(internal)?;
        if let Err(e) = self.store.send(command).await {
            if let Err(undo) = self.store.update(before).await {
                tracing::warn!(error = %undo, "could not restore a task's record");
            }
            return Err(internal(e));
        }
        // No listener is no error.
        let _ = self.updates.send(Arc::new((owner, shown)));
        Ok(())
    }
}
