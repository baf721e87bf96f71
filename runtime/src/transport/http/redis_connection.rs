//! The Redis connection the Redis-backed stores share the setup of: a lazy, reconnecting
//! connection manager with 1 s timeouts, and their error messages.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::session_store::StoreError;

/// A client for the Redis at `url` and a connection manager on it: nothing is connected yet
/// (the first command connects; a lost connection is made again), connecting and each answer
/// time out after 1 s. A URL that cannot be read is an error. Must be called within a tokio
/// runtime.
pub(crate) fn connect(url: &str) -> Result<(redis::Client, ConnectionManager), StoreError> {
    let client = redis::Client::open(url)
        .map_err(|e| StoreError::new(format!("bad Redis URL `{url}`: {e}")))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(1);
    let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)
        .map_err(|e| failed("connection setup", &e))?;
    Ok((client, connection))
}

/// Send `cmd` on `connection`, and once more when it failed on a lost or refused connection:
/// the manager reconnects only when a command fails so, and after Redis restarted the first
/// command on each stale connection would fail otherwise (a command sent again may have run
/// once already if Redis died while answering it).
pub(crate) async fn query<T: redis::FromRedisValue>(
    connection: &ConnectionManager,
    cmd: &redis::Cmd,
) -> redis::RedisResult<T> {
    let mut c = connection.clone();
    match cmd.query_async(&mut c).await {
        Err(e) if e.is_connection_dropped() || e.is_connection_refusal() => {
            cmd.query_async(&mut c).await
        }
        done => done,
    }
}

/// The error of a Redis command `what` that failed.
pub(crate) fn failed(what: &str, e: &redis::RedisError) -> StoreError {
    StoreError::new(format!("Redis {what} failed: {e}"))
}
