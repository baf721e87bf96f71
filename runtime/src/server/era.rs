//! The one place that decides which protocol era a request belongs to, and validates the
//! stateless era's per-request envelope (`params._meta`).
//!
//! Handshake era (2024-11-05 .. 2025-11-25): a session starts with `initialize`; capabilities are
//! remembered. Stateless era (2026-07-28): every request carries its protocol version and the
//! client's capabilities in `_meta`, and nothing is remembered between requests.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::context::PeerInfo;
use crate::jsonrpc::{ErrorObject, Request};
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel};

/// Stateless-era revisions this crate serves.
pub const STATELESS_PROTOCOL_VERSIONS: &[&str] = &["2026-07-28"];

pub(crate) const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub(crate) const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub(crate) const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub(crate) const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub(crate) const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
pub(crate) const META_SUBSCRIPTION: &str = "io.modelcontextprotocol/subscriptionId";

/// Error codes of the stateless era.
pub mod codes {
    /// HTTP headers disagree with the body, or a required header is missing.
    pub const HEADER_MISMATCH: i64 = -32020;
    /// The request needs a client capability that was not declared.
    pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
    /// The protocol version is not supported.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

fn meta(req: &Request) -> Option<&Map<String, Value>> {
    req.params.as_ref()?.get("_meta")?.as_object()
}

/// True when a request arriving on a connection that may carry either era (stdio) is a
/// stateless-era request: its `_meta` names a protocol version or capabilities, or its method
/// exists only in that era.
pub(crate) fn is_stateless(req: &Request) -> bool {
    matches!(
        req.method.as_str(),
        "server/discover" | "subscriptions/listen"
    ) || meta(req)
        .is_some_and(|m| m.contains_key(META_VERSION) || m.contains_key(META_CAPABILITIES))
}

/// A validated stateless-era envelope.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub peer: Arc<PeerInfo>,
    pub log_level: Option<LoggingLevel>,
    pub progress_token: Option<Value>,
}

/// Validate the envelope in the order the spec's checks expect: required `_meta` keys (-32602),
/// then the HTTP header against `_meta` (-32020; `header` is `None` off HTTP), then the version
/// (-32022).
pub(crate) fn validate(
    req: &Request,
    header: Option<Option<&str>>,
) -> Result<Envelope, ErrorObject> {
    let Some(meta) = meta(req) else {
        return Err(ErrorObject::invalid_params(format!(
            "`params._meta` is required on every request of protocol 2026-07-28 (with `{META_VERSION}` and `{META_CAPABILITIES}`)"
        )));
    };
    let version = match meta.get(META_VERSION) {
        Some(Value::String(v)) => v.as_str(),
        Some(_) => {
            return Err(ErrorObject::invalid_params(format!(
                "`_meta.{META_VERSION}` must be a string"
            )))
        }
        None => {
            return Err(ErrorObject::invalid_params(format!(
                "`_meta.{META_VERSION}` is required"
            )))
        }
    };
    let capabilities: ClientCapabilities = match meta.get(META_CAPABILITIES) {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            ErrorObject::invalid_params(format!("`_meta.{META_CAPABILITIES}` is invalid: {e}"))
        })?,
        None => {
            return Err(ErrorObject::invalid_params(format!(
                "`_meta.{META_CAPABILITIES}` is required"
            )))
        }
    };
    if let Some(header) = header {
        match header {
            Some(h) if h == version => {}
            Some(h) => {
                return Err(ErrorObject::new(
                    codes::HEADER_MISMATCH,
                    format!("the MCP-Protocol-Version header `{h}` does not match `_meta.{META_VERSION}` `{version}`"),
                ))
            }
            None => {
                return Err(ErrorObject::new(
                    codes::HEADER_MISMATCH,
                    "the MCP-Protocol-Version header is required",
                ))
            }
        }
    }
    if !STATELESS_PROTOCOL_VERSIONS.contains(&version) {
        return Err(ErrorObject::new(
            codes::UNSUPPORTED_PROTOCOL_VERSION,
            format!("unsupported protocol version `{version}`"),
        )
        .with_data(json!({ "supported": STATELESS_PROTOCOL_VERSIONS, "requested": version })));
    }
    let client_info: Option<Implementation> = meta
        .get(META_CLIENT_INFO)
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let log_level = match meta.get(META_LOG_LEVEL) {
        None => None,
        Some(v) => Some(serde_json::from_value(v.clone()).map_err(|_| {
            ErrorObject::invalid_params(format!(
                "`_meta.{META_LOG_LEVEL}` must be a logging level such as \"info\""
            ))
        })?),
    };
    Ok(Envelope {
        peer: Arc::new(PeerInfo {
            protocol_version: version.to_owned(),
            capabilities,
            client_info,
        }),
        log_level,
        progress_token: meta
            .get("progressToken")
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
            .cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::RequestId;

    fn req(params: Value) -> Request {
        Request {
            id: RequestId::Number(1),
            method: "server/discover".into(),
            params: Some(params),
        }
    }

    #[test]
    fn validation_order_matches_the_spec() {
        let code = |p: Value, h: Option<Option<&str>>| validate(&req(p), h).unwrap_err().code;
        assert_eq!(code(json!({}), Some(Some("2026-07-28"))), -32602);
        assert_eq!(
            code(
                json!({"_meta": {META_CAPABILITIES: {}}}),
                Some(Some("2026-07-28"))
            ),
            -32602
        );
        assert_eq!(
            code(
                json!({"_meta": {META_VERSION: "2026-07-28"}}),
                Some(Some("2026-07-28"))
            ),
            -32602
        );
        assert_eq!(
            code(
                json!({"_meta": {META_VERSION: "v999", META_CAPABILITIES: {}}}),
                Some(Some("2026-07-28"))
            ),
            -32020
        );
        assert_eq!(
            code(
                json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}}}),
                Some(None)
            ),
            -32020
        );
        let e = validate(
            &req(json!({"_meta": {META_VERSION: "v999", META_CAPABILITIES: {}}})),
            Some(Some("v999")),
        )
        .unwrap_err();
        assert_eq!(e.code, -32022);
        assert_eq!(e.data.unwrap()["requested"], "v999");
        let ok = validate(&req(json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {"sampling": {}}, META_LOG_LEVEL: "info", "progressToken": 3}})), None).unwrap();
        assert!(ok.peer.capabilities.sampling.is_some());
        assert_eq!(ok.log_level, Some(LoggingLevel::Info));
        assert_eq!(ok.progress_token, Some(json!(3)));
    }
}
