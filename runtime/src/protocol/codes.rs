//! MCP error codes (beyond JSON-RPC's own, which are in [`crate::jsonrpc::codes`]).

pub use crate::jsonrpc::codes::{RESOURCE_NOT_FOUND, USER_REJECTED};

/// 2026-07-28: HTTP headers disagree with the body, or a required header is missing.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: the request needs a client capability that was not declared.
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// 2026-07-28: the protocol version is not supported.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
/// The server is at capacity and did not run the request: no execution slot came free within
/// `Limits::max_admission_wait`, the caller has as many requests running or waiting as it may,
/// or too many request bytes wait for a slot. Nothing was done; retry later. The error's
/// `data.retryAfter` is the suggested wait in seconds; over HTTP the response is a 503 with
/// `Retry-After`.
pub const SERVER_BUSY: i64 = -32030;

/// A rate limit refused the request (the built-in
/// `toolsmith::middleware::RateLimit`): nothing was done; retry after `data.retryAfterMs`
/// milliseconds (`data.retryAfter`: the same in whole seconds, rounded up). Over HTTP the response
/// is a 429 with `Retry-After`.
pub const RATE_LIMITED: i64 = -32031;

/// 2025-11-25: the request needs the user to complete an elicitation in URL mode first
/// (`data.elicitations` lists them); retry once `notifications/elicitation/complete` arrived.
pub const URL_ELICITATION_REQUIRED: i64 = -32042;
