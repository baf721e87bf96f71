//! Sampling, complete: tool loops, typed results, policy, and the server's own sampler.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{SamplerMode, SamplingPolicy, ToolChoice};
use toolsmith_tests::RawClient;

static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

/// Look something up.
#[tool]
async fn lookup(q: String) -> String {
    LOOKUPS.fetch_add(1, Ordering::SeqCst);
    format!("facts about {q}")
}

/// Research with the model, which may call `lookup`.
#[tool]
async fn research(topic: String, ctx: Context<'_>) -> Result<String, ToolError> {
    let r = ctx
        .sample(format!("Research {topic}"))
        .tool(lookup)
        .tool_choice(ToolChoice::Auto)
        .max_tokens(50)
        .await?;
    Ok(r.text())
}

static FETCHES: AtomicUsize = AtomicUsize::new(0);

/// Fetch something (counted separately, for the multi round-trip test).
#[tool]
async fn fetch(q: String) -> String {
    FETCHES.fetch_add(1, Ordering::SeqCst);
    format!("fetched {q}")
}

/// Research with the model, which may call `fetch`.
#[tool]
async fn deep_research(topic: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx
        .sample(format!("Research {topic}"))
        .tool(fetch)
        .await?
        .text())
}

#[derive(Debug, Deserialize, JsonSchema)]
struct SqlQuery {
    sql: String,
}

/// Translate to SQL, typed.
#[tool]
async fn to_sql(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    let q: SqlQuery = ctx.sample(question).structured::<SqlQuery>().await?;
    Ok(q.sql)
}

/// Samples with a secret in the prompt.
#[tool]
async fn leaky(text: String, ctx: Context<'_>) -> String {
    match ctx.sample(text).max_tokens(4000).await {
        Ok(r) => format!("ok: {}", r.text()),
        Err(SampleError::Refused(why)) => format!("refused: {why}"),
        Err(e) => format!("error: {e}"),
    }
}

/// Another handler that samples.
#[tool]
async fn other(ctx: Context<'_>) -> String {
    match ctx.sample("hi").await {
        Ok(r) => r.text(),
        Err(e) => format!("error: {e}"),
    }
}

fn answer_text(text: &str) -> Value {
    json!({"role": "assistant", "model": "m", "content": {"type": "text", "text": text}, "stopReason": "endTurn"})
}

async fn answer(c: &mut RawClient, ask: &Value, result: Value) {
    c.send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": result}))
        .await;
}

#[tokio::test]
async fn the_runtime_runs_the_tool_loop() {
    let before = LOOKUPS.load(Ordering::SeqCst);
    let server = Server::new("s", "1").tool(research).tool(lookup);
    let mut c = RawClient::initialized(server, json!({"sampling": {"tools": {}}})).await;
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "research", "arguments": {"topic": "rust"}}),
        )
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    assert_eq!(ask["params"]["tools"][0]["name"], "lookup");
    assert_eq!(
        ask["params"]["tools"][0]["inputSchema"]["properties"]["q"]["type"],
        "string"
    );
    assert_eq!(ask["params"]["toolChoice"], json!({"mode": "auto"}));
    answer(
        &mut c,
        &ask,
        json!({"role": "assistant", "model": "m", "stopReason": "toolUse", "content": [
            {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "ownership"}},
            {"type": "tool_use", "id": "t2", "name": "lookup", "input": {"q": "borrowing"}}
        ]}),
    )
    .await;
    let ask2 = c.expect_method("sampling/createMessage").await;
    let messages = ask2["params"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1]["role"], "assistant");
    let results = messages[2]["content"].as_array().unwrap();
    assert_eq!(messages[2]["role"], "user");
    assert!(
        results.iter().all(|r| r["type"] == "tool_result"),
        "a tool-result message holds only tool results"
    );
    assert_eq!(results[0]["toolUseId"], "t1");
    assert_eq!(results[0]["content"][0]["text"], "facts about ownership");
    assert_eq!(results[1]["toolUseId"], "t2");
    answer(&mut c, &ask2, answer_text("Rust is safe.")).await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["content"][0]["text"], "Rust is safe.");
    assert_eq!(LOOKUPS.load(Ordering::SeqCst) - before, 2);

    // Without `sampling.tools`, nothing is sent and the tool gets a clear error.
    let server = Server::new("s", "1").tool(research).tool(lookup);
    let mut c = RawClient::initialized(server, json!({"sampling": {}})).await;
    let r = c
        .request(
            "tools/call",
            json!({"name": "research", "arguments": {"topic": "rust"}}),
        )
        .await;
    assert_eq!(r["result"]["isError"], true);
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("sampling.tools"),
        "{r}"
    );
    assert!(
        c.backlog.is_empty(),
        "no sampling request was sent: {:?}",
        c.backlog
    );
}

#[tokio::test]
async fn structured_answers_with_a_final_answer_tool() {
    let mut c = RawClient::initialized(
        Server::new("s", "1").tool(to_sql),
        json!({"sampling": {"tools": {}}}),
    )
    .await;
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "to_sql", "arguments": {"question": "all users"}}),
        )
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    assert_eq!(ask["params"]["tools"][0]["name"], "final_answer");
    assert_eq!(
        ask["params"]["tools"][0]["inputSchema"]["properties"]["sql"]["type"],
        "string"
    );
    assert_eq!(ask["params"]["toolChoice"]["mode"], "required");
    answer(&mut c, &ask, json!({"role": "assistant", "model": "m", "stopReason": "toolUse", "content":
        {"type": "tool_use", "id": "f1", "name": "final_answer", "input": {"sql": "SELECT * FROM users"}}}))
    .await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["content"][0]["text"], "SELECT * FROM users");
}

#[tokio::test]
async fn structured_answers_by_instruction_with_corrections() {
    let mut c =
        RawClient::initialized(Server::new("s", "1").tool(to_sql), json!({"sampling": {}})).await;
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "to_sql", "arguments": {"question": "all users"}}),
        )
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    assert!(ask["params"].get("tools").is_none());
    assert!(
        ask["params"]["systemPrompt"]
            .as_str()
            .unwrap()
            .contains("\"sql\""),
        "the schema is in the instructions"
    );
    answer(&mut c, &ask, answer_text("I think you want all users.")).await;
    let ask2 = c.expect_method("sampling/createMessage").await;
    let messages = ask2["params"]["messages"].as_array().unwrap();
    assert_eq!(
        messages.len(),
        3,
        "the wrong answer and a correction were added"
    );
    assert!(messages[2]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("schema"));
    answer(
        &mut c,
        &ask2,
        answer_text("```json\n{\"sql\": \"SELECT * FROM users\"}\n```"),
    )
    .await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["content"][0]["text"], "SELECT * FROM users");

    // Never conforming is a typed error after the bounded corrections (1 + 2 answers).
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "to_sql", "arguments": {"question": "x"}}),
        )
        .await;
    for _ in 0..3 {
        let ask = c.expect_method("sampling/createMessage").await;
        answer(&mut c, &ask, answer_text("nope")).await;
    }
    let r = c.response(id).await;
    assert_eq!(r["result"]["isError"], true);
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("3 attempts"),
        "{r}"
    );
}

#[tokio::test]
async fn policy_is_enforced_before_anything_leaves() {
    let policy = SamplingPolicy::new()
        .allow_only(["leaky"])
        .max_tokens(100)
        .max_prompt_chars(40)
        .hook(|origin, params| {
            assert_eq!(origin.handler, Some("leaky"));
            for m in &mut params.messages {
                let text = m.text();
                if text.contains("password") {
                    return Err("prompts may not contain passwords".into());
                }
                *m = SamplingMessage::user(text.replace("secret", "[redacted]"));
            }
            Ok(())
        });
    let server = Server::new("s", "1")
        .tool(leaky)
        .tool(other)
        .sampling_policy(policy);
    let mut c = RawClient::initialized(server, json!({"sampling": {}})).await;

    let id = c
        .send_request(
            "tools/call",
            json!({"name": "leaky", "arguments": {"text": "the secret plan"}}),
        )
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    assert_eq!(
        ask["params"]["messages"][0]["content"]["text"],
        "the [redacted] plan"
    );
    assert_eq!(ask["params"]["maxTokens"], 100, "maxTokens is capped");
    answer(&mut c, &ask, answer_text("fine")).await;
    assert_eq!(
        c.response(id).await["result"]["content"][0]["text"],
        "ok: fine"
    );

    let r = c
        .request(
            "tools/call",
            json!({"name": "leaky", "arguments": {"text": "my password is hunter2"}}),
        )
        .await;
    assert_eq!(
        r["result"]["content"][0]["text"],
        "refused: prompts may not contain passwords"
    );
    let r = c
        .request(
            "tools/call",
            json!({"name": "leaky", "arguments": {"text": "x".repeat(41)}}),
        )
        .await;
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("refused: the prompt holds 41"),
        "{r}"
    );
    let r = c
        .request("tools/call", json!({"name": "other", "arguments": {}}))
        .await;
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("does not allow `other`"),
        "{r}"
    );
    assert!(
        c.backlog
            .iter()
            .all(|m| m["method"] != "sampling/createMessage"),
        "refused samples send nothing"
    );
}

#[tokio::test]
async fn the_servers_own_sampler_falls_back_or_always_answers() {
    let local = |params: toolsmith::protocol::CreateMessageParams| async move {
        Ok(toolsmith::protocol::CreateMessageResult::text(
            "local-model",
            format!("local: {}", params.messages[0].text()),
        ))
    };
    // Fallback: a client without sampling is never asked; the server's model answers.
    let server = Server::new("s", "1")
        .tool(other)
        .sampler(local, SamplerMode::Fallback);
    let mut c = RawClient::initialized(server, json!({})).await;
    let r = c
        .request("tools/call", json!({"name": "other", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "local: hi");

    // Fallback with a sampling client: the client is asked.
    let server = Server::new("s", "1")
        .tool(other)
        .sampler(local, SamplerMode::Fallback);
    let mut c = RawClient::initialized(server, json!({"sampling": {}})).await;
    let id = c
        .send_request("tools/call", json!({"name": "other", "arguments": {}}))
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    answer(&mut c, &ask, answer_text("from client")).await;
    assert_eq!(
        c.response(id).await["result"]["content"][0]["text"],
        "from client"
    );

    // Always: the client is never asked, even when it could sample.
    let server = Server::new("s", "1")
        .tool(other)
        .sampler(local, SamplerMode::Always);
    let mut c = RawClient::initialized(server, json!({"sampling": {}})).await;
    let r = c
        .request("tools/call", json!({"name": "other", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "local: hi");
}

#[tokio::test]
async fn tool_loops_work_over_multi_round_trips_without_rerunning_tools() {
    let before = FETCHES.load(Ordering::SeqCst);
    let mut c = RawClient::start(Server::new("s", "1").tool(deep_research).tool(fetch));
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"sampling": {"tools": {}}}
    });
    let params = json!({"name": "deep_research", "arguments": {"topic": "rust"}, "_meta": meta});
    let r1 = c.request("tools/call", params.clone()).await;
    let (k1, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let mut p2 = params.clone();
    p2["inputResponses"] = json!({k1: {"role": "assistant", "model": "m", "stopReason": "toolUse",
        "content": [{"type": "tool_use", "id": "t1", "name": "fetch", "input": {"q": "x"}}]}});
    p2["requestState"] = r1["result"]["requestState"].clone();
    let r2 = c.request("tools/call", p2).await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    let (k2, ask2) = r2["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(ask2["params"]["messages"][2]["content"]["toolUseId"], "t1");
    let mut p3 = params.clone();
    p3["inputResponses"] = json!({k2: answer_text("done")});
    p3["requestState"] = r2["result"]["requestState"].clone();
    let r3 = c.request("tools/call", p3).await;
    assert_eq!(r3["result"]["content"][0]["text"], "done", "{r3}");
    assert_eq!(
        FETCHES.load(Ordering::SeqCst) - before,
        1,
        "the tool ran once across three rounds"
    );
}

/// Gives up on the model after a short while.
#[tool]
async fn impatient(ctx: Context<'_>) -> String {
    match tokio::time::timeout(std::time::Duration::from_millis(50), ctx.sample("slow?")).await {
        Ok(_) => "answered".into(),
        Err(_) => "gave up".into(),
    }
}

#[tokio::test]
async fn abandoned_client_requests_are_cancelled_on_the_wire() {
    let server = Server::new("s", "1").tool(impatient).tool(other);
    let mut c = RawClient::initialized(server, json!({"sampling": {}})).await;
    // The tool stops waiting: the client is told to stop working on the sample.
    let id = c
        .send_request("tools/call", json!({"name": "impatient", "arguments": {}}))
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    let cancelled = c.expect_method("notifications/cancelled").await;
    assert_eq!(cancelled["params"]["requestId"], ask["id"]);
    assert_eq!(
        c.response(id).await["result"]["content"][0]["text"],
        "gave up"
    );

    // The client cancels the tool call: its pending sample is cancelled in turn.
    let id = c
        .send_request("tools/call", json!({"name": "other", "arguments": {}}))
        .await;
    let ask = c.expect_method("sampling/createMessage").await;
    c.notify("notifications/cancelled", json!({"requestId": id}))
        .await;
    let cancelled = c.expect_method("notifications/cancelled").await;
    assert_eq!(cancelled["params"]["requestId"], ask["id"]);
    // A late answer is ignored, and the session keeps serving.
    answer(&mut c, &ask, answer_text("too late")).await;
    assert_eq!(c.request("ping", json!({})).await["result"], json!({}));
}
