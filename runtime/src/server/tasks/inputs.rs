//! Asks made by a handler running as a task: each becomes an entry of the task's
//! `inputRequests` (status `input_required`) and waits for the client's `tasks/update`.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::{Live, Tasks};
use crate::context::{AnswerError, AnswerSource};
use crate::protocol::TaskStatus;

/// The answer source of a task's handler.
pub(crate) struct TaskInputs {
    pub tasks: Arc<Tasks>,
    pub live: Arc<Live>,
}

impl AnswerSource for TaskInputs {
    fn ask<'a>(
        &'a self,
        method: &'static str,
        params: Value,
        key: Option<&'a str>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>> {
        Box::pin(async move {
            let key = self.live.mint_key(key);
            let (tx, rx) = oneshot::channel();
            self.live.wait_for(&key, tx);
            let request = json!({ "method": method, "params": params });
            self.tasks
                .mutate(&self.live, move |r| {
                    r.input_requests.insert(key, request);
                    r.status = TaskStatus::InputRequired;
                })
                .await;
            // The client answers when it polls; the ask waits as long as the task lives (its
            // time to live ends the whole task), whatever timeout the ask was given.
            rx.await.map_err(|_| AnswerError::Closed)
        })
    }
}
