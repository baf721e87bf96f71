//! Middleware: code that runs around every request the server serves, in both protocol eras and
//! on every transport. A [`Middleware`] sees the request's method, handler name, caller and era
//! before it is served ([`Middleware::before`], which may refuse it with a JSON-RPC error) and its
//! outcome and duration after ([`Middleware::after`]).
//!
//! Register middleware with [`Server::middleware`](crate::Server::middleware); they run in the
//! order registered (`before` first to last, `after` last to first). With none registered, the
//! dispatcher does no extra work.
//!
//! Every request is seen, whatever its method (`initialize`, listings, `ping` too), once the
//! dispatcher takes it: within a session (stdio, or HTTP with `Mcp-Session-Id`) after the
//! request was admitted under the concurrency limits, outside one (HTTP in protocol 2026-07-28)
//! before admission, so a refusal there costs no slot. Notifications and the client's responses
//! are not requests and are not seen.
//!
//! Built-ins: [`TraceRequests`] (a `tracing` span per request) and [`RateLimit`] (a token bucket
//! per caller).
//!
//! ```
//! use std::time::Duration;
//! use toolsmith::middleware::{Middleware, Outcome, RateLimit, RequestInfo, TraceRequests};
//! use toolsmith::jsonrpc::{codes, ErrorObject};
//! use toolsmith::Server;
//!
//! /// Refuse `tools/call` of `drop_tables` outside business hours.
//! struct Curfew;
//!
//! impl Middleware for Curfew {
//!     fn before(&self, request: &mut RequestInfo) -> Result<(), ErrorObject> {
//!         if request.name() == Some("drop_tables") {
//!             return Err(ErrorObject::new(codes::INVALID_REQUEST, "`drop_tables` is closed tonight"));
//!         }
//!         Ok(())
//!     }
//!
//!     fn after(&self, request: &RequestInfo, outcome: &Outcome<'_>) {
//!         if outcome.elapsed() > Duration::from_secs(5) {
//!             eprintln!("slow: {} {:?}", request.method(), request.name());
//!         }
//!     }
//! }
//!
//! let server = Server::new("db", "1.0.0")
//!     .middleware(TraceRequests::new())
//!     .middleware(RateLimit::per_caller(10.0, 20))
//!     .middleware(Curfew);
//! # let _ = server;
//! ```

mod info;
mod rate_limit;
mod register;
mod trace;
mod watch;

pub use crate::transport::CallerKey;
pub use info::{Outcome, RequestInfo};
pub use rate_limit::RateLimit;
pub use trace::TraceRequests;
pub(crate) use watch::{
    answer, finish, finish_reply, reply, send_page, start_or_refuse, Chain, Watch,
};

use crate::jsonrpc::ErrorObject;

/// Code run around every request: see the [module docs](self).
///
/// Both methods run on the dispatcher's path: keep them quick and never block (count, check,
/// record; send anything slow to a task of your own).
pub trait Middleware: Send + Sync + 'static {
    /// Before the request is served. `Err(e)` refuses it: the client gets `e` as the
    /// response, nothing runs, and the middleware registered after this one are not called.
    /// `request` may be changed (set a [`RequestInfo::set_span`] to run the handler in).
    fn before(&self, request: &mut RequestInfo) -> Result<(), ErrorObject> {
        let _ = request;
        Ok(())
    }

    /// When the response is ready, just before it is sent (or when the request was refused by a
    /// later middleware, cancelled, or dropped with its connection: see
    /// [`Outcome::completed`]). Called once for every `before` that returned `Ok`.
    fn after(&self, request: &RequestInfo, outcome: &Outcome<'_>) {
        let _ = (request, outcome);
    }
}
