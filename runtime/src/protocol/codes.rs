//! MCP error codes (beyond JSON-RPC's own, which are in [`crate::jsonrpc::codes`]).

pub use crate::jsonrpc::codes::{RESOURCE_NOT_FOUND, USER_REJECTED};

/// 2026-07-28: HTTP headers disagree with the body, or a required header is missing.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: the request needs a client capability that was not declared.
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// 2026-07-28: the protocol version is not supported.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
