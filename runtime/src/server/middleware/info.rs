//! What middleware sees of a request ([`RequestInfo`]) and of its end ([`Outcome`]).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::CallerKey;
use crate::jsonrpc::{ErrorObject, Request, RequestId};
use crate::protocol::Era;
use crate::transport::{Headers, RequestFacts};

/// A request as middleware sees it: its method, the handler it names, its id, caller, era and
/// session, and when the dispatcher took it.
#[derive(Debug)]
pub struct RequestInfo {
    method: String,
    name: Option<String>,
    id: RequestId,
    caller: Option<CallerKey>,
    era: Era,
    session: Option<String>,
    started: Instant,
    span: tracing::Span,
}

impl RequestInfo {
    /// The facts of `req` (era `era`, transport facts `facts`).
    pub(crate) fn of(req: &Request, era: Era, facts: &RequestFacts) -> RequestInfo {
        let param = |key: &str| {
            req.params
                .as_ref()
                .and_then(|p| p.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let name = match req.method.as_str() {
            "tools/call" | "prompts/get" => param("name"),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => param("uri"),
            "completion/complete" => req
                .params
                .as_ref()
                .and_then(|p| p.get("ref"))
                .and_then(|r| r.get("name").or_else(|| r.get("uri")))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        RequestInfo {
            method: req.method.clone(),
            name,
            id: req.id.clone(),
            caller: CallerKey::of(facts),
            era,
            session: facts
                .get_str(crate::protocol::SESSION_HEADER)
                .map(str::to_owned),
            started: Instant::now(),
            span: tracing::Span::none(),
        }
    }

    /// The JSON-RPC method, e.g. `tools/call`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The handler the request names: the tool of `tools/call`, the prompt of `prompts/get`, the
    /// URI of `resources/read` (and of `resources/subscribe` / `unsubscribe`), the prompt or URI
    /// template of `completion/complete`; `None` for other methods, or when the params do not
    /// name one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The request's JSON-RPC id.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// Who is calling: the authenticated subject, else the peer's address, else the one client
    /// of a byte stream (stdio). `None` for an HTTP request whose peer address is unknown (a
    /// router served without connection info).
    pub fn caller(&self) -> Option<&CallerKey> {
        self.caller.as_ref()
    }

    /// The protocol era the request belongs to.
    pub fn era(&self) -> Era {
        self.era
    }

    /// The HTTP session (`Mcp-Session-Id`) the request came in, if any.
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// When the dispatcher took the request.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The span the request is served in ([`tracing::Span::none`] unless a middleware set one).
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Serve the request in `span`: the handler's own events are recorded inside it.
    pub fn set_span(&mut self, span: tracing::Span) {
        self.span = span;
    }
}

/// How a request ended, as [`Middleware::after`](super::Middleware::after) sees it.
#[derive(Debug)]
pub struct Outcome<'a> {
    pub(crate) elapsed: Duration,
    pub(crate) result: Option<&'a Value>,
    pub(crate) error: Option<&'a ErrorObject>,
    pub(crate) completed: bool,
}

impl Outcome<'_> {
    /// The time from when the dispatcher took the request to its response (or its end).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The JSON-RPC error the client got, if the response was an error.
    pub fn error(&self) -> Option<&ErrorObject> {
        self.error
    }

    /// The result the client got, when the dispatcher had it as a value (listings and
    /// `input_required` results, sent pre-serialised, and streams have none here).
    pub fn result(&self) -> Option<&Value> {
        self.result
    }

    /// True when a `tools/call` result reports a tool error (`isError: true`).
    pub fn is_tool_error(&self) -> bool {
        self.result
            .and_then(|r| r.get("isError"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// False when the request ended without a response: cancelled, or dropped with its
    /// connection.
    pub fn completed(&self) -> bool {
        self.completed
    }
}
