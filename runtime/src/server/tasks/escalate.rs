//! A call that starts as a plain request and becomes a task when its handler calls
//! `ctx.run_as_task()` (`#[tool(task = "..", escalate)]`): before, asks are answered by multi
//! round-trip; after, they wait for `tasks/update`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;
use tokio::sync::{oneshot, Notify};

use super::inputs::TaskInputs;
use crate::context::{AnswerError, AnswerSource, ReplayAnswers, Round};

/// The meeting point of a handler asking to become a task and the dispatcher making it one.
pub(crate) struct Escalation {
    /// The task's answer source, once it is a task.
    after: OnceLock<TaskInputs>,
    /// The handler's request, waiting for the dispatcher's grant (dropped: refused).
    grant: Mutex<Option<oneshot::Sender<()>>>,
    requested: Notify,
}

impl Escalation {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Escalation {
            after: OnceLock::new(),
            grant: Mutex::new(None),
            requested: Notify::new(),
        })
    }

    /// Completes when the handler asks to become a task.
    pub(crate) async fn requested(&self) {
        self.requested.notified().await
    }

    /// The handler's request, if one waits.
    fn take_grant(&self) -> Option<oneshot::Sender<()>> {
        self.grant.lock().expect("grant lock").take()
    }

    /// Make it a task: asks go to `inputs` from now on, and the handler goes on.
    pub(crate) fn grant(&self, inputs: TaskInputs) {
        let _ = self.after.set(inputs);
        if let Some(tx) = self.take_grant() {
            let _ = tx.send(());
        }
    }

    /// Refuse: the handler goes on as a plain request.
    pub(crate) fn refuse(&self) {
        drop(self.take_grant());
    }

    /// The answer source of an escalating request: the round's until it is a task.
    pub(crate) fn answers(self: &Arc<Self>, round: Arc<Round>) -> Box<dyn AnswerSource> {
        Box::new(Escalating {
            escalation: Arc::clone(self),
            before: ReplayAnswers(round),
        })
    }
}

struct Escalating {
    escalation: Arc<Escalation>,
    before: ReplayAnswers,
}

impl AnswerSource for Escalating {
    fn ask<'a>(
        &'a self,
        method: &'static str,
        params: Value,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>> {
        match self.escalation.after.get() {
            Some(task) => task.ask(method, params, key, timeout),
            None => self.before.ask(method, params, key, timeout),
        }
    }

    fn recall(&self, name: &str) -> (String, Option<Value>) {
        self.before.recall(name)
    }

    fn remember(&self, key: String, value: Value) {
        self.before.remember(key, value)
    }

    fn escalate(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            if self.escalation.after.get().is_some() {
                return true;
            }
            let (tx, rx) = oneshot::channel();
            *self.escalation.grant.lock().expect("grant lock") = Some(tx);
            self.escalation.requested.notify_one();
            rx.await.is_ok()
        })
    }
}
