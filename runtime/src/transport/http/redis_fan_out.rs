//! [`RedisFanOut`]: changes carried between replicas on a Redis pub/sub channel.

use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::fan_out::{ChangeEvent, FanOut};
use super::redis_connection::{connect, query};
use super::session_store::StoreError;

/// A [`FanOut`] on Redis pub/sub (feature `redis`): every change is published as JSON on one
/// channel (`toolsmith:changes` unless set with [`RedisFanOut::channel`]), tagged with this
/// instance's random id so that it does not hear its own. Replicas given the same Redis (and
/// channel) hear each other's changes. Pub/sub delivers to the replicas connected at the time:
/// one reconnecting after Redis restarted misses what was published meanwhile.
///
/// ```no_run
/// use std::sync::Arc;
///
/// use toolsmith::{HttpConfig, RedisFanOut, RedisSessionStore, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let url = "redis://127.0.0.1:6379";
/// let config = HttpConfig::default()
///     .session_store(Arc::new(RedisSessionStore::new(url)?))
///     .fan_out(Arc::new(RedisFanOut::new(url)?));
/// Server::new("replica", "1.0.0").serve_http_with("0.0.0.0:8080", config).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisFanOut {
    client: redis::Client,
    connection: ConnectionManager,
    channel: String,
    origin: String,
}

impl std::fmt::Debug for RedisFanOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisFanOut")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// What goes on the channel.
#[derive(Serialize, Deserialize)]
struct Published {
    origin: String,
    change: ChangeEvent,
}

impl RedisFanOut {
    /// A fan-out on the Redis at `url` (as for
    /// [`RedisSessionStore::new`](crate::RedisSessionStore::new)). Nothing is connected yet; a
    /// URL that cannot be read is an error. Must be called within a tokio runtime.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let (client, connection) = connect(url)?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).expect("the operating system's random number generator failed");
        Ok(RedisFanOut {
            client,
            connection,
            channel: "toolsmith:changes".to_owned(),
            origin: id.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    /// The pub/sub channel (default `toolsmith:changes`), e.g. to keep two services in one
    /// Redis apart.
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = channel.into();
        self
    }
}

/// Hear the channel until `tx`'s receiver is dropped, subscribing again (every second) while
/// Redis cannot be reached.
async fn listen(
    client: redis::Client,
    channel: String,
    origin: String,
    tx: mpsc::Sender<ChangeEvent>,
) {
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    let mut messages = pubsub.into_on_message();
                    loop {
                        let msg = tokio::select! {
                            msg = messages.next() => msg,
                            () = tx.closed() => return,
                        };
                        let Some(msg) = msg else { break };
                        match serde_json::from_slice::<Published>(msg.get_payload_bytes()) {
                            Ok(p) if p.origin == origin => {}
                            Ok(p) => {
                                if tx.send(p.change).await.is_err() {
                                    return;
                                }
                            }
                            Err(e) => tracing::warn!(error = %e, %channel, "unreadable change"),
                        }
                    }
                    tracing::warn!(%channel, "Redis pub/sub connection lost; subscribing again");
                }
                Err(e) => tracing::warn!(error = %e, %channel, "Redis SUBSCRIBE failed"),
            },
            Err(e) => tracing::warn!(error = %e, "Redis pub/sub connection failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = tx.closed() => return,
        }
    }
}

impl FanOut for RedisFanOut {
    fn publish(&self, change: ChangeEvent) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let message = Published {
                origin: self.origin.clone(),
                change,
            };
            let json = serde_json::to_string(&message).expect("changes serialise");
            query::<()>(
                &self.connection,
                redis::cmd("PUBLISH").arg(&self.channel).arg(json),
            )
            .await
            .map_err(|e| StoreError::new(format!("Redis PUBLISH failed: {e}")))
        })
    }

    fn subscribe(&self) -> BoxStream<'static, ChangeEvent> {
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(listen(
            self.client.clone(),
            self.channel.clone(),
            self.origin.clone(),
            tx,
        ));
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
            .boxed()
    }
}
