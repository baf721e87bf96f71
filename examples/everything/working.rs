//! Tools: talking while working (logs, progress, a stream that reconnects).

use std::time::Duration;

use toolsmith::prelude::*;

// ===== Tools: talking while working =============================================================
//
// `ctx: Context<'_>` (any name, any position) is injected and left out of the schema. Logs go to
// the client at the level it asked for (`logging/setLevel`, or per request in 2026-07-28);
// progress goes out only when the caller sent a progress token. Both travel on the request's
// own stream, before its result.

/// Tests tool that emits log messages during execution
#[tool]
pub(crate) async fn test_tool_with_logging(ctx: Context<'_>) -> String {
    ctx.info("Tool execution started").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool processing data").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool execution completed").await;
    "Tool with logging executed successfully".into()
}

/// Tests tool that reports progress notifications
#[tool]
pub(crate) async fn test_tool_with_progress(ctx: Context<'_>) -> String {
    for step in [0.0, 50.0, 100.0] {
        let message = format!("Completed step {step} of 100");
        ctx.report_progress(step, Some(100.0), Some(&message)).await;
        if step < 100.0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    "Progress reported: 0, 50 and 100 of 100".into()
}

/// Tests SSE stream disconnection and client reconnection (SEP-1699)
#[tool]
pub(crate) async fn test_reconnection() -> String {
    // The suite's SSE-polling probe. The result comes on the request's own response (the server
    // may close a stream early and let the client resume it with `Last-Event-ID`, but a handler
    // cannot ask for that yet), which the probe accepts.
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully.".into()
}
