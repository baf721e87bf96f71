//! Tools whose function takes no `Context`: `#[tool]` and `#[tools]` mark them, and a protocol
//! 2026-07-28 call of one runs as a plain call (no round, no relay, no arguments kept for a
//! `requestState`), answering exactly as a tool with a context would.

use std::sync::Arc;

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{IntoTool, ToolBox, ToolDef};
use toolsmith_tests::fixtures::{echo, one};
use toolsmith_tests::RawClient;

/// Shout the text.
#[tool]
async fn shout(text: String) -> String {
    text.to_uppercase()
}

/// The same, with a context it does not use.
#[tool]
async fn shout_ctx(text: String, _ctx: Context<'_>) -> String {
    text.to_uppercase()
}

struct Greeter;

#[tools]
impl Greeter {
    /// Greet without a context.
    #[tool]
    async fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }

    /// Greet with one.
    #[tool]
    async fn greet_ctx(&self, name: String, ctx: Context<'_>) -> String {
        let _ = ctx.request_id();
        format!("hello {name}")
    }
}

#[test]
fn the_macros_mark_tools_without_a_context() {
    assert!(!shout.into_tool().uses_context());
    assert!(shout_ctx.into_tool().uses_context());
    assert!(!echo.into_tool().uses_context());
    assert!(one.into_tool().uses_context());
    let methods: Vec<(String, bool)> = <Greeter as ToolBox>::tool_defs(Arc::new(Greeter))
        .into_iter()
        .map(|t| (t.tool().name.clone(), t.uses_context()))
        .collect();
    assert_eq!(
        methods,
        [("greet".to_owned(), false), ("greet_ctx".to_owned(), true)]
    );
    // A definition built by hand may use its context.
    let dynamic = ToolDef::dynamic("d", json!({"type": "object"}), |_ctx, _args| {
        Box::pin(async { Ok(CallToolResult::text("d")) })
    });
    assert!(dynamic.uses_context());
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"sampling": {}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

async fn call(c: &mut RawClient, name: &str, extra: Value) -> Value {
    let mut params = json!({"name": name, "arguments": {"text": "hi"}, "_meta": meta()});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    c.request("tools/call", params).await
}

#[tokio::test]
async fn a_stateless_call_without_a_context_answers_as_one_with() {
    let server = Server::new("context-free", "1")
        .tool(shout)
        .tool(shout_ctx)
        .tool(one);
    let mut c = RawClient::start(server);
    let plain = call(&mut c, "shout", json!({})).await;
    let with = call(&mut c, "shout_ctx", json!({})).await;
    for r in [&plain, &with] {
        assert_eq!(r["result"]["resultType"], "complete", "{r}");
        assert_eq!(r["result"]["content"][0]["text"], "HI", "{r}");
        assert_eq!(
            r["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "context-free",
            "{r}"
        );
    }
    // The same result, but for the request ids.
    assert_eq!(plain["result"], with["result"]);

    // Answers to asks the server never made are ignored, as for any first round.
    let r = call(
        &mut c,
        "shout",
        json!({"inputResponses": {"k": {"role": "assistant"}}}),
    )
    .await;
    assert_eq!(r["result"]["content"][0]["text"], "HI", "{r}");

    // A state is never issued for it: one of another tool is refused, not ignored.
    let params = json!({"name": "one", "arguments": {"question": "q"}, "_meta": meta()});
    let first = c.request("tools/call", params).await;
    let state = first["result"]["requestState"].clone();
    assert!(state.is_string(), "{first}");
    let r = call(&mut c, "shout", json!({"requestState": state})).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    c.close().await.unwrap();
}
