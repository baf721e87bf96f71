//! Following the remote server's list changes: its `list_changed` notifications (unasked in
//! the handshake era, on a `subscriptions/listen` stream in 2026-07-28) make the local server
//! list again and add, replace and remove its forwarding handlers, and so tell its own clients.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::Proxy;
use crate::client::{Client, ListenFilter, Protocol, ServerNotification};
use crate::server::ServerHandle;

/// The names (tools, prompts) and URIs (resources) the local server forwards now.
#[derive(Default)]
pub(super) struct Known {
    pub tools: HashSet<String>,
    pub resources: HashSet<String>,
    pub prompts: HashSet<String>,
}

/// The remote server's change notifications, from the client's callback to the follower.
pub(super) struct Changes {
    pub sender: mpsc::UnboundedSender<ServerNotification>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<ServerNotification>>>,
}

impl Default for Changes {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Changes {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

impl Proxy {
    /// Follow the remote server's list changes into `handle`'s server, for as long as the
    /// proxy lives (the first exposed remote server only).
    pub(super) async fn follow(&self, remote: &Arc<Client>, handle: ServerHandle, known: Known) {
        let Some(mut changes) = self
            .changes
            .receiver
            .lock()
            .expect("proxy changes lock")
            .take()
        else {
            return;
        };
        let listening = if remote.protocol() == Protocol::Stateless {
            let filter = ListenFilter::new().tools().prompts().resources();
            match remote.listen(filter).await {
                Ok(subscription) => Some(subscription),
                Err(e) => {
                    tracing::warn!(error = %e, "the remote server's list changes are not followed");
                    None
                }
            }
        } else {
            None
        };
        let (proxy, remote) = (self.clone(), Arc::downgrade(remote));
        tokio::spawn(async move {
            let _listening = listening;
            let mut known = known;
            while let Some(change) = changes.recv().await {
                let Some(remote) = remote.upgrade() else {
                    break;
                };
                if let Err(e) = proxy.sync(&remote, &handle, &mut known, change).await {
                    tracing::warn!(error = %e, "listing the remote server's change failed");
                }
            }
        });
    }

    /// Bring one kind of handler in line with the remote server's new list.
    async fn sync(
        &self,
        remote: &Arc<Client>,
        handle: &ServerHandle,
        known: &mut Known,
        change: ServerNotification,
    ) -> Result<(), crate::client::ClientError> {
        match change {
            ServerNotification::ToolsListChanged => {
                let tools = remote.list_tools().await?;
                let now: HashSet<String> = tools.iter().map(|t| t.name.clone()).collect();
                for gone in known.tools.difference(&now) {
                    handle.remove_tool(gone);
                }
                for tool in tools {
                    let name = tool.name.clone();
                    if let Err(e) = handle.add_tool(self.tool_def(remote, tool)) {
                        tracing::warn!(error = %e, tool = name, "a remote tool was refused");
                    }
                }
                known.tools = now;
            }
            ServerNotification::PromptsListChanged => {
                let prompts = remote.list_all_prompts().await?;
                let now: HashSet<String> = prompts.iter().map(|p| p.name.clone()).collect();
                for gone in known.prompts.difference(&now) {
                    handle.remove_prompt(gone);
                }
                for prompt in prompts {
                    if let Err(e) = handle.add_prompt(self.prompt_def(remote, prompt)) {
                        tracing::warn!(error = %e, "a remote prompt was refused");
                    }
                }
                known.prompts = now;
            }
            ServerNotification::ResourcesListChanged => {
                let defs: Vec<_> = self
                    .resource_defs(remote)
                    .await?
                    .into_iter()
                    .filter_map(|d| {
                        d.map_err(|e| tracing::warn!(error = %e, "a remote resource was refused"))
                            .ok()
                    })
                    .collect();
                let now: HashSet<String> = defs.iter().map(|d| d.uri().to_owned()).collect();
                for gone in known.resources.difference(&now) {
                    handle.remove_resource(gone);
                }
                for def in defs {
                    if let Err(e) = handle.add_resource(def) {
                        tracing::warn!(error = %e, "a remote resource was refused");
                    }
                }
                known.resources = now;
            }
            _ => {}
        }
        Ok(())
    }
}
