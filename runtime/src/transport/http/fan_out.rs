//! Carrying the changes one replica raises (list changes, resource updates) to every other
//! replica: the [`FanOut`] trait and the [`ChangeEvent`] it carries.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use super::session_store::StoreError;

/// A change every session hears about, on whichever replica it is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
#[non_exhaustive]
pub enum ChangeEvent {
    /// The tools changed (`notifications/tools/list_changed`).
    ToolsChanged,
    /// The resources changed (`notifications/resources/list_changed`).
    ResourcesChanged,
    /// The prompts changed (`notifications/prompts/list_changed`).
    PromptsChanged,
    /// The resource at `uri` changed (`notifications/resources/updated`, to its subscribers).
    ResourceUpdated {
        /// The resource's URI.
        uri: String,
    },
}

/// How the changes raised on one replica (with [`ServerHandle`](crate::ServerHandle):
/// `add_tool`, `resource_updated`, ...) reach the sessions and `subscriptions/listen` streams
/// held by every other replica (set with [`HttpConfig::fan_out`](crate::HttpConfig::fan_out)).
/// Default: none, a server's changes reach its own sessions only (all a single process needs).
///
/// Every change raised on a replica is [`publish`](FanOut::publish)ed; what
/// [`subscribe`](FanOut::subscribe) yields is delivered to the replica's sessions as if raised
/// there. `subscribe` must not yield the changes this same instance published (they were
/// delivered here already).
pub trait FanOut: Send + Sync + 'static {
    /// Tell the other replicas of `event`.
    fn publish(&self, event: ChangeEvent) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The changes the other replicas publish, from now on, for as long as the stream is kept
    /// (an implementation reconnects by itself after failures).
    fn subscribe(&self) -> BoxStream<'static, ChangeEvent>;
}
