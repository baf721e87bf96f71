//! A tool for running several replicas behind a load balancer (`deploy/local-cluster.sh`):
//! which replica answered, optionally after holding the call open for a while.

use std::time::Duration;

use toolsmith::prelude::*;

/// The longest `hold_ms` the `replica` tool accepts.
const MAX_HOLD_MS: u64 = 60_000;

/// This process's replica id (registered only when one is given: `--replica-id`).
pub(crate) struct Replica {
    pub(crate) id: String,
}

#[tools]
impl Replica {
    /// Says which replica served this call. With `hold_ms` (at most 60000) it first reports
    /// progress 0 of 1, then waits that long: a call in flight, for rolling-restart drills.
    #[tool]
    async fn replica(&self, hold_ms: Option<u64>, ctx: Context<'_>) -> Result<String, ToolError> {
        if let Some(hold) = hold_ms {
            if hold > MAX_HOLD_MS {
                return Err(ToolError::new(format!(
                    "hold_ms is {hold}; at most {MAX_HOLD_MS} is allowed"
                )));
            }
            ctx.report_progress(0.0, Some(1.0), Some("holding")).await;
            tokio::time::sleep(Duration::from_millis(hold)).await;
        }
        Ok(self.id.clone())
    }
}
