//! Streamable HTTP (MCP 2025-11-25 transport): one endpoint taking POST (messages), GET (the
//! session's own SSE stream, or a resumed one) and DELETE (end the session).
//!
//! Usable standalone ([`Server::serve_http`](crate::Server::serve_http)) or as an axum
//! [`Router`] nested into an existing application ([`Server::into_http_router`](crate::Server::into_http_router)).

mod accept;
mod auth;
mod busy;
mod config;
mod connection;
mod credentials;
mod event_store;
mod event_stream_body;
mod fan_out;
mod handlers;
mod health;
mod listener;
mod memory_store;
mod oauth;
mod parts_headers;
mod post_body;
#[cfg(feature = "redis")]
pub(crate) mod redis_connection;
#[cfg(feature = "redis")]
mod redis_event_store;
#[cfg(feature = "redis")]
mod redis_fan_out;
#[cfg(feature = "redis")]
mod redis_store;
mod replay_budget;
mod response_to;
mod security;
mod session_store;
mod session_sync;
mod sessions;
mod shutdown;
mod sse;
mod stream_log;
mod stream_resume;
mod timed_body;

#[cfg(test)]
mod seam_tests;

pub use auth::{BearerAuth, BearerAuthService};
pub use config::HttpConfig;
pub use event_store::{EventBounds, EventStore, StoredEvents, StreamHolder, StreamLease};
pub use fan_out::{ChangeEvent, FanOut};
pub(crate) use handlers::router;
pub use memory_store::MemorySessionStore;
pub use oauth::ResourceServer;
#[cfg(feature = "redis")]
pub use redis_event_store::RedisEventStore;
#[cfg(feature = "redis")]
pub use redis_fan_out::RedisFanOut;
#[cfg(feature = "redis")]
pub use redis_store::RedisSessionStore;
pub(crate) use session_store::SessionFacts;
pub use session_store::{SessionRecord, SessionStore, StoreError};
pub use shutdown::shutdown_signal;
