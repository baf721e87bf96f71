//! Wrong parameter types for every method that takes parameters, a second `initialize`, and
//! malformed cancellations.

use serde_json::{json, Value};

use super::{case, req, Case, Want};

pub fn cases() -> Vec<Case> {
    use Want::*;
    let mut c = Vec::new();
    // Wrong parameter types, for every method that takes parameters.
    let mut id = 600;
    let mut params = |method: &str, p: Value, want: fn(Value) -> Want| {
        id += 1;
        case(
            format!("{method} {p}"),
            req(json!(id), method, p),
            want(json!(id)),
        )
    };
    fn invalid(words: &'static [&'static str]) -> impl Fn(Value) -> Want {
        move |id| Want::Error(-32602, id, words)
    }
    macro_rules! p {
        ($method:expr, $params:expr, $($word:expr),+) => {
            params($method, $params, |id| invalid(&[$($word),+])(id))
        };
    }
    let client_info = json!({"name": "c", "version": "1"});
    c.extend([
        p!("initialize", json!({}), "invalid params for `initialize`", "missing field `protocolVersion`"),
        p!("initialize", json!({"protocolVersion": 5, "capabilities": {}, "clientInfo": client_info}), "`protocolVersion`", "invalid type: integer `5`"),
        p!("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": [], "clientInfo": client_info}), "`capabilities`", "invalid type"),
        p!("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": "me"}), "`clientInfo`", "invalid type"),
        p!("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c"}}), "`clientInfo`", "missing field `version`"),
        p!("tools/call", json!({}), "invalid params for `tools/call`", "missing field `name`"),
        p!("tools/call", json!({"name": 5}), "`name`", "invalid type: integer `5`"),
        p!("tools/call", json!({"name": "echo", "arguments": [1]}), "`arguments`", "invalid type"),
        p!("tools/call", json!({"name": "echo", "arguments": "text"}), "`arguments`", "invalid type"),
        p!("tools/call", json!({"name": "nope"}), "unknown tool: `nope`"),
        p!("tools/call", json!({"name": "echo", "arguments": {"text": "x"}, "_meta": 5}), "`_meta`", "invalid type: integer `5`"),
        params("tools/call", json!({"name": "echo", "arguments": {"text": "hi"}, "_meta": null, "other": 1}), |id| Want::Result(id, &["\"text\":\"hi\""])),
        params("tools/call", json!({"name": "echo", "arguments": {"text": 5}}), |id| Want::Result(id, &["\"isError\":true", "invalid arguments for tool `echo`: `text`: invalid type: integer `5`"])),
        params("tools/call", json!({"name": "echo", "arguments": {}}), |id| Want::Result(id, &["\"isError\":true", "missing field `text`"])),
        p!("tools/list", json!({"cursor": 5}), "invalid params for `tools/list`", "`cursor`"),
        p!("tools/list", json!({"cursor": "not a cursor!"}), "invalid cursor"),
        params("tools/list", json!({"cursor": null}), |id| Want::Result(id, &["\"tools\""])),
        p!("resources/list", json!({"cursor": []}), "`cursor`"),
        p!("prompts/list", json!({"cursor": {}}), "`cursor`"),
        p!("resources/read", json!({}), "invalid params for `resources/read`", "missing field `uri`"),
        p!("resources/read", json!({"uri": 5}), "`uri`", "invalid type"),
        params("resources/read", json!({"uri": "nope://x"}), |id| Want::Error(-32002, id, &["resource not found: `nope://x`"])),
        p!("resources/subscribe", json!({"uri": []}), "`uri`"),
        p!("prompts/get", json!({}), "missing field `name`"),
        p!("prompts/get", json!({"name": 5}), "`name`", "invalid type"),
        p!("prompts/get", json!({"name": "greet", "arguments": []}), "`arguments`"),
        p!("prompts/get", json!({"name": "nope"}), "unknown prompt: `nope`"),
        p!("prompts/get", json!({"name": "greet", "arguments": {}}), "name"),
        // Prompt arguments are strings; a number is taken as its text.
        params("prompts/get", json!({"name": "greet", "arguments": {"name": 5}}), |id| Want::Result(id, &["Say hello to 5."])),
        p!("completion/complete", json!({}), "invalid params for `completion/complete`", "missing field `ref`"),
        p!("completion/complete", json!({"ref": 5, "argument": {"name": "name", "value": ""}}), "`ref`"),
        p!("completion/complete", json!({"ref": {"type": "ref/nope"}, "argument": {"name": "name", "value": ""}}), "`ref.type`", "unknown variant `ref/nope`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name"}}), "`argument`", "missing field `value`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": 5}}), "`argument.value`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": ""}, "context": {"arguments": 5}}), "`context.arguments`"),
        p!("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "x", "value": ""}}), "unknown prompt: `nope`"),
        params("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "Al"}}), |id| Want::Result(id, &["\"Alan\""])),
        p!("logging/setLevel", json!({}), "invalid params for `logging/setLevel`", "missing field `level`"),
        p!("logging/setLevel", json!({"level": "loud"}), "`level`", "unknown variant `loud`"),
        p!("logging/setLevel", json!({"level": 3}), "`level`", "invalid type"),
    ]);
    // A valid `initialize` on an initialized stdio session is refused; on HTTP it starts a new
    // session.
    c.push(Case {
        http: Some(Want::Result(json!(699), &["\"protocolVersion\""])),
        ..case(
            "initialize twice",
            req(
                json!(699),
                "initialize",
                crate::reliability_support::initialize_params(json!({})),
            ),
            Want::Error(-32600, json!(699), &["already initialized"]),
        )
    });
    // Malformed cancellations are notifications: ignored, not answered.
    for p in [
        json!({}),
        json!({"requestId": {}}),
        json!({"requestId": null}),
        json!({"requestId": 1.5}),
        json!({"requestId": "never-sent", "reason": 5}),
    ] {
        c.push(case(
            format!("notifications/cancelled {p}"),
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": p}).to_string(),
            Silence,
        ));
    }
    c
}
