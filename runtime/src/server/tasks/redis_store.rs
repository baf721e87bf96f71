//! [`RedisTaskStore`]: task records in Redis (feature `redis`), so that every replica answers
//! `tasks/get` for every task, with the caps kept in Redis too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use redis::aio::ConnectionManager;

use super::redis_commands;
use super::store::{TaskCommand, TaskRecord, TaskStore, TaskStoreError};
use crate::transport::http::redis_connection::{connect, failed};

/// Add a task if the caps allow: drop expired ids from the owner's and the server's sets, count,
/// then write the record (expiring with its time to live) and its ids.
/// KEYS: record, owner set, all set. ARGV: now ms, expiry ms, JSON, ttl ms, max per owner,
/// max in all, task id.
const CREATE: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then return 'total' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'owner' end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 'ok'
";

/// Replace a record if it still exists and has this owner. KEYS: record. ARGV: JSON, owner,
/// remaining ttl ms.
const UPDATE: &str = r"
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['owner'] ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
";

/// A [`TaskStore`] in Redis (feature `redis`): each task is one key, `PREFIX` + `task:` + id
/// (prefix `toolsmith:` unless set with [`RedisTaskStore::prefix`]), holding the record as JSON
/// and expiring with it; per-owner and server-wide sets of ids keep the caps (default 10 000 in
/// all, 100 per owner) across replicas.
///
/// A task's handler runs on the replica that created it; any replica answers `tasks/get`,
/// `tasks/update` and `tasks/cancel`. The last two reach the running replica as
/// [`TaskCommand`]s published on the channel `PREFIX` + `task-commands` (every replica
/// subscribes, and subscribes again after Redis restarted). A cancel is written to the record
/// first, so every replica shows `cancelled` at once.
///
/// ```no_run
/// use std::sync::Arc;
///
/// use toolsmith::{RedisTaskStore, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisTaskStore::new("redis://127.0.0.1:6379")?.caps(50_000, 200);
/// store.ping().await?;
/// let server = Server::new("replica", "1.0.0").task_store(Arc::new(store));
/// # drop(server);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisTaskStore {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
    max_total: usize,
    max_per_owner: usize,
}

impl std::fmt::Debug for RedisTaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTaskStore")
            .field("prefix", &self.prefix)
            .field("max_total", &self.max_total)
            .field("max_per_owner", &self.max_per_owner)
            .finish_non_exhaustive()
    }
}

fn millis(t: SystemTime) -> u64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn store_error(e: crate::transport::http::StoreError) -> TaskStoreError {
    TaskStoreError::Failed(e.to_string())
}

impl RedisTaskStore {
    /// A store on the Redis at `url` (`redis://host:port/db`, ...). Nothing is connected yet; a
    /// URL that cannot be read is an error. Must be called within a tokio runtime.
    pub fn new(url: &str) -> Result<Self, TaskStoreError> {
        let (client, connection) = connect(url).map_err(store_error)?;
        Ok(RedisTaskStore {
            client,
            connection,
            prefix: "toolsmith:".to_owned(),
            max_total: 10_000,
            max_per_owner: 100,
        })
    }

    /// The prefix of the keys (default `toolsmith:`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// At most `max_total` live tasks in all and `max_per_owner` per owner (each at least 1).
    pub fn caps(mut self, max_total: usize, max_per_owner: usize) -> Self {
        self.max_total = max_total.max(1);
        self.max_per_owner = max_per_owner.max(1);
        self
    }

    /// Check that Redis answers (`PING`).
    pub async fn ping(&self) -> Result<(), TaskStoreError> {
        let mut c = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map(drop)
            .map_err(|e| store_error(failed("PING", &e)))
    }

    fn key(&self, task_id: &str) -> String {
        format!("{}task:{task_id}", self.prefix)
    }

    fn owner_key(&self, owner: &str) -> String {
        format!("{}task-owner:{owner}", self.prefix)
    }

    fn all_key(&self) -> String {
        format!("{}tasks", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}task-commands", self.prefix)
    }
}

impl TaskStore for RedisTaskStore {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        Box::pin(async move {
            let json = serde_json::to_string(&record).expect("records serialise");
            let ttl = u64::try_from(record.ttl.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let mut c = self.connection.clone();
            let verdict: String = redis::cmd("EVAL")
                .arg(CREATE)
                .arg(3)
                .arg(self.key(&record.task_id))
                .arg(self.owner_key(&record.owner))
                .arg(self.all_key())
                .arg(millis(SystemTime::now()))
                .arg(millis(record.expires()))
                .arg(json)
                .arg(ttl)
                .arg(self.max_per_owner)
                .arg(self.max_total)
                .arg(&record.task_id)
                .query_async(&mut c)
                .await
                .map_err(|e| store_error(failed("EVAL (create a task)", &e)))?;
            match verdict.as_str() {
                "ok" => Ok(()),
                "owner" => Err(TaskStoreError::Full(format!(
                    "this caller has {} tasks, its maximum; wait for some to expire",
                    self.max_per_owner
                ))),
                _ => Err(TaskStoreError::Full(format!(
                    "the server holds {} tasks, its maximum",
                    self.max_total
                ))),
            }
        })
    }

    fn get<'a>(
        &'a self,
        owner: &'a str,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, TaskStoreError>> {
        Box::pin(async move {
            let mut c = self.connection.clone();
            let json: Option<String> = redis::cmd("GET")
                .arg(self.key(task_id))
                .query_async(&mut c)
                .await
                .map_err(|e| store_error(failed("GET", &e)))?;
            let Some(json) = json else { return Ok(None) };
            let record: TaskRecord = serde_json::from_str(&json).map_err(|e| {
                TaskStoreError::Failed(format!("the record of task `{task_id}` is unreadable: {e}"))
            })?;
            Ok((record.owner == owner && !record.is_expired(SystemTime::now())).then_some(record))
        })
    }

    fn update(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        Box::pin(async move {
            let left = record
                .expires()
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            if left.is_zero() {
                return Ok(()); // expired: it is gone
            }
            let json = serde_json::to_string(&record).expect("records serialise");
            let mut c = self.connection.clone();
            redis::cmd("EVAL")
                .arg(UPDATE)
                .arg(1)
                .arg(self.key(&record.task_id))
                .arg(json)
                .arg(&record.owner)
                .arg(u64::try_from(left.as_millis()).unwrap_or(u64::MAX).max(1))
                .query_async::<i64>(&mut c)
                .await
                .map(drop)
                .map_err(|e| store_error(failed("EVAL (update a task)", &e)))
        })
    }

    fn send(&self, command: TaskCommand) -> BoxFuture<'_, Result<(), TaskStoreError>> {
        Box::pin(async move {
            redis_commands::publish(&self.connection, &self.channel(), &command).await
        })
    }

    fn commands(&self) -> BoxFuture<'_, BoxStream<'static, TaskCommand>> {
        Box::pin(redis_commands::subscribe(
            self.client.clone(),
            self.channel(),
        ))
    }
}
