//! Protocol 2026-07-28 over stdio framing: the stateless envelope, and the same `ctx.sample()`
//! handlers answered by multi round-trip requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::Limits;
use toolsmith_tests::fixtures::{chain, one, three};
use toolsmith_tests::RawClient;

fn meta(caps: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps,
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

fn sampling() -> Value {
    meta(json!({"sampling": {}}))
}

/// Answer a sampling ask with `text`.
fn answer(text: &str) -> Value {
    json!({"role": "assistant", "model": "test-model", "content": {"type": "text", "text": text}, "stopReason": "endTurn"})
}

static EXPENSIVE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Does expensive work once, then asks.
#[tool]
async fn memoised(ctx: Context<'_>) -> Result<String, ToolError> {
    let data: u32 = ctx
        .memo("expensive", || async {
            EXPENSIVE_RUNS.fetch_add(1, Ordering::SeqCst);
            41
        })
        .await;
    let reply = ctx.sample(format!("data {data}")).await?.text();
    Ok(format!("{data}:{reply}"))
}

static DRIFT: AtomicUsize = AtomicUsize::new(0);

/// Asks a different question each time it runs.
#[tool]
async fn drifting(ctx: Context<'_>) -> Result<String, ToolError> {
    let n = DRIFT.fetch_add(1, Ordering::SeqCst);
    Ok(ctx.sample(format!("question {n}")).await?.text())
}

/// Needs sampling to exist at all.
#[tool(requires(sampling))]
async fn needs_sampling(ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample("x").await?.text())
}

/// Falls back when the client cannot sample, and logs why.
#[tool]
async fn fallback(ctx: Context<'_>) -> String {
    match ctx.sample("x").await {
        Ok(r) => r.text(),
        Err(e) => {
            ctx.error(format!("no sampling: {e}")).await;
            "unknown".into()
        }
    }
}

/// Ask for a name, with the key chosen by the author.
#[tool]
async fn named(ctx: Context<'_>) -> Result<String, ToolError> {
    let r = ctx
        .elicit("Name?", json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}))
        .key("user_name")
        .await?;
    Ok(format!(
        "Hello, {}!",
        r.content.unwrap_or_default()["name"]
            .as_str()
            .unwrap_or("?")
    ))
}

/// Remembers a value, then asks twice in turn: the second round's state carries both the memo and
/// the first answer.
#[tool]
async fn secretive(ctx: Context<'_>) -> Result<String, ToolError> {
    let memo: String = ctx
        .memo("secret", || async { "MEMO-VALUE-8c1f".to_owned() })
        .await;
    let first = ctx.sample("first").await?.text();
    let second = ctx.sample("second").await?.text();
    Ok(format!("{memo}/{first}/{second}"))
}

fn server() -> Server {
    Server::new("stateless-test", "1")
        .tool(one)
        .tool(three)
        .tool(chain)
        .tool(memoised)
        .tool(drifting)
        .tool(needs_sampling)
        .tool(fallback)
        .tool(named)
        .tool(secretive)
}

async fn call(c: &mut RawClient, name: &str, args: Value, extra: Value) -> Value {
    let mut params = json!({"name": name, "arguments": args, "_meta": sampling()});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    c.request("tools/call", params).await
}

/// The key of the first ask in an `input_required` result.
fn first_ask_key(r: &Value) -> String {
    r["result"]["inputRequests"]
        .as_object()
        .unwrap_or_else(|| panic!("no inputRequests in {r}"))
        .keys()
        .next()
        .unwrap_or_else(|| panic!("empty inputRequests in {r}"))
        .clone()
}

#[tokio::test]
async fn discover_lists_and_envelope_errors() {
    let mut c = RawClient::start(server());
    let r = c
        .request("server/discover", json!({"_meta": meta(json!({}))}))
        .await;
    let result = &r["result"];
    assert_eq!(result["supportedVersions"], json!(["2026-07-28"]));
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "stateless-test"
    );
    assert!(result["capabilities"]["tools"].is_object());
    assert!(result["ttlMs"].is_u64() && result["cacheScope"].is_string());

    let r = c
        .request("tools/list", json!({"_meta": meta(json!({}))}))
        .await;
    assert_eq!(r["result"]["resultType"], "complete");
    assert_eq!(r["result"]["cacheScope"], "public");
    assert!(r["result"]["ttlMs"].is_u64());
    assert_eq!(r["result"]["tools"].as_array().unwrap().len(), 9);

    let r = c
        .request(
            "tools/list",
            json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c
        .request("tools/list", json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {}}}))
        .await;
    assert_eq!(r["error"]["code"], -32022);
    assert_eq!(r["error"]["data"]["requested"], "2099-01-01");
    assert_eq!(r["error"]["data"]["supported"], json!(["2026-07-28"]));
    let r = c
        .request(
            "logging/setLevel",
            json!({"level": "info", "_meta": meta(json!({}))}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32601);
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_sample_is_one_round_trip() {
    let mut c = RawClient::start(server());
    let r1 = call(
        &mut c,
        "one",
        json!({"question": "Capital of France?"}),
        json!({}),
    )
    .await;
    let result = &r1["result"];
    assert_eq!(result["resultType"], "input_required", "{r1}");
    let asks = result["inputRequests"].as_object().unwrap();
    assert_eq!(asks.len(), 1);
    let (key, ask) = asks.iter().next().unwrap();
    assert_eq!(ask["method"], "sampling/createMessage");
    assert_eq!(
        ask["params"]["messages"][0]["content"]["text"],
        "Capital of France?"
    );
    assert_eq!(ask["params"]["maxTokens"], 10);
    let state = result["requestState"].as_str().unwrap().to_owned();

    let r2 = call(
        &mut c,
        "one",
        json!({"question": "Capital of France?"}),
        json!({"inputResponses": {key: answer("Paris")}, "requestState": state}),
    )
    .await;
    assert_eq!(r2["result"]["resultType"], "complete", "{r2}");
    assert_eq!(r2["result"]["content"][0]["text"], "Paris");

    // Missing answer: asked again, not an error. Extra keys are ignored.
    let r3 = call(
        &mut c,
        "one",
        json!({"question": "Capital of France?"}),
        json!({"inputResponses": {"nope": answer("x")}, "requestState": state}),
    )
    .await;
    assert_eq!(r3["result"]["resultType"], "input_required", "{r3}");
    assert!(r3["result"]["inputRequests"].get(key).is_some());

    // The state is bound to the tool and its arguments, and sealed.
    let r = call(
        &mut c,
        "one",
        json!({"question": "Other?"}),
        json!({"inputResponses": {key: answer("Paris")}, "requestState": state}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = call(
        &mut c,
        "chain",
        json!({}),
        json!({"inputResponses": {key: answer("Paris")}, "requestState": state}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = call(
        &mut c,
        "one",
        json!({"question": "Capital of France?"}),
        json!({"requestState": format!("{state}-TAMPERED")}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("integrity"),
        "{r}"
    );
    // Malformed answers are protocol errors.
    let r = call(
        &mut c,
        "one",
        json!({"question": "Capital of France?"}),
        json!({"inputResponses": {key: 12345}}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602);
    let r = call(
        &mut c,
        "one",
        json!({"question": "Capital of France?"}),
        json!({"inputResponses": null}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602);
    c.close().await.unwrap();
}

#[tokio::test]
async fn concurrent_asks_share_a_round_and_chains_take_one_each() {
    let mut c = RawClient::start(server());
    let r1 = call(&mut c, "three", json!({}), json!({})).await;
    let asks = r1["result"]["inputRequests"].as_object().unwrap().clone();
    assert_eq!(asks.len(), 3, "join! of three samples is one round: {r1}");
    let responses: serde_json::Map<String, Value> = asks
        .iter()
        .map(|(k, a)| {
            (
                k.clone(),
                answer(
                    &a["params"]["messages"][0]["content"]["text"]
                        .as_str()
                        .unwrap()
                        .to_uppercase(),
                ),
            )
        })
        .collect();
    let r2 = call(
        &mut c,
        "three",
        json!({}),
        json!({"inputResponses": responses, "requestState": r1["result"]["requestState"]}),
    )
    .await;
    assert_eq!(r2["result"]["content"][0]["text"], "ABC", "{r2}");

    let r1 = call(&mut c, "chain", json!({}), json!({})).await;
    let (k1, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let r2 = call(&mut c, "chain", json!({}), json!({"inputResponses": {k1: answer("one")}, "requestState": r1["result"]["requestState"]})).await;
    assert_eq!(r2["result"]["resultType"], "input_required");
    let asks2 = r2["result"]["inputRequests"].as_object().unwrap();
    assert_eq!(asks2.len(), 1);
    let (k2, a2) = asks2.iter().next().unwrap();
    assert_eq!(a2["params"]["messages"][0]["content"]["text"], "after one");
    assert_ne!(r1["result"]["requestState"], r2["result"]["requestState"]);
    // Round 3 carries round 1's answer inside the state: only this round's answer is sent.
    let r3 = call(&mut c, "chain", json!({}), json!({"inputResponses": {k2: answer("two")}, "requestState": r2["result"]["requestState"]})).await;
    assert_eq!(r3["result"]["content"][0]["text"], "one+two", "{r3}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn memo_runs_work_once_and_drifting_asks_are_asked_again() {
    let mut c = RawClient::start(server());
    let before = EXPENSIVE_RUNS.load(Ordering::SeqCst);
    let r1 = call(&mut c, "memoised", json!({}), json!({})).await;
    let (k, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let r2 = call(
        &mut c,
        "memoised",
        json!({}),
        json!({"inputResponses": {k: answer("ok")}, "requestState": r1["result"]["requestState"]}),
    )
    .await;
    assert_eq!(r2["result"]["content"][0]["text"], "41:ok");
    assert_eq!(
        EXPENSIVE_RUNS.load(Ordering::SeqCst) - before,
        1,
        "the memoised work ran once across two rounds"
    );

    // Resumed in memory, the handler gets the answer to the very ask it made.
    let r1 = call(&mut c, "drifting", json!({}), json!({})).await;
    let (k, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let r2 = call(&mut c, "drifting", json!({}), json!({"inputResponses": {k: answer("fresh")}, "requestState": r1["result"]["requestState"]})).await;
    assert_eq!(r2["result"]["content"][0]["text"], "fresh", "{r2}");
    c.close().await.unwrap();

    // Replayed (no handler kept in memory), it asks something else.
    let limits = Limits::default().continuation_keep_alive(Duration::ZERO);
    let mut c = RawClient::start(server().limits(limits));
    let r1 = call(&mut c, "drifting", json!({}), json!({})).await;
    let (k, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let r2 = call(&mut c, "drifting", json!({}), json!({"inputResponses": {k: answer("stale?")}, "requestState": r1["result"]["requestState"]})).await;
    assert_eq!(
        r2["result"]["resultType"], "input_required",
        "a changed ask is asked again, never answered stale: {r2}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn capabilities_are_read_per_request() {
    let mut c = RawClient::start(server());
    let no_caps = json!({"_meta": meta(json!({}))});
    let mut params = json!({"name": "needs_sampling", "arguments": {}});
    params["_meta"] = no_caps["_meta"].clone();
    let r = c.request("tools/call", params).await;
    assert_eq!(r["error"]["code"], -32021, "{r}");
    assert_eq!(
        r["error"]["data"]["requiredCapabilities"],
        json!({"sampling": {}})
    );

    // Without sampling, the handler sees the error and falls back; its log goes out only if the
    // request asked for a level.
    let mut m = meta(json!({}));
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "fallback", "arguments": {}, "_meta": m.clone()}),
        )
        .await;
    let r = c.response(id).await;
    assert_eq!(r["result"]["content"][0]["text"], "unknown");
    assert!(
        c.backlog
            .iter()
            .all(|m| m["method"] != "notifications/message"),
        "{:?}",
        c.backlog
    );
    m["io.modelcontextprotocol/logLevel"] = json!("error");
    let id = c
        .send_request(
            "tools/call",
            json!({"name": "fallback", "arguments": {}, "_meta": m}),
        )
        .await;
    let log = c.expect_method("notifications/message").await;
    assert!(log["params"]["data"]
        .as_str()
        .unwrap()
        .contains("no sampling"));
    let r = c.response(id).await;
    assert_eq!(r["result"]["resultType"], "complete");

    // With sampling declared on the same connection, the next request samples.
    let r = call(&mut c, "fallback", json!({}), json!({})).await;
    assert_eq!(r["result"]["resultType"], "input_required");
    c.close().await.unwrap();
}

/// An author's key is the key of the ask in `inputRequests`, and answers under it count only with
/// the state of the round that asked: without it, the server cannot know it asked, and asks again.
#[tokio::test]
async fn author_keys_are_kept_and_answers_need_the_state() {
    let mut c = RawClient::start(server());
    let mut params =
        json!({"name": "named", "arguments": {}, "_meta": meta(json!({"elicitation": {}}))});
    let r1 = c.request("tools/call", params.clone()).await;
    assert_eq!(
        r1["result"]["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
    params["inputResponses"] = json!({"user_name": {"action": "accept", "content": {"name": "Alice"}}, "extra": {"action": "accept"}});
    let without = c.request("tools/call", params.clone()).await;
    assert_eq!(
        without["result"]["resultType"], "input_required",
        "{without}"
    );
    assert!(without["result"]["inputRequests"]["user_name"].is_object());
    params["requestState"] = r1["result"]["requestState"].clone();
    let r2 = c.request("tools/call", params).await;
    assert_eq!(r2["result"]["content"][0]["text"], "Hello, Alice!", "{r2}");
    c.close().await.unwrap();
}

/// An answer whose key the previous round did not ask is never handed to the handler: not
/// without a state, and not with a state of a round that asked something else.
#[tokio::test]
async fn answers_to_asks_never_made_are_ignored() {
    let mut c = RawClient::start(server());
    // Learn the keys chain asks, round by round.
    let r1 = call(&mut c, "chain", json!({}), json!({})).await;
    let k1 = first_ask_key(&r1);
    let r2 = call(&mut c, "chain", json!({}), json!({"inputResponses": {&k1: answer("one")}, "requestState": r1["result"]["requestState"]})).await;
    let k2 = first_ask_key(&r2);

    // Both answers at once, with no state: the server made neither ask in this request.
    let both = json!({&k1: answer("one"), &k2: answer("two")});
    let r = call(&mut c, "chain", json!({}), json!({"inputResponses": both})).await;
    assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    assert!(r["result"]["inputRequests"].get(&k1).is_some(), "{r}");

    // Both at once with round 1's state: round 1 asked only k1, so k2 is asked for, not taken.
    let r = call(
        &mut c,
        "chain",
        json!({}),
        json!({"inputResponses": both, "requestState": r1["result"]["requestState"]}),
    )
    .await;
    assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    assert!(r["result"]["inputRequests"].get(&k2).is_some(), "{r}");

    // The honest path still completes.
    let r3 = call(&mut c, "chain", json!({}), json!({"inputResponses": {&k2: answer("two")}, "requestState": r2["result"]["requestState"]})).await;
    assert_eq!(r3["result"]["content"][0]["text"], "one+two", "{r3}");
    c.close().await.unwrap();
}

/// The client cannot read what the state carries: not the memoised value, not its own earlier
/// answers (which a proxy or another client could otherwise read from a logged token).
#[tokio::test]
async fn request_state_is_not_readable_by_the_client() {
    let mut c = RawClient::start(server());
    let r1 = call(&mut c, "secretive", json!({}), json!({})).await;
    let k1 = first_ask_key(&r1);
    let r2 = call(&mut c, "secretive", json!({}), json!({"inputResponses": {&k1: answer("ANSWER-TEXT-5e2b")}, "requestState": r1["result"]["requestState"]})).await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    let token = r2["result"]["requestState"].as_str().unwrap();
    // The token as is, and each `.`-separated part base64-decoded in every common alphabet.
    let mut forms = vec![token.as_bytes().to_vec()];
    for part in token.split('.') {
        for engine in [
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
        ] {
            if let Ok(bytes) = engine.decode(part) {
                forms.push(bytes);
            }
        }
    }
    assert!(forms.len() > 1, "some part of the token decodes: {token}");
    for form in &forms {
        for secret in ["MEMO-VALUE-8c1f", "ANSWER-TEXT-5e2b", "secretive"] {
            assert!(
                !form.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "`{secret}` is readable in {token}"
            );
        }
    }
    // And the state still carries them: the last round completes with both.
    let k2 = first_ask_key(&r2);
    let r3 = call(&mut c, "secretive", json!({}), json!({"inputResponses": {&k2: answer("last")}, "requestState": r2["result"]["requestState"]})).await;
    assert_eq!(
        r3["result"]["content"][0]["text"], "MEMO-VALUE-8c1f/ANSWER-TEXT-5e2b/last",
        "{r3}"
    );
    c.close().await.unwrap();
}

/// The arguments are bound by their whole SHA-256: these two differ only after the first 48 bits
/// of it (found by a birthday search over `q<n>`), which was all an older digest kept.
#[tokio::test]
async fn arguments_colliding_in_48_bits_are_another_request() {
    let mut c = RawClient::start(server());
    let r1 = call(&mut c, "one", json!({"question": "q21490965"}), json!({})).await;
    let key = first_ask_key(&r1);
    let with = json!({"inputResponses": {&key: answer("A")}, "requestState": r1["result"]["requestState"]});
    let r = call(
        &mut c,
        "one",
        json!({"question": "q60031270"}),
        with.clone(),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("arguments"),
        "{r}"
    );
    let r = call(&mut c, "one", json!({"question": "q21490965"}), with).await;
    assert_eq!(r["result"]["content"][0]["text"], "A", "{r}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn rounds_are_bounded_and_states_expire() {
    let server = Server::new("bounded", "1").tool(chain).limits(
        Limits::default()
            .max_input_rounds(1)
            .request_state_ttl(Duration::from_millis(100)),
    );
    let mut c = RawClient::start(server);
    let r1 = call(&mut c, "chain", json!({}), json!({})).await;
    let (k1, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let r2 = call(&mut c, "chain", json!({}), json!({"inputResponses": {k1: answer("one")}, "requestState": r1["result"]["requestState"]})).await;
    assert_eq!(r2["error"]["code"], -32603, "{r2}");
    assert!(r2["error"]["message"].as_str().unwrap().contains("rounds"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let r3 = call(
        &mut c,
        "chain",
        json!({}),
        json!({"requestState": r1["result"]["requestState"]}),
    )
    .await;
    assert_eq!(r3["error"]["code"], -32602);
    assert!(
        r3["error"]["message"].as_str().unwrap().contains("expired"),
        "{r3}"
    );
    c.close().await.unwrap();
}
