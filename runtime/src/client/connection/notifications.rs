//! The server's notifications: logs, progress, cancellations, listen acknowledgments and
//! change notifications.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{decode, Connection};
use crate::client::handlers::{LogMessage, Progress};
use crate::client::listen::ServerNotification;
use crate::jsonrpc::{Notification, RequestId};
use crate::protocol::LoggingLevel;

#[derive(Deserialize)]
struct ProgressParams {
    #[serde(rename = "progressToken")]
    token: Value,
    #[serde(flatten)]
    progress: Progress,
}

#[derive(Deserialize)]
struct CancelledParams {
    #[serde(rename = "requestId")]
    request_id: RequestId,
}

impl Connection {
    pub(super) fn on_notification(&self, notification: Notification) {
        let Notification { method, params } = notification;
        match method.as_str() {
            "notifications/message" => match decode::<LogMessage>(&method, params) {
                Ok(log) => match &self.handlers.log {
                    Some(handler) => handler(log),
                    None => trace_log(&log),
                },
                Err(e) => tracing::warn!(error = %e, "malformed log message ignored"),
            },
            "notifications/progress" => match decode::<ProgressParams>(&method, params) {
                Ok(p) => {
                    let sink = p.token.as_i64().and_then(|token| {
                        self.progress
                            .lock()
                            .expect("progress lock")
                            .get(&token)
                            .map(|s| (Arc::clone(&s.callback), Arc::clone(&s.activity)))
                    });
                    match sink {
                        Some((callback, activity)) => {
                            activity.notify_one();
                            callback(p.progress);
                        }
                        None => {
                            tracing::debug!(token = %p.token, "progress for no request in flight")
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "malformed progress notification ignored"),
            },
            "notifications/cancelled" => match decode::<CancelledParams>(&method, params) {
                Ok(p) => {
                    let task = self
                        .incoming
                        .lock()
                        .expect("incoming lock")
                        .remove(&p.request_id);
                    match task {
                        Some(task) => task.abort(),
                        // On stdio (2026-07-28) the server ends a `subscriptions/listen`
                        // stream by cancelling the client's own request: it ended gracefully.
                        None if self.pending.resolve(&p.request_id, Ok(json!({}))) => {
                            tracing::debug!(id = %p.request_id, "the server ended a request of ours")
                        }
                        None => {
                            tracing::debug!(id = %p.request_id, "cancellation for a request not in flight")
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "malformed cancellation ignored"),
            },
            "notifications/subscriptions/acknowledged" => {
                let granted = params
                    .as_ref()
                    .and_then(|p| p.get("notifications"))
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                // The oldest listen still waiting (one that failed or timed out first has
                // dropped its receiver and is skipped).
                let mut waiting = self.acknowledgments.lock().expect("acknowledgments lock");
                while let Some(waiter) = waiting.pop_front() {
                    if !waiter.is_closed() {
                        let _ = waiter.send(granted);
                        break;
                    }
                }
            }
            other => match ServerNotification::from_wire(other, params.as_ref()) {
                Some(n) => match &self.handlers.notification {
                    Some(handler) => handler(n),
                    None => tracing::debug!(notification = ?n, "no on_notification callback"),
                },
                None => tracing::debug!(method = other, "notification ignored"),
            },
        }
    }
}

/// Without an `on_log` handler, server logs become `tracing` events.
fn trace_log(log: &LogMessage) {
    let logger = log.logger.as_deref().unwrap_or("");
    let text = log.text();
    match log.level {
        LoggingLevel::Debug => tracing::debug!(logger, "server: {text}"),
        LoggingLevel::Info | LoggingLevel::Notice => tracing::info!(logger, "server: {text}"),
        LoggingLevel::Warning => tracing::warn!(logger, "server: {text}"),
        _ => tracing::error!(logger, level = ?log.level, "server: {text}"),
    }
}
