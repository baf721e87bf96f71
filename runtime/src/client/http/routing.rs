//! The 2026-07-28 routing headers of a request: `MCP-Protocol-Version`, `Mcp-Method`,
//! `Mcp-Name`, and the `Mcp-Param-*` headers of the arguments a listed tool designates.

use base64::Engine as _;
use serde_json::Value;

use super::HttpTransport;
use crate::client::era::META_VERSION;
use crate::client::param_headers::{designated, headers as param_headers};
use crate::jsonrpc::Request;

/// The stateless era's routing headers of one request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Routing {
    pub(super) version: String,
    pub(super) method: String,
    pub(super) name: Option<String>,
    /// `Mcp-Param-*` headers (a `tools/call` of a tool that designates arguments).
    pub(super) params: Vec<(String, String)>,
}

impl Routing {
    /// A request whose `_meta` names a protocol version travels with that version's headers.
    fn of(req: &Request) -> Option<Routing> {
        let params = req.params.as_ref()?;
        let version: String = req.meta_member(META_VERSION)?.decode().ok()?;
        let field = match req.method.as_str() {
            "tools/call" | "prompts/get" => Some("name"),
            "resources/read" => Some("uri"),
            "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
            _ => None,
        };
        Some(Routing {
            version,
            method: req.method.clone(),
            name: field
                .and_then(|f| params.get(f))
                .and_then(Value::as_str)
                .map(header_safe),
            params: Vec::new(),
        })
    }
}

/// A header value for `value`: as is when it is plain visible ASCII (spaces inside allowed),
/// else the spec's Base64 sentinel form `=?base64?...?=` (also for values that look like it).
pub(crate) fn header_safe(value: &str) -> String {
    let sentinel = value.starts_with("=?base64?") && value.ends_with("?=");
    let plain = !value.is_empty()
        && value.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !sentinel;
    if plain {
        value.to_owned()
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
        format!("=?base64?{encoded}?=")
    }
}

impl HttpTransport {
    /// Keep the tools whose `x-mcp-header` designations are valid, recording them for
    /// [`routing`](Self::routing); leave out (with a warning) those that are not.
    pub(crate) fn admit_tools(&self, tools: &mut Vec<crate::protocol::Tool>) {
        let mut known = self.tool_params.lock().expect("tool params lock");
        tools.retain(|tool| match designated(&tool.input_schema) {
            Ok(params) => {
                known.insert(tool.name.clone(), params);
                true
            }
            Err(reason) => {
                tracing::warn!(tool = %tool.name, reason, "tool left out: invalid `x-mcp-header`");
                known.remove(&tool.name);
                false
            }
        });
    }

    /// The 2026-07-28 routing headers of `req`, with the `Mcp-Param-*` headers of a `tools/call`
    /// whose tool was listed.
    pub(super) fn routing(&self, req: &Request) -> Option<Routing> {
        let mut routing = Routing::of(req)?;
        if req.method == "tools/call" {
            let params = req.params.as_ref()?;
            let known = self.tool_params.lock().expect("tool params lock");
            if let Some(designated) = params
                .get("name")
                .and_then(Value::as_str)
                .and_then(|name| known.get(name))
            {
                let arguments = params.get("arguments").unwrap_or(&Value::Null);
                routing.params = param_headers(designated, arguments);
            }
        }
        Some(routing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::RequestId;
    use serde_json::json;

    #[test]
    fn names_outside_plain_ascii_use_the_base64_sentinel() {
        assert_eq!(header_safe("get_weather"), "get_weather");
        assert_eq!(header_safe("file:///a b.txt"), "file:///a b.txt");
        assert_eq!(
            header_safe("Hello, 世界"),
            "=?base64?SGVsbG8sIOS4lueVjA==?="
        );
        assert_eq!(header_safe(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(header_safe("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            header_safe("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
    }

    #[test]
    fn routing_comes_from_the_envelope() {
        let req =
            |method: &str, params: Value| Request::new(RequestId::Number(1), method, Some(params));
        let meta = json!({META_VERSION: "2026-07-28"});
        assert_eq!(
            Routing::of(&req("tools/call", json!({"name": "t", "_meta": meta}))),
            Some(Routing {
                version: "2026-07-28".into(),
                method: "tools/call".into(),
                name: Some("t".into()),
                params: Vec::new(),
            })
        );
        let r = Routing::of(&req(
            "resources/read",
            json!({"uri": "x://é", "_meta": meta}),
        ))
        .unwrap();
        assert!(r.name.unwrap().starts_with("=?base64?"));
        let r = Routing::of(&req("tools/list", json!({"_meta": meta}))).unwrap();
        assert_eq!(r.name, None);
        // Handshake-era requests have no envelope: they travel with the session's headers.
        assert_eq!(Routing::of(&req("tools/call", json!({"name": "t"}))), None);
    }
}
