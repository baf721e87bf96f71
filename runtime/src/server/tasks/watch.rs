//! Task status notifications: every change of a task's record, as the `DetailedTask` that
//! `tasks/get` would answer, for the `subscriptions/listen` streams of the task's owner.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

/// A change of one task: its owner, and the task as `tasks/get` shows it.
pub(crate) type Update = Arc<(String, Value)>;

/// The method of a task status notification (as the conformance suite's
/// `tasks-status-notifications` scenario names it).
pub(crate) const NOTIFICATION: &str = "notifications/tasks";

/// The task changes one listen stream hears: those of its caller's tasks, when the caller
/// declared the extension.
pub(crate) struct Watch(Option<(String, broadcast::Receiver<Update>)>);

impl Watch {
    pub(crate) fn new(owner: Option<String>, updates: &broadcast::Sender<Update>) -> Self {
        Watch(owner.map(|o| (o, updates.subscribe())))
    }

    /// The next change of one of the owner's tasks, as notification params (never, without an
    /// owner or once the server is gone).
    pub(crate) async fn next(&mut self) -> Value {
        let Some((owner, rx)) = &mut self.0 else {
            return std::future::pending().await;
        };
        loop {
            match rx.recv().await {
                Ok(update) if update.0 == *owner => {
                    let mut params = update.1.clone();
                    if let Some(p) = params.as_object_mut() {
                        p.remove("resultType");
                    }
                    return params;
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "a listen stream fell behind on task updates");
                }
                Err(broadcast::error::RecvError::Closed) => {
                    return std::future::pending().await;
                }
            }
        }
    }
}
