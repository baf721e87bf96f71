//! `requestState` (2026-07-28 multi round-trip) under attack: every single-character tampering,
//! truncation, forgery, another server's key, key rotation and weak keys, replay past expiry and
//! reuse across tools (over HTTP too). The other security checks are in `reliability_security.rs`.

mod reliability_support;

use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};

use reliability_support::{sample_answer, stateless_meta, Http, Pipe};
use toolsmith_tests::fixtures::{echo, one};

/// Ask once, too (another tool, the same shape).
#[tool]
async fn other(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample(question).max_tokens(10).await?.text())
}

fn server() -> Server {
    Server::new("security", "1")
        .tool(echo)
        .tool(one)
        .tool(other)
}

fn stateless_call(tool: &str, question: &str, extra: Value) -> Value {
    let mut params =
        json!({"name": tool, "arguments": {"question": question}, "_meta": stateless_meta()});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    params
}

/// Round 1 of `tool`: its ask key and sealed state.
async fn first_round(pipe: &mut Pipe, id: &str, tool: &str, question: &str) -> (String, String) {
    let r = pipe
        .request(
            json!(id),
            "tools/call",
            stateless_call(tool, question, json!({})),
        )
        .await;
    assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    let key = r["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    (
        key,
        r["result"]["requestState"].as_str().unwrap().to_owned(),
    )
}

/// Ask once: a tool of the same shape as `one`, with a name as long (for forging the name in place).
#[tool]
async fn two(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample(question).max_tokens(10).await?.text())
}

/// Refused as a tampered token: the seal does not hold ("integrity"), or the key id was changed
/// to one this server does not hold.
fn expect_tampered(r: &Value) {
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let m = r["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("integrity") || m.contains("which this server no longer holds"),
        "not refused as tampered: {r}"
    );
}

fn expect_refused(r: &Value, says: &str) {
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let m = r["error"]["message"].as_str().unwrap();
    assert!(m.contains(says), "the message does not say {says:?}: {r}");
}

#[tokio::test]
async fn request_state_survives_no_tampering() {
    let mut pipe = Pipe::start(server().tool(two));
    let (key, state) = first_round(&mut pipe, "r1", "one", "Capital of France?").await;
    let answer = json!({ key.clone(): sample_answer("Paris") });
    let round2 = |state: Value| {
        stateless_call(
            "one",
            "Capital of France?",
            json!({"inputResponses": answer, "requestState": state}),
        )
    };

    // Every single-character change, at every position: a different character of the same
    // alphabet, one outside it, a deletion. (A change inside the key id before the `.` makes it
    // name a key the server does not hold, and is refused as such.)
    let bytes = state.as_bytes();
    let mut variants = Vec::new();
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] = match bytes[i] {
            b'A' => b'B',
            b'.' => b'-',
            _ => b'A',
        };
        variants.push(changed);
        let mut foreign = bytes.to_vec();
        foreign[i] = b'!';
        variants.push(foreign);
        let mut deleted = bytes.to_vec();
        deleted.remove(i);
        variants.push(deleted);
    }
    // Truncations, extensions, and empty.
    for len in (0..bytes.len()).step_by(7) {
        variants.push(bytes[..len].to_vec());
    }
    variants.push([bytes, b"A"].concat());
    variants.push([bytes, b".AAAA"].concat());
    for (n, v) in variants.iter().enumerate() {
        let v = String::from_utf8(v.clone()).unwrap();
        let r = pipe
            .request(json!(format!("t{n}")), "tools/call", round2(json!(v)))
            .await;
        expect_tampered(&r);
    }

    // The payload is encrypted: neither the tool's name nor anything else of the state can be
    // read from the token.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for part in state.split('.').filter_map(|p| b64.decode(p).ok()) {
        assert!(
            serde_json::from_slice::<Value>(&part).is_err(),
            "a part of the token is JSON: {state}"
        );
        assert!(
            !part.windows(10).any(|w| w == b"tools/call"),
            "the method is readable: {state}"
        );
    }
    let (key_id, sealed) = state.split_once('.').unwrap();
    let sealed = b64.decode(sealed).unwrap();
    // A forgery: the layout of the state is public (this crate's source), so a client knows
    // where the tool name sits (after the 24-byte nonce) and can flip "one" into "two" in the
    // ciphertext of a stream cipher. The tag catches it.
    let at = 24 + r#"{"b":{"m":"tools/call","n":""#.len();
    let mut forged = sealed.clone();
    for (i, (from, to)) in b"one".iter().zip(b"two").enumerate() {
        forged[at + i] ^= from ^ to;
    }
    let forged = format!("{key_id}.{}", b64.encode(forged));
    let r = pipe
        .request(
            json!("forged"),
            "tools/call",
            stateless_call(
                "two",
                "Capital of France?",
                json!({"inputResponses": answer, "requestState": forged}),
            ),
        )
        .await;
    expect_refused(&r, "integrity");

    // Not a string at all, or huge.
    for (n, bad) in [
        json!(5),
        json!({}),
        json!([state]),
        json!(true),
        json!(null),
    ]
    .into_iter()
    .enumerate()
    {
        let r = pipe
            .request(json!(format!("type{n}")), "tools/call", round2(bad))
            .await;
        expect_refused(&r, "`requestState` must be the string the server sent");
    }
    let r = pipe
        .request(
            json!("huge"),
            "tools/call",
            round2(json!("A".repeat(1 << 20))),
        )
        .await;
    expect_refused(&r, "integrity");

    // The untouched state still works, and the session served every refusal.
    let r = pipe
        .request(json!("ok"), "tools/call", round2(json!(state)))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "Paris", "{r}");
    eprintln!(
        "requestState: {} tampered variants refused",
        variants.len() + 7
    );
    pipe.close().await.unwrap();
}

#[tokio::test]
async fn request_state_is_bound_to_the_server_key() {
    let mut a = Pipe::start(server());
    let mut b = Pipe::start(server());
    let (key, state) = first_round(&mut a, "a1", "one", "q").await;
    let round2 = stateless_call(
        "one",
        "q",
        json!({"inputResponses": {key.clone(): sample_answer("x")}, "requestState": state}),
    );
    // Another server (its own random key) cannot open it.
    expect_refused(
        &b.request(json!("b2"), "tools/call", round2.clone()).await,
        "integrity",
    );
    // The same configured secret on two replicas: either one serves the next round.
    let shared = "a shared secret of 32 bytes or more";
    let mut r1 = Pipe::start(server().request_state_key(shared));
    let mut r2 = Pipe::start(server().request_state_key(shared));
    let mut r3 = Pipe::start(server().request_state_key("another secret, just as long as it"));
    let (key, state) = first_round(&mut r1, "s1", "one", "q").await;
    let round2 = stateless_call(
        "one",
        "q",
        json!({"inputResponses": {key: sample_answer("replica")}, "requestState": state}),
    );
    let r = r2.request(json!("s2"), "tools/call", round2.clone()).await;
    assert_eq!(r["result"]["content"][0]["text"], "replica", "{r}");
    expect_refused(
        &r3.request(json!("s3"), "tools/call", round2).await,
        "integrity",
    );
    for p in [a, b, r1, r2, r3] {
        p.close().await.unwrap();
    }
}

/// Rotation: tokens sealed under the old first key open once a new key is put first (and the old
/// one kept); new tokens name the new key; once the old key is dropped its tokens are refused,
/// saying which key they need.
#[tokio::test]
async fn request_state_keys_rotate() {
    let old = "the old secret, 32 bytes or longer";
    let new = "the new secret, 32 bytes or longer";
    let mut before = Pipe::start(server().request_state_key(old));
    let (key, state) = first_round(&mut before, "k1", "one", "q").await;
    assert!(state.starts_with("default."), "{state}");
    let round2 = stateless_call(
        "one",
        "q",
        json!({"inputResponses": {key: sample_answer("rotated")}, "requestState": state}),
    );

    let mut during = Pipe::start(server().request_state_keys([("next", new), ("default", old)]));
    let r = during
        .request(json!("k2"), "tools/call", round2.clone())
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "rotated", "{r}");
    let (_, sealed_now) = first_round(&mut during, "k3", "one", "q").await;
    assert!(sealed_now.starts_with("next."), "{sealed_now}");

    let mut after = Pipe::start(server().request_state_keys([("next", new)]));
    expect_refused(
        &after.request(json!("k4"), "tools/call", round2).await,
        "sealed with key `default`, which this server no longer holds",
    );
    for p in [before, during, after] {
        p.close().await.unwrap();
    }
}

/// A weak or missing key is a configuration error from `serve_*`, never a panic or a server
/// that runs with it.
#[tokio::test]
async fn weak_request_state_keys_are_configuration_errors() {
    let cases = [
        ("short", server().request_state_key("hunter2")),
        ("empty", server().request_state_key("")),
        ("one byte repeated", server().request_state_key([b'x'; 64])),
        (
            "no keys",
            server().request_state_keys(Vec::<(&str, &[u8])>::new()),
        ),
        (
            "a repeated id",
            server().request_state_keys([("a", [1u8; 8].repeat(5)), ("a", [2u8; 8].repeat(5))]),
        ),
        (
            "a weak key behind a good one",
            server().request_state_keys([
                ("good", b"0123456789abcdef0123456789abcdef".to_vec()),
                ("weak", b"0123".to_vec()),
            ]),
        ),
    ];
    for (what, server) in cases {
        // The client side is gone at once: a server that accepted the key would end cleanly.
        let (_, server_side) = tokio::io::duplex(64);
        let (read, write) = tokio::io::split(server_side);
        match server.serve(read, write).await {
            Err(toolsmith::Error::Config(m)) => {
                assert!(m.contains("requestState"), "{what}: {m}");
                assert!(!m.contains("hunter2"), "{what}: the secret is echoed: {m}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!(matches!(
        server()
            .request_state_key("short")
            .into_http_router(HttpConfig::default()),
        Err(toolsmith::Error::Config(_))
    ));
}

/// The stateless era over HTTP: the same checks as over stdio in `stateless.rs` (reuse across
/// tools and arguments, replay past expiry), plus a replay of a finished round, which is served
/// again (the state only carries answers; a replay re-runs the same request).
#[tokio::test]
async fn request_state_over_http_is_bound_and_expires() {
    let server = server().limits(Limits::default().request_state_ttl(Duration::from_millis(300)));
    let http = Http::start(server, HttpConfig::default()).await;
    let post = |id: &str, tool: &str, question: &str, extra: Value| {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": stateless_call(tool, question, extra)});
        http.post()
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", tool)
            .body(body.to_string())
            .send()
    };
    let r = post("1", "one", "q", json!({})).await.unwrap();
    assert_eq!(r.status(), 200);
    let r1: Value = r.json().await.unwrap();
    assert_eq!(r1["result"]["resultType"], "input_required", "{r1}");
    let (key, _) = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let state = r1["result"]["requestState"].clone();
    let with = |state: &Value| json!({"inputResponses": {key.clone(): sample_answer("A")}, "requestState": state});

    let refused = |r: reqwest::Response, says: &'static str| async move {
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        expect_refused(&body, says);
    };
    refused(
        post("2", "other", "q", with(&state)).await.unwrap(),
        "different request",
    )
    .await;
    refused(
        post("3", "one", "not q", with(&state)).await.unwrap(),
        "different request",
    )
    .await;
    let mut tampered = state.as_str().unwrap().to_owned();
    tampered.insert(tampered.len() / 2, 'x');
    refused(
        post("4", "one", "q", with(&json!(tampered))).await.unwrap(),
        "integrity",
    )
    .await;

    let ok: Value = post("5", "one", "q", with(&state))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["result"]["content"][0]["text"], "A", "{ok}");
    let again: Value = post("6", "one", "q", with(&state))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["result"]["content"][0]["text"], "A",
        "a replay within the TTL is served: {again}"
    );

    tokio::time::sleep(Duration::from_millis(400)).await;
    refused(
        post("7", "one", "q", with(&state)).await.unwrap(),
        "expired",
    )
    .await;
}
