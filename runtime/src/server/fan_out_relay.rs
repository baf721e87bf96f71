//! The relay between a server's own change events and a configured [`FanOut`]: changes raised
//! here are published, changes heard from other replicas are delivered to the sessions here.

use std::sync::{Arc, Weak};

use futures::StreamExt;
use tokio::sync::broadcast::error::RecvError;

use super::builder::{ServerEvent, Shared};
use crate::transport::http::{ChangeEvent, FanOut};

fn to_change(event: ServerEvent) -> ChangeEvent {
    match event {
        ServerEvent::ToolsChanged => ChangeEvent::ToolsChanged,
        ServerEvent::ResourcesChanged => ChangeEvent::ResourcesChanged,
        ServerEvent::PromptsChanged => ChangeEvent::PromptsChanged,
        ServerEvent::ResourceUpdated(uri) => ChangeEvent::ResourceUpdated { uri },
    }
}

fn to_event(change: ChangeEvent) -> ServerEvent {
    match change {
        ChangeEvent::ToolsChanged => ServerEvent::ToolsChanged,
        ChangeEvent::ResourcesChanged => ServerEvent::ResourcesChanged,
        ChangeEvent::PromptsChanged => ServerEvent::PromptsChanged,
        ChangeEvent::ResourceUpdated { uri } => ServerEvent::ResourceUpdated(uri),
    }
}

/// Start relaying between `shared` and `fan_out` (on the current tokio runtime; none: a warning,
/// no relay). The relay ends when the server is dropped.
pub(crate) fn start(shared: &Arc<Shared>, fan_out: Arc<dyn FanOut>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no tokio runtime: changes are not fanned out to other replicas");
        return;
    };
    let mut raised = shared.raised.subscribe();
    let shared: Weak<Shared> = Arc::downgrade(shared);
    let mut heard = fan_out.subscribe();
    runtime.spawn(async move {
        loop {
            tokio::select! {
                event = raised.recv() => match event {
                    Ok(event) => {
                        if let Err(e) = fan_out.publish(to_change(event)).await {
                            tracing::warn!(error = %e, "a change was not fanned out");
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "changes raised too fast to fan out");
                    }
                    Err(RecvError::Closed) => return,
                },
                change = heard.next() => {
                    let (Some(change), Some(shared)) = (change, shared.upgrade()) else {
                        return;
                    };
                    // No receivers simply means no session is connected here.
                    let _ = shared.events.send(to_event(change));
                }
            }
        }
    });
}
