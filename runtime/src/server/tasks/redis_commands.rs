//! Task commands ([`TaskCommand`]) between replicas on a Redis pub/sub channel (feature `redis`):
//! what [`RedisTaskStore`](super::RedisTaskStore) uses to carry `tasks/update` and `tasks/cancel`
//! to the replica running the task.

use std::time::Duration;

use futures::stream::BoxStream;
use futures::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};

use super::store::{TaskCommand, TaskStoreError};
use crate::transport::http::redis_connection::query;

/// Publish `command` on `channel`. Redis unreachable is an error (the command is not carried).
pub(super) async fn publish(
    connection: &ConnectionManager,
    channel: &str,
    command: &TaskCommand,
) -> Result<(), TaskStoreError> {
    let json = serde_json::to_string(command).expect("task commands serialise");
    query::<i64>(connection, redis::cmd("PUBLISH").arg(channel).arg(json))
        .await
        .map(drop)
        .map_err(|e| {
            TaskStoreError::Failed(format!(
                "could not reach the replica running task `{}`: Redis PUBLISH failed: {e}",
                command.task_id()
            ))
        })
}

/// Hear `channel`: resolves once subscribed (or once the first attempt failed, or after 2 s),
/// and goes on subscribing again (every second) while Redis cannot be reached, until the stream
/// is dropped.
pub(super) async fn subscribe(
    client: redis::Client,
    channel: String,
) -> BoxStream<'static, TaskCommand> {
    let (tx, rx) = mpsc::channel(256);
    let (ready, first) = oneshot::channel();
    tokio::spawn(listen(client, channel, tx, ready));
    let _ = tokio::time::timeout(Duration::from_secs(2), first).await;
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }).boxed()
}

async fn listen(
    client: redis::Client,
    channel: String,
    tx: mpsc::Sender<TaskCommand>,
    ready: oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                    let mut messages = pubsub.into_on_message();
                    loop {
                        let msg = tokio::select! {
                            msg = messages.next() => msg,
                            () = tx.closed() => return,
                        };
                        let Some(msg) = msg else { break };
                        match serde_json::from_slice::<TaskCommand>(msg.get_payload_bytes()) {
                            Ok(command) => {
                                if tx.send(command).await.is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, %channel, "unreadable task command")
                            }
                        }
                    }
                    tracing::warn!(%channel, "Redis pub/sub connection lost; subscribing again");
                }
                Err(e) => tracing::warn!(error = %e, %channel, "Redis SUBSCRIBE failed"),
            },
            Err(e) => tracing::warn!(error = %e, "Redis pub/sub connection failed"),
        }
        if let Some(r) = ready.take() {
            let _ = r.send(());
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = tx.closed() => return,
        }
    }
}
