//! Change notifications from the server: list changes and resource updates, delivered to the
//! callback of [`ClientBuilder::on_notification`](super::ClientBuilder::on_notification).
//!
//! In the handshake era the server sends them on its own (list changes when the capability says
//! `listChanged`, resource updates after [`Client::subscribe_resource`]). In protocol 2026-07-28
//! nothing arrives unasked: [`Client::listen`] opens a `subscriptions/listen` stream naming what
//! the client wants, and the notifications travel on it until it is closed.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::connection::Connection;
use super::{era, Client, ClientError};

/// A change the server announced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerNotification {
    /// `notifications/tools/list_changed`.
    ToolsListChanged,
    /// `notifications/prompts/list_changed`.
    PromptsListChanged,
    /// `notifications/resources/list_changed`.
    ResourcesListChanged,
    /// `notifications/resources/updated`: the resource at `uri` changed; read it again.
    ResourceUpdated {
        /// The resource's URI.
        uri: String,
    },
    /// `notifications/elicitation/complete` (2025-11-25): the user completed the URL-mode
    /// elicitation `elicitation_id`; a request refused for want of it (`-32042`) can be retried.
    ElicitationComplete {
        /// The server's id for the elicitation.
        elicitation_id: String,
    },
}

impl ServerNotification {
    /// The notification a wire message is, if it is one of these.
    pub(crate) fn from_wire(method: &str, params: Option<&Value>) -> Option<Self> {
        Some(match method {
            "notifications/tools/list_changed" => ServerNotification::ToolsListChanged,
            "notifications/prompts/list_changed" => ServerNotification::PromptsListChanged,
            "notifications/resources/list_changed" => ServerNotification::ResourcesListChanged,
            "notifications/resources/updated" => ServerNotification::ResourceUpdated {
                uri: params?.get("uri")?.as_str()?.to_owned(),
            },
            "notifications/elicitation/complete" => ServerNotification::ElicitationComplete {
                elicitation_id: params?.get("elicitationId")?.as_str()?.to_owned(),
            },
            _ => return None,
        })
    }
}

/// A notification callback behind a pointer.
pub(crate) type NotificationFn = Arc<dyn Fn(ServerNotification) + Send + Sync>;

/// What a `subscriptions/listen` stream asks for (protocol 2026-07-28). Every kind is opt-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenFilter {
    /// `notifications/tools/list_changed`.
    pub tools_list_changed: bool,
    /// `notifications/prompts/list_changed`.
    pub prompts_list_changed: bool,
    /// `notifications/resources/list_changed`.
    pub resources_list_changed: bool,
    /// `notifications/resources/updated` for these URIs.
    pub resource_subscriptions: Vec<String>,
}

impl ListenFilter {
    /// Nothing yet; add what you want.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also tool list changes.
    pub fn tools(mut self) -> Self {
        self.tools_list_changed = true;
        self
    }

    /// Also prompt list changes.
    pub fn prompts(mut self) -> Self {
        self.prompts_list_changed = true;
        self
    }

    /// Also resource list changes.
    pub fn resources(mut self) -> Self {
        self.resources_list_changed = true;
        self
    }

    /// Also updates of the resource at `uri`.
    pub fn resource(mut self, uri: impl Into<String>) -> Self {
        self.resource_subscriptions.push(uri.into());
        self
    }

    fn to_params(&self) -> Value {
        let mut n = serde_json::Map::new();
        for (key, on) in [
            ("toolsListChanged", self.tools_list_changed),
            ("promptsListChanged", self.prompts_list_changed),
            ("resourcesListChanged", self.resources_list_changed),
        ] {
            if on {
                n.insert(key.into(), json!(true));
            }
        }
        if !self.resource_subscriptions.is_empty() {
            n.insert(
                "resourceSubscriptions".into(),
                json!(self.resource_subscriptions),
            );
        }
        json!({ "notifications": n })
    }

    fn from_granted(granted: &Value) -> Self {
        let flag = |k: &str| granted.get(k).and_then(Value::as_bool).unwrap_or(false);
        ListenFilter {
            tools_list_changed: flag("toolsListChanged"),
            prompts_list_changed: flag("promptsListChanged"),
            resources_list_changed: flag("resourcesListChanged"),
            resource_subscriptions: granted
                .get("resourceSubscriptions")
                .and_then(Value::as_array)
                .map(|uris| {
                    uris.iter()
                        .filter_map(|u| u.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// An open `subscriptions/listen` stream. Its notifications go to the client's
/// [`on_notification`](super::ClientBuilder::on_notification) callback. Dropping it (or
/// [`close`](Subscription::close)) ends the stream.
#[derive(Debug)]
pub struct Subscription {
    granted: ListenFilter,
    task: Option<JoinHandle<Result<Value, ClientError>>>,
}

impl Subscription {
    /// What the server agreed to send (it leaves out kinds it has nothing of).
    pub fn granted(&self) -> &ListenFilter {
        &self.granted
    }

    /// Wait until the server ends the stream (gracefully: `Ok`; or the connection fails).
    pub async fn ended(mut self) -> Result<(), ClientError> {
        let task = self.task.take().expect("a subscription has its task");
        match task.await {
            Ok(outcome) => outcome.map(|_| ()),
            Err(e) => Err(task_failed(e)),
        }
    }

    /// End the stream (the request is cancelled on the server).
    pub fn close(self) {}
}

fn task_failed(e: tokio::task::JoinError) -> ClientError {
    ClientError::InvalidResponse {
        method: "subscriptions/listen".into(),
        reason: format!("the listen task failed: {e}"),
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Client {
    /// Open a `subscriptions/listen` stream for `filter` (protocol 2026-07-28) and return once
    /// the server acknowledged it; its notifications go to the
    /// [`on_notification`](super::ClientBuilder::on_notification) callback.
    ///
    /// In the handshake era there is no such request: list changes arrive unasked and resource
    /// updates after [`subscribe_resource`](Client::subscribe_resource); this fails with
    /// [`ClientError::InvalidArgument`] there.
    pub async fn listen(&self, filter: ListenFilter) -> Result<Subscription, ClientError> {
        let Some(envelope) = self.envelope.clone() else {
            return Err(ClientError::InvalidArgument(
                "subscriptions/listen is a protocol 2026-07-28 request; in the handshake era \
                 list changes arrive unasked and resource updates follow subscribe_resource"
                    .into(),
            ));
        };
        let connection: Arc<Connection> = Arc::clone(&self.link.connection);
        let (acknowledged_tx, acknowledged) = oneshot::channel();
        connection.await_acknowledgment(acknowledged_tx);
        let params = filter.to_params();
        let mut task = tokio::spawn(async move {
            // Long-lived: no request timeout (it ends when the server or the caller ends it).
            era::request(
                &connection,
                &envelope,
                "subscriptions/listen",
                Some(params),
                Duration::MAX,
                None,
            )
            .await
        });
        let wait = self.link.request_timeout;
        tokio::select! {
            granted = acknowledged => match granted {
                Ok(granted) => Ok(Subscription {
                    granted: ListenFilter::from_granted(&granted),
                    task: Some(task),
                }),
                Err(_) => Err(ClientError::ConnectionClosed { method: "subscriptions/listen".into() }),
            },
            ended = &mut task => Err(match ended {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => ClientError::InvalidResponse {
                    method: "subscriptions/listen".into(),
                    reason: "the server ended the stream before acknowledging it".into(),
                },
                Err(e) => task_failed(e),
            }),
            _ = tokio::time::sleep(wait) => {
                task.abort();
                Err(ClientError::Timeout { method: "subscriptions/listen".into(), timeout: wait })
            }
        }
    }

    /// Ask for `notifications/resources/updated` about `uri` (handshake era:
    /// `resources/subscribe`; in protocol 2026-07-28 use [`listen`](Client::listen) with
    /// [`ListenFilter::resource`]).
    pub async fn subscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        self.request("resources/subscribe", json!({ "uri": uri }))
            .await
            .map(|_| ())
    }

    /// Stop the updates [`subscribe_resource`](Client::subscribe_resource) asked for.
    pub async fn unsubscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        self.request("resources/unsubscribe", json!({ "uri": uri }))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_travel_as_the_spec_names_them() {
        let f = ListenFilter::new().tools().resource("file:///a");
        assert_eq!(
            f.to_params(),
            json!({"notifications": {"toolsListChanged": true,
                "resourceSubscriptions": ["file:///a"]}})
        );
        assert_eq!(
            ListenFilter::from_granted(&f.to_params()["notifications"]),
            f
        );
        assert_eq!(
            ServerNotification::from_wire(
                "notifications/resources/updated",
                Some(&json!({"uri": "file:///a"}))
            ),
            Some(ServerNotification::ResourceUpdated {
                uri: "file:///a".into()
            })
        );
        assert_eq!(
            ServerNotification::from_wire("notifications/resources/updated", None),
            None
        );
    }
}
