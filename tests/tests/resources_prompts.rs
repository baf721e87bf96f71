//! Resources, resource templates, prompts and completions, over a real (in-memory) connection.

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::ServerHandle;
use toolsmith_tests::RawClient;

/// The application's configuration.
#[resource(uri = "config://app", mime_type = "application/json")]
async fn app_config() -> Json<Value> {
    Json(json!({"debug": false}))
}

/// A user's profile.
#[resource(uri = "users://{id}/profile", name = "user_profile")]
async fn profile(id: u64) -> Result<String, ToolError> {
    if id == 0 {
        return Err(ToolError::new("user 0 is reserved"));
    }
    Ok(format!("user #{id}"))
}

/// A binary logo.
#[resource(uri = "assets://logo.png", mime_type = "image/png")]
async fn logo() -> Vec<u8> {
    vec![0x89, b'P', b'N', b'G']
}

/// Summarise a file, asking the client's model.
#[resource(uri = "summaries://{+path}")]
async fn summary(path: String, ctx: Context<'_>) -> String {
    match ctx.sample(format!("Summarise {path}")).max_tokens(10).await {
        Ok(r) => r.text(),
        Err(e) => format!("no summary: {e}"),
    }
}

/// Review a piece of code.
#[prompt(title = "Code review")]
async fn code_review(
    #[arg(description = "The code")] code: String,
    language: Option<String>,
    depth: Option<u8>,
) -> Vec<PromptMessage> {
    let language = language.unwrap_or_else(|| "unknown".into());
    vec![
        PromptMessage::user(format!(
            "Review this {language} code (depth {}):\n{code}",
            depth.unwrap_or(1)
        )),
        PromptMessage::assistant("Sure."),
    ]
}

/// Greet someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Say hello to {name}")
}

fn server() -> Server {
    Server::new("res", "1")
        .resource(app_config)
        .resource(profile)
        .resource(logo)
        .resource(summary)
        .prompt(code_review)
        .prompt(greet)
        .complete_prompt_argument("code_review", "language", |value, _| {
            ["python", "perl", "rust"]
                .iter()
                .filter(|l| l.starts_with(value))
                .map(|l| l.to_string())
                .collect()
        })
}

#[tokio::test]
async fn lists_reads_and_errors() {
    let mut c = RawClient::initialized(server(), json!({})).await;
    let init_caps = c.request("ping", json!({})).await;
    assert_eq!(init_caps["result"], json!({}));

    let list = c.request("resources/list", json!({})).await;
    let uris: Vec<&str> = list["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["config://app", "assets://logo.png"]);
    assert_eq!(
        list["result"]["resources"][0]["description"],
        "The application's configuration."
    );
    assert_eq!(
        list["result"]["resources"][0]["mimeType"],
        "application/json"
    );

    let templates = c.request("resources/templates/list", json!({})).await;
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["uriTemplate"],
        "users://{id}/profile"
    );
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["name"],
        "user_profile"
    );

    let r = c
        .request("resources/read", json!({"uri": "config://app"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], r#"{"debug":false}"#);
    assert_eq!(r["result"]["contents"][0]["mimeType"], "application/json");

    let r = c
        .request("resources/read", json!({"uri": "users://42/profile"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "user #42");
    assert_eq!(r["result"]["contents"][0]["uri"], "users://42/profile");

    let r = c
        .request("resources/read", json!({"uri": "users://abc/profile"}))
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("`id`"),
        "{r}"
    );

    let r = c
        .request("resources/read", json!({"uri": "users://0/profile"}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("reserved"),
        "{r}"
    );

    let r = c
        .request("resources/read", json!({"uri": "nope://x"}))
        .await;
    assert_eq!(r["error"]["code"], -32002, "{r}");

    let r = c
        .request("resources/read", json!({"uri": "assets://logo.png"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["blob"], "iVBORw==");
    assert_eq!(r["result"]["contents"][0]["mimeType"], "image/png");

    let r = c.request("resources/read", json!({})).await;
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"].as_str().unwrap().contains("uri"),
        "{r}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn resources_can_sample() {
    let mut c = RawClient::initialized(server(), json!({"sampling": {}})).await;
    let id = c
        .send_request("resources/read", json!({"uri": "summaries://src/main.rs"}))
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    assert_eq!(
        ask["params"]["messages"][0]["content"]["text"],
        "Summarise src/main.rs"
    );
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": {
        "role": "assistant", "model": "m", "content": {"type": "text", "text": "A main file."}
    }}))
    .await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["contents"][0]["text"], "A main file.");
    c.close().await.unwrap();
}

#[tokio::test]
async fn prompts_and_completions() {
    let mut c = RawClient::initialized(server(), json!({})).await;
    let list = c.request("prompts/list", json!({})).await;
    let review = &list["result"]["prompts"][0];
    assert_eq!(review["name"], "code_review");
    assert_eq!(review["title"], "Code review");
    assert_eq!(
        review["arguments"],
        json!([
            {"name": "code", "description": "The code", "required": true},
            {"name": "language", "required": false},
            {"name": "depth", "required": false}
        ])
    );

    let r = c
        .request("prompts/get", json!({"name": "code_review", "arguments": {"code": "x = 1", "language": "python", "depth": "3"}}))
        .await;
    let messages = &r["result"]["messages"];
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(
        messages[0]["content"]["text"],
        "Review this python code (depth 3):\nx = 1"
    );
    assert_eq!(messages[1]["role"], "assistant");

    let r = c
        .request(
            "prompts/get",
            json!({"name": "code_review", "arguments": {}}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"].as_str().unwrap().contains("`code`"),
        "{r}"
    );

    let r = c
        .request(
            "prompts/get",
            json!({"name": "code_review", "arguments": {"code": "x", "depth": "deep"}}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"].as_str().unwrap().contains("`depth`"),
        "{r}"
    );

    let r = c.request("prompts/get", json!({"name": "nope"})).await;
    assert_eq!(r["error"]["code"], -32602);

    let r = c
        .request(
            "prompts/get",
            json!({"name": "greet", "arguments": {"name": "Ada"}}),
        )
        .await;
    assert_eq!(
        r["result"]["messages"][0]["content"]["text"],
        "Say hello to Ada"
    );

    let r = c
        .request("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "code_review"}, "argument": {"name": "language", "value": "p"}}))
        .await;
    assert_eq!(
        r["result"]["completion"]["values"],
        json!(["python", "perl"])
    );
    let r = c
        .request("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "A"}}))
        .await;
    assert_eq!(r["result"]["completion"]["values"], json!([]));
    let r = c
        .request("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "missing"}, "argument": {"name": "x", "value": ""}}))
        .await;
    assert_eq!(r["error"]["code"], -32602);
    c.close().await.unwrap();
}

#[tokio::test]
async fn capabilities_follow_what_is_registered() {
    let mut c = RawClient::start(server());
    let r = c
        .request("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}))
        .await;
    let caps = &r["result"]["capabilities"];
    assert_eq!(caps["resources"]["subscribe"], true);
    assert!(caps["prompts"].is_object());
    assert!(caps["completions"].is_object());

    let bare = Server::new("bare", "1");
    let mut c2 = RawClient::start(bare);
    let r = c2
        .request("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}))
        .await;
    let caps = &r["result"]["capabilities"];
    assert!(caps.get("resources").is_none(), "{caps}");
    assert!(caps.get("prompts").is_none());
    assert!(caps.get("completions").is_none());
    c.close().await.unwrap();
    c2.close().await.unwrap();
}

#[tokio::test]
async fn runtime_changes_notify_and_subscriptions_deliver_updates() {
    let server = server();
    let handle: ServerHandle = server.handle();
    let mut c = RawClient::initialized(server, json!({})).await;
    let r = c
        .request("resources/subscribe", json!({"uri": "config://app"}))
        .await;
    assert_eq!(r["result"], json!({}));

    handle.resource_updated("config://app");
    let n = c.expect_method("notifications/resources/updated").await;
    assert_eq!(n["params"]["uri"], "config://app");

    // Not subscribed: nothing arrives for this one; the next notification is the list change.
    handle.resource_updated("assets://logo.png");
    assert!(handle.remove_prompt("greet"));
    let n = c.next().await;
    assert_eq!(n["method"], "notifications/prompts/list_changed", "{n}");
    let list = c.request("prompts/list", json!({})).await;
    assert_eq!(list["result"]["prompts"].as_array().unwrap().len(), 1);

    handle.add_prompt(greet).unwrap();
    c.expect_method("notifications/prompts/list_changed").await;
    let list = c.request("prompts/list", json!({})).await;
    assert_eq!(list["result"]["prompts"].as_array().unwrap().len(), 2);
    assert!(!handle.remove_tool("never_registered"));

    let r = c
        .request("resources/unsubscribe", json!({"uri": "config://app"}))
        .await;
    assert_eq!(r["result"], json!({}));
    c.close().await.unwrap();
}

#[tokio::test]
async fn lists_page_with_cursors() {
    let mut c = RawClient::initialized(server().page_size(1), json!({})).await;
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let r = c.request("prompts/list", params).await;
        for p in r["result"]["prompts"].as_array().unwrap() {
            names.push(p["name"].as_str().unwrap().to_owned());
        }
        match r["result"].get("nextCursor") {
            Some(Value::String(next)) => cursor = Some(next.clone()),
            _ => break,
        }
    }
    assert_eq!(names, ["code_review", "greet"]);
    let r = c
        .request("prompts/list", json!({"cursor": "garbage"}))
        .await;
    assert_eq!(r["error"]["code"], -32602);
    c.close().await.unwrap();
}

/// Greets by the wire name `userName`.
#[prompt]
async fn renamed(#[arg(name = "userName")] user_name: String) -> String {
    format!("Hi {user_name}")
}

/// Echoes the wire name `itemId`.
#[tool]
async fn renamed_tool(#[arg(name = "itemId")] item_id: u32) -> String {
    item_id.to_string()
}

#[tokio::test]
async fn arguments_can_have_wire_names() {
    let mut c = RawClient::initialized(
        Server::new("r", "1").prompt(renamed).tool(renamed_tool),
        json!({}),
    )
    .await;
    let list = c.request("prompts/list", json!({})).await;
    assert_eq!(
        list["result"]["prompts"][0]["arguments"][0]["name"],
        "userName"
    );
    let r = c
        .request(
            "prompts/get",
            json!({"name": "renamed", "arguments": {"userName": "Ada"}}),
        )
        .await;
    assert_eq!(r["result"]["messages"][0]["content"]["text"], "Hi Ada");
    let tools = c.request("tools/list", json!({})).await;
    assert!(
        tools["result"]["tools"][0]["inputSchema"]["properties"]["itemId"].is_object(),
        "{tools}"
    );
    let r = c
        .request(
            "tools/call",
            json!({"name": "renamed_tool", "arguments": {"itemId": 7}}),
        )
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "7");
    c.close().await.unwrap();
}

/// A resource built by hand whose URI template the runtime refuses: registering what
/// `ResourceDef::new` returned reports the refusal when the server starts (never a panic).
#[tokio::test]
async fn a_refused_resource_is_a_configuration_error() {
    fn read<'a>(
        _: Context<'a>,
        _: toolsmith::ResourceRequest,
    ) -> futures::future::BoxFuture<
        'a,
        Result<toolsmith::protocol::ReadResourceResult, toolsmith::jsonrpc::ErrorObject>,
    > {
        Box::pin(async { Err(toolsmith::jsonrpc::ErrorObject::internal("unused")) })
    }
    let meta = toolsmith::ResourceMeta {
        uri: "users://{id",
        name: "broken",
        ..Default::default()
    };
    let def = toolsmith::ResourceDef::new(meta, read);
    assert!(def.is_err(), "the template is refused");
    let served = Server::new("x", "1")
        .resource(def)
        .serve(tokio::io::empty(), tokio::io::sink())
        .await;
    match served {
        Err(toolsmith::Error::Config(msg)) => assert!(msg.contains("users://{id"), "{msg}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}
