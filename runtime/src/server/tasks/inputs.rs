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
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>> {
        Box::pin(async move {
            let key = self.live.mint_key(key);
            let (tx, rx) = oneshot::channel();
            self.live.wait_for(&key, tx);
            let request = json!({ "method": method, "params": params });
            let k = key.clone();
            self.tasks
                .mutate(&self.live, move |r| {
                    r.input_requests.insert(k, request);
                    r.status = TaskStatus::InputRequired;
                })
                .await;
            match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(_)) => Err(AnswerError::Closed),
                Err(_) => {
                    // No answer in time: the ask is withdrawn from the task.
                    self.live.forget(&key);
                    self.tasks
                        .mutate(&self.live, move |r| {
                            r.input_requests.remove(&key);
                            if r.input_requests.is_empty() {
                                r.status = TaskStatus::Working;
                            }
                        })
                        .await;
                    Err(AnswerError::Timeout(timeout))
                }
            }
        })
    }
}
