//! [`TraceRequests`]: a `tracing` span per request.

use tracing::field::Empty;

use super::{Middleware, Outcome, RequestInfo};
use crate::jsonrpc::ErrorObject;

/// A `tracing` span per request, named `mcp.request`, with the fields `method`, `name` (the tool,
/// prompt or resource URI), `id`, `caller`, `session`, `era`, and, once it ends, `duration_ms`,
/// `error` (the JSON-RPC error code) and `tool_error`. The handler runs inside it, so its own
/// events carry those fields; at the end an event `request done` (or `request refused`,
/// `request dropped`) is recorded in it at `INFO`.
///
/// The target is `toolsmith::request`: with a subscriber reading `RUST_LOG` (for example
/// `tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env())`),
/// `RUST_LOG=toolsmith::request=info` shows one line per request.
///
/// ```
/// let server = toolsmith::Server::new("traced", "1.0.0")
///     .middleware(toolsmith::middleware::TraceRequests::new());
/// # let _ = server;
/// ```
#[derive(Debug, Clone, Default)]
pub struct TraceRequests {
    _private: (),
}

impl TraceRequests {
    /// The span-per-request middleware.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Middleware for TraceRequests {
    fn before(&self, request: &mut RequestInfo) -> Result<(), ErrorObject> {
        let span = tracing::info_span!(
            target: "toolsmith::request",
            "mcp.request",
            method = request.method(),
            name = request.name(),
            id = %request.id(),
            caller = request.caller().map(tracing::field::display),
            session = request.session(),
            era = request.era().as_str(),
            duration_ms = Empty,
            error = Empty,
            tool_error = Empty,
        );
        request.set_span(span);
        Ok(())
    }

    fn after(&self, request: &RequestInfo, outcome: &Outcome<'_>) {
        let span = request.span();
        let ms = outcome.elapsed().as_secs_f64() * 1000.0;
        span.record("duration_ms", ms);
        if let Some(e) = outcome.error() {
            span.record("error", e.code);
        }
        if outcome.is_tool_error() {
            span.record("tool_error", true);
        }
        let _in = span.enter();
        match (outcome.completed(), outcome.error()) {
            (false, _) => {
                tracing::info!(target: "toolsmith::request", duration_ms = ms, "request dropped")
            }
            (true, Some(e)) => tracing::info!(
                target: "toolsmith::request",
                duration_ms = ms,
                code = e.code,
                message = %e.message,
                "request failed"
            ),
            (true, None) => {
                tracing::info!(target: "toolsmith::request", duration_ms = ms, "request done")
            }
        }
    }
}
