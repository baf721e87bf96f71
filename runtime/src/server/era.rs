//! The one place that decides which protocol era an incoming frame belongs to ([`decide`]), and
//! validates the stateless era's per-request envelope (`params._meta`).
//!
//! Handshake era (2024-11-05 .. 2025-11-25): a session starts with `initialize`; capabilities are
//! remembered. Stateless era (2026-07-28): every request carries its protocol version and the
//! client's capabilities in `_meta`, and nothing is remembered between requests.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::peer_cache::{EnvelopeText, PeerCache};
use crate::context::PeerInfo;
use crate::jsonrpc::{ErrorObject, Message, MetaMember, Request};
use crate::protocol::codes;
use crate::protocol::{
    ClientCapabilities, Era, Implementation, LoggingLevel, SESSION_HEADER,
    SUPPORTED_PROTOCOL_VERSIONS, VERSION_HEADER,
};
use crate::transport::{Headers, RequestFacts};

/// Stateless-era revisions this crate serves.
pub const STATELESS_PROTOCOL_VERSIONS: &[&str] = &["2026-07-28"];

pub(crate) const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub(crate) const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub(crate) const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub(crate) const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub(crate) const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
pub(crate) const META_SUBSCRIPTION: &str = "io.modelcontextprotocol/subscriptionId";

fn meta(req: &Request) -> Option<&Map<String, Value>> {
    req.params.as_ref()?.get("_meta")?.as_object()
}

/// The era of an incoming frame, from the frame and its transport facts: decided here, once.
///
/// Notifications and responses belong to a session (handshake era). A request off HTTP, or on
/// HTTP within a session, is stateless when its frame says so ([`frame_says_stateless`]). A
/// request on HTTP outside any session is stateless when it carries a `_meta` envelope with a
/// handshake version header (except `initialize`), any version header this crate does not
/// negotiate in a handshake (which the envelope's validation then judges), or, without a version
/// header, a `_meta` envelope and a frame that says so.
pub(crate) fn decide(message: &Message, facts: &RequestFacts) -> Era {
    match message {
        Message::Request(req) => decide_request(req, facts),
        Message::Notification(_) | Message::Response(_) => Era::Handshake,
    }
}

/// [`decide`] for a request.
pub(crate) fn decide_request(req: &Request, facts: &RequestFacts) -> Era {
    let stateless = match facts.headers.as_deref() {
        Some(headers) if !headers.contains(SESSION_HEADER) => http_says_stateless(headers, req),
        _ => frame_says_stateless(req),
    };
    if stateless {
        Era::Stateless
    } else {
        Era::Handshake
    }
}

fn http_says_stateless(headers: &dyn Headers, req: &Request) -> bool {
    let has_meta = req.has_meta();
    match headers.get_str(VERSION_HEADER) {
        Some(v) if SUPPORTED_PROTOCOL_VERSIONS.contains(&v) => {
            has_meta && req.method != "initialize"
        }
        Some(_) => true,
        None => has_meta && frame_says_stateless(req),
    }
}

/// True when a request, judged by its frame alone, is a stateless-era request: its `_meta` names
/// a protocol version or capabilities, or its method exists only in that era.
fn frame_says_stateless(req: &Request) -> bool {
    matches!(
        req.method.as_str(),
        "server/discover" | "subscriptions/listen"
    ) || req.meta_member(META_VERSION).is_some()
        || req.meta_member(META_CAPABILITIES).is_some()
}

/// A validated stateless-era envelope.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub peer: Arc<PeerInfo>,
    pub log_level: Option<LoggingLevel>,
}

/// The header fields the 2026-07-28 HTTP rules judge: those of a request on HTTP outside any
/// session (within one, as off HTTP, the frame stands alone).
pub(crate) fn sessionless_http(facts: &RequestFacts) -> Option<&dyn Headers> {
    facts
        .headers
        .as_deref()
        .filter(|h| !h.contains(SESSION_HEADER))
}

/// Validate the envelope in the order the spec's checks expect: required `_meta` keys (-32602),
/// then, given the `http` header fields ([`sessionless_http`]), the version header against
/// `_meta` (-32020), then the version (-32022). An envelope of the same text as the last one
/// `peers` decoded is not decoded again ([`PeerCache`]).
pub(crate) fn validate(
    req: &Request,
    http: Option<&dyn Headers>,
    peers: &PeerCache,
) -> Result<Envelope, ErrorObject> {
    if req.envelope.is_none() && meta(req).is_none() {
        return Err(ErrorObject::invalid_params(format!(
            "`params._meta` is required on every request of protocol 2026-07-28 (with `{META_VERSION}` and `{META_CAPABILITIES}`)"
        )));
    };
    let text = envelope_text(req);
    let peer = match text.as_ref().and_then(|t| peers.get(t)) {
        Some(peer) => {
            // Decoded and validated before; the header is this request's own.
            check_version_header(http, &peer.protocol_version)?;
            peer
        }
        None => {
            let peer = decode_peer(req, http)?;
            if let Some(t) = &text {
                peers.put(t, &peer);
            }
            peer
        }
    };
    let log_level = match req.meta_member(META_LOG_LEVEL) {
        None => None,
        Some(m) => Some(m.decode::<LoggingLevel>().map_err(|_| {
            ErrorObject::invalid_params(format!(
                "`_meta.{META_LOG_LEVEL}` must be a logging level such as \"info\""
            ))
        })?),
    };
    Ok(Envelope { peer, log_level })
}

/// The text of the envelope members a peer is decoded from, when the request was read from a
/// frame (a request built in process holds values, not text, and is decoded every time).
fn envelope_text(req: &Request) -> Option<EnvelopeText<'_>> {
    let raw = |key| match req.meta_member(key)? {
        MetaMember::Raw(r) => Some(r),
        MetaMember::Value(_) => None,
    };
    Some(EnvelopeText {
        version: raw(META_VERSION)?,
        capabilities: raw(META_CAPABILITIES)?,
        client_info: match req.meta_member(META_CLIENT_INFO) {
            None => None,
            Some(MetaMember::Raw(r)) => Some(r),
            Some(MetaMember::Value(_)) => return None,
        },
    })
}

/// Decode and check the envelope's version, capabilities and client info (see [`validate`]).
fn decode_peer(req: &Request, http: Option<&dyn Headers>) -> Result<Arc<PeerInfo>, ErrorObject> {
    let version: String = match req.meta_member(META_VERSION) {
        Some(m) => m.decode().map_err(|_| {
            ErrorObject::invalid_params(format!("`_meta.{META_VERSION}` must be a string"))
        })?,
        None => {
            return Err(ErrorObject::invalid_params(format!(
                "`_meta.{META_VERSION}` is required"
            )))
        }
    };
    let capabilities: ClientCapabilities = match req.meta_member(META_CAPABILITIES) {
        Some(m) => m.decode().map_err(|e| {
            ErrorObject::invalid_params(format!("`_meta.{META_CAPABILITIES}` is invalid: {e}"))
        })?,
        None => {
            return Err(ErrorObject::invalid_params(format!(
                "`_meta.{META_CAPABILITIES}` is required"
            )))
        }
    };
    check_version_header(http, &version)?;
    if !STATELESS_PROTOCOL_VERSIONS.contains(&version.as_str()) {
        return Err(ErrorObject::new(
            codes::UNSUPPORTED_PROTOCOL_VERSION,
            format!("unsupported protocol version `{version}`"),
        )
        .with_data(json!({ "supported": STATELESS_PROTOCOL_VERSIONS, "requested": version })));
    }
    let client_info = req
        .meta_member(META_CLIENT_INFO)
        .and_then(|m| m.decode::<Implementation>().ok());
    Ok(Arc::new(PeerInfo {
        protocol_version: version,
        capabilities,
        client_info,
    }))
}

/// On HTTP outside a session, the version header must be there and match `_meta`'s `version`.
fn check_version_header(http: Option<&dyn Headers>, version: &str) -> Result<(), ErrorObject> {
    let Some(headers) = http else { return Ok(()) };
    match headers.get_str(VERSION_HEADER) {
        Some(h) if h == version => Ok(()),
        Some(h) => Err(ErrorObject::new(
            codes::HEADER_MISMATCH,
            format!("the MCP-Protocol-Version header `{h}` does not match `_meta.{META_VERSION}` `{version}`"),
        )),
        None => Err(ErrorObject::new(
            codes::HEADER_MISMATCH,
            "the MCP-Protocol-Version header is required",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::RequestId;

    /// Header fields for tests: (lowercase name, value) pairs.
    struct Fields(Vec<(&'static str, &'static str)>);

    impl Headers for Fields {
        fn get(&self, name: &str) -> Option<&[u8]> {
            self.0
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_bytes())
        }
    }

    fn http(fields: &[(&'static str, &'static str)]) -> RequestFacts {
        RequestFacts {
            headers: Some(Box::new(Fields(fields.to_vec()))),
            ..Default::default()
        }
    }

    fn version(v: &'static str) -> RequestFacts {
        http(&[(VERSION_HEADER, v)])
    }

    fn req(params: Value) -> Request {
        Request::new(RequestId::Number(1), "server/discover", Some(params))
    }

    fn call(method: &str, params: Value) -> Message {
        Message::Request(Request::new(RequestId::Number(1), method, Some(params)))
    }

    #[test]
    fn the_era_is_decided_from_the_frame_and_its_facts() {
        let envelope = json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}}});
        let stdio = RequestFacts::default();
        // Off HTTP, the frame decides.
        assert_eq!(
            decide(&call("tools/list", envelope.clone()), &stdio),
            Era::Stateless
        );
        assert_eq!(
            decide(&call("server/discover", json!({})), &stdio),
            Era::Stateless
        );
        assert_eq!(
            decide(&call("tools/list", json!({})), &stdio),
            Era::Handshake
        );
        // On HTTP outside a session, the version header counts too.
        assert_eq!(
            decide(
                &call("tools/list", envelope.clone()),
                &version("2026-07-28")
            ),
            Era::Stateless
        );
        assert_eq!(
            decide(&call("tools/list", json!({})), &version("2026-07-28")),
            Era::Stateless
        );
        assert_eq!(
            decide(
                &call("tools/list", envelope.clone()),
                &version("2025-11-25")
            ),
            Era::Stateless
        );
        assert_eq!(
            decide(
                &call("initialize", envelope.clone()),
                &version("2025-11-25")
            ),
            Era::Handshake
        );
        assert_eq!(
            decide(&call("server/discover", json!({})), &http(&[])),
            Era::Handshake
        );
        assert_eq!(
            decide(&call("server/discover", envelope.clone()), &http(&[])),
            Era::Stateless
        );
        // Within a session, the frame decides again.
        let in_session = http(&[(SESSION_HEADER, "ab"), (VERSION_HEADER, "2026-07-28")]);
        assert_eq!(
            decide(&call("tools/list", json!({})), &in_session),
            Era::Handshake
        );
        // Notifications and responses belong to a session.
        let note = Message::notification("notifications/initialized", None);
        assert_eq!(decide(&note, &version("2026-07-28")), Era::Handshake);
    }

    #[test]
    fn validation_order_matches_the_spec() {
        let code = |p: Value, facts: RequestFacts| {
            validate(&req(p), sessionless_http(&facts), &PeerCache::default())
                .unwrap_err()
                .code
        };
        assert_eq!(code(json!({}), version("2026-07-28")), -32602);
        assert_eq!(
            code(
                json!({"_meta": {META_CAPABILITIES: {}}}),
                version("2026-07-28")
            ),
            -32602
        );
        assert_eq!(
            code(
                json!({"_meta": {META_VERSION: "2026-07-28"}}),
                version("2026-07-28")
            ),
            -32602
        );
        assert_eq!(
            code(
                json!({"_meta": {META_VERSION: "v999", META_CAPABILITIES: {}}}),
                version("2026-07-28")
            ),
            -32020
        );
        assert_eq!(
            code(
                json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}}}),
                http(&[])
            ),
            -32020
        );
        let e = validate(
            &req(json!({"_meta": {META_VERSION: "v999", META_CAPABILITIES: {}}})),
            sessionless_http(&version("v999")),
            &PeerCache::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, -32022);
        assert_eq!(e.data.unwrap()["requested"], "v999");
        // Within a session the version header is not judged against `_meta`.
        let in_session = http(&[(SESSION_HEADER, "ab"), (VERSION_HEADER, "2025-11-25")]);
        let envelope = json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}}});
        assert!(validate(
            &req(envelope),
            sessionless_http(&in_session),
            &PeerCache::default()
        )
        .is_ok());
        let ok = validate(&req(json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {"sampling": {}}, META_LOG_LEVEL: "info", "progressToken": 3}})), None, &PeerCache::default()).unwrap();
        assert!(ok.peer.capabilities.sampling.is_some());
        assert_eq!(ok.log_level, Some(LoggingLevel::Info));
    }

    /// A request read from a frame keeps its envelope raw; built in process, it holds it as
    /// values. Both are judged alike, with the same messages.
    #[test]
    fn envelopes_read_from_frames_are_judged_like_values() {
        let cases = [
            json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {"sampling": {}},
                   META_CLIENT_INFO: {"name": "c", "version": "1"}, META_LOG_LEVEL: "debug"}}),
            json!({"_meta": {META_VERSION: 5, META_CAPABILITIES: {}}}),
            json!({"_meta": {META_VERSION: "2026-07-28"}}),
            json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: 7}}),
            json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {"sampling": 1}}}),
            json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}, META_LOG_LEVEL: "loud"}}),
            json!({"_meta": {META_VERSION: "2026-07-28", META_CAPABILITIES: {}, META_CLIENT_INFO: 3}}),
            json!({"_meta": {META_VERSION: "v999", META_CAPABILITIES: {}}}),
            json!({"_meta": {META_CAPABILITIES: {}}}),
            json!({"_meta": 4}),
            json!({}),
        ];
        let outcome = |r: Result<Envelope, ErrorObject>| match r {
            Ok(e) => format!("{:?} {:?}", e.peer, e.log_level),
            Err(e) => format!("{} {} {:?}", e.code, e.message, e.data),
        };
        for params in cases {
            let built = req(params.clone());
            let frame = Message::Request(built.clone()).to_json();
            let Ok(Message::Request(read)) = crate::jsonrpc::parse_frame(&frame) else {
                panic!("{frame} reads as a request");
            };
            assert_eq!(read, built, "{frame}");
            assert_eq!(
                frame_says_stateless(&read),
                frame_says_stateless(&built),
                "{frame}"
            );
            // Twice with one cache: decoded, then (when valid) remembered.
            let peers = PeerCache::default();
            for _ in 0..2 {
                assert_eq!(
                    outcome(validate(&read, None, &peers)),
                    outcome(validate(&built, None, &PeerCache::default())),
                    "{frame}"
                );
            }
            // What reading kept raw goes out again as it came in.
            assert_eq!(Message::Request(read).to_json(), frame);
        }
    }

    /// A remembered envelope is the same peer, but the version header and the log level are
    /// still each request's own.
    #[test]
    fn a_remembered_envelope_is_judged_per_request() {
        let peers = PeerCache::default();
        let read = |meta: Value| {
            let frame = Message::Request(req(json!({ "_meta": meta }))).to_json();
            let Ok(Message::Request(r)) = crate::jsonrpc::parse_frame(&frame) else {
                panic!("{frame} reads as a request");
            };
            r
        };
        let base = json!({META_VERSION: "2026-07-28", META_CAPABILITIES: {"sampling": {}},
                          META_CLIENT_INFO: {"name": "c", "version": "1"}});
        let first = validate(
            &read(base.clone()),
            sessionless_http(&version("2026-07-28")),
            &peers,
        )
        .unwrap();
        let mut with_level = base.clone();
        with_level[META_LOG_LEVEL] = json!("error");
        let again = validate(&read(with_level), None, &peers).unwrap();
        assert!(Arc::ptr_eq(&first.peer, &again.peer), "decoded once");
        assert_eq!(
            (first.log_level, again.log_level),
            (None, Some(LoggingLevel::Error))
        );
        let mismatch = validate(
            &read(base.clone()),
            sessionless_http(&version("2025-11-25")),
            &peers,
        );
        assert_eq!(mismatch.unwrap_err().code, codes::HEADER_MISMATCH);
        let missing = validate(&read(base.clone()), sessionless_http(&http(&[])), &peers);
        assert_eq!(missing.unwrap_err().code, codes::HEADER_MISMATCH);
        let mut bad_level = base;
        bad_level[META_LOG_LEVEL] = json!("loud");
        assert_eq!(
            validate(&read(bad_level), None, &peers).unwrap_err().code,
            -32602
        );
    }
}
