//! The rules of protocol 2026-07-28 over streamable HTTP that need the body or the registry: the
//! headers that mirror a request (`Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`). The HTTP transport
//! hands the headers over as facts; this is where they are judged.

use serde_json::Value;

use super::mirrored;
use super::registry::Registry;
use crate::jsonrpc::{ErrorObject, Request};
use crate::protocol::codes::HEADER_MISMATCH;
use crate::transport::Headers;

/// `Mcp-Method` must name the body's method, `Mcp-Name` the tool, prompt or resource, and a
/// `tools/call`'s `Mcp-Param-*` headers the arguments its tool mirrors into headers.
pub(crate) fn check(
    headers: &dyn Headers,
    req: &Request,
    registry: &Registry,
) -> Result<(), ErrorObject> {
    let mismatch = |m: String| ErrorObject::new(HEADER_MISMATCH, m);
    match headers.get_str("mcp-method") {
        Some(m) if m == req.method => {}
        Some(m) => {
            return Err(mismatch(format!(
                "the Mcp-Method header `{m}` does not match the method `{}`",
                req.method
            )))
        }
        None => return Err(mismatch("the Mcp-Method header is required".into())),
    }
    let field = match req.method.as_str() {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        "tasks/get" | "tasks/update" | "tasks/cancel" => "taskId",
        _ => return Ok(()),
    };
    let params = req.params.as_ref();
    let Some(expected) = params.and_then(|p| p.get(field)).and_then(Value::as_str) else {
        return Ok(()); // the method's own validation names the missing field
    };
    let Some(sent) = headers.get("mcp-name") else {
        return Err(mismatch(
            "the Mcp-Name header is required for this method".into(),
        ));
    };
    match mirrored::decode(sent) {
        Ok(n) if n == expected => {}
        Ok(n) => {
            return Err(mismatch(format!(
                "the Mcp-Name header `{n}` does not match `{field}` `{expected}`"
            )))
        }
        Err(e) => return Err(mismatch(format!("the Mcp-Name header {e}"))),
    }
    if req.method == "tools/call" {
        if let Some(tool) = registry.tool(expected) {
            let arguments = params.and_then(|p| p.get("arguments"));
            mirrored::check_params(headers, &tool.tool().input_schema, arguments)
                .map_err(mismatch)?;
        }
    }
    Ok(())
}
