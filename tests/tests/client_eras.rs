//! The client in both protocol eras against the toolkit's own dual-era server, over streamable
//! HTTP and over an in-memory stdio-style pipe: `Protocol::Auto` picks 2026-07-28 and fulfils
//! `input_required` rounds with the same handlers the handshake era uses for server requests;
//! it falls back to `initialize` for a server that does not know `server/discover`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use toolsmith::client::{
    Approval, Client, ClientBuilder, ClientError, ElicitationRequest, InputRound, Progress,
    Protocol, RootsRequest, SamplingRequest,
};
use toolsmith::prelude::*;
use toolsmith::{ElicitAction, ElicitResult, HttpConfig, Root};
use toolsmith_tests::fixtures::{ask_or_explain, chain, chatty, one, three};

/// Ask the user's name and list the client's roots, at once.
#[tool]
async fn profile(ctx: Context<'_>) -> Result<String, ToolError> {
    let schema =
        json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
    let (answer, listed) = futures::join!(ctx.elicit("Name?", schema), ctx.list_roots());
    let answer = answer?;
    let name = match answer.action {
        ElicitAction::Accept => answer.content.unwrap_or_default()["name"]
            .as_str()
            .unwrap_or("?")
            .to_owned(),
        other => format!("{other:?}"),
    };
    let uris: Vec<String> = listed?.into_iter().map(|r| r.uri).collect();
    Ok(format!("{name} @ {}", uris.join(",")))
}

/// Count to `n`, reporting progress.
#[tool]
async fn count(n: u32, ctx: Context<'_>) -> String {
    for k in 1..=n {
        ctx.report_progress(k as f64, Some(n as f64), None).await;
    }
    format!("counted to {n}")
}

/// Greet in a prompt, after asking the model for an adjective.
#[prompt]
async fn greeting(name: String, ctx: Context<'_>) -> Result<String, String> {
    let adjective = ctx
        .sample("an adjective")
        .max_tokens(5)
        .await
        .map_err(|e| e.to_string())?
        .text();
    Ok(format!("Hello, {adjective} {name}!"))
}

static STALL_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts a stalled call whose future was dropped (cancelled).
struct CountDrop(bool);

impl Drop for CountDrop {
    fn drop(&mut self) {
        if !self.0 {
            STALL_DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Never finish on its own.
#[tool]
async fn stall() -> String {
    let mut guard = CountDrop(false);
    tokio::time::sleep(Duration::from_secs(30)).await;
    guard.0 = true;
    "finished".into()
}

fn server() -> Server {
    Server::new("eras-test", "1.0")
        .tool(stall)
        .tool(one)
        .tool(three)
        .tool(chain)
        .tool(profile)
        .tool(ask_or_explain)
        .tool(chatty)
        .tool(count)
        .prompt(greeting)
}

#[derive(Debug, Clone, Copy)]
enum Wire {
    Http,
    Pipe,
}

/// Connect `builder` to a fresh dual-era server over `wire`.
async fn connect(builder: ClientBuilder, wire: Wire) -> Client {
    let builder = builder.request_timeout(Duration::from_secs(20));
    match wire {
        Wire::Http => {
            let router = server().into_http_router(HttpConfig::default()).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
            builder
                .connect_http(&format!("http://{addr}/mcp"))
                .await
                .expect("connect over HTTP")
        }
        Wire::Pipe => {
            let (client_end, server_end) = tokio::io::duplex(1 << 20);
            let (sr, sw) = tokio::io::split(server_end);
            tokio::spawn(server().serve(sr, sw));
            let (r, w) = tokio::io::split(client_end);
            builder.connect(r, w).await.expect("connect over the pipe")
        }
    }
}

/// Counts `input_required` rounds and what each asked.
#[derive(Clone, Default)]
struct Rounds(Arc<Mutex<Vec<InputRound>>>);

impl Rounds {
    fn observe(&self, builder: ClientBuilder) -> ClientBuilder {
        let rounds = self.clone();
        builder.on_input_round(move |r| rounds.0.lock().unwrap().push(r.clone()))
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn sizes(&self) -> Vec<usize> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.requests.len())
            .collect()
    }
}

/// A model that answers `re: <question>` and counts its calls.
fn model(calls: &Arc<AtomicUsize>) -> ClientBuilder {
    let calls = Arc::clone(calls);
    Client::builder("eras-test-client", "1.0").sampling_handler(move |req: SamplingRequest| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move { Ok(format!("re: {}", req.last_user_text())) }
    })
}

#[tokio::test]
async fn auto_picks_the_stateless_era_and_a_sample_takes_one_round() {
    for wire in [Wire::Http, Wire::Pipe] {
        let calls = Arc::new(AtomicUsize::new(0));
        let rounds = Rounds::default();
        let builder = rounds.observe(model(&calls).protocol(Protocol::Auto));
        let client = connect(builder, wire).await;
        assert_eq!(client.protocol(), Protocol::Stateless, "{wire:?}");
        assert_eq!(client.protocol_version(), "2026-07-28");
        assert_eq!(client.server_info().name, "eras-test");
        assert!(client.initialize_result().capabilities.tools.is_some());
        assert_eq!(client.session_id(), None);

        let r = client
            .call_tool("one", json!({"question": "Capital of France?"}))
            .await
            .unwrap();
        assert_eq!(r.text_content(), "re: Capital of France?", "{wire:?}");
        assert_eq!(rounds.count(), 1, "one input_required round ({wire:?})");
        assert_eq!(rounds.sizes(), [1]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let round = rounds.0.lock().unwrap()[0].clone();
        assert_eq!(round.method, "tools/call");
        assert_eq!(round.requests[0].1, "sampling/createMessage");
        assert!(round.has_state);

        // A call that needs no input takes no round.
        let tools = client.list_tools().await.unwrap();
        assert_eq!(tools.len(), 8);
        client.ping().await.unwrap();
        client.close().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_asks_are_fulfilled_in_one_round_and_chains_take_one_each() {
    for wire in [Wire::Http, Wire::Pipe] {
        // The three samples wait for each other: only concurrent fulfilment finishes.
        let barrier = Arc::new(tokio::sync::Barrier::new(3));
        let rounds = Rounds::default();
        let builder = rounds.observe(
            Client::builder("eras-test-client", "1.0")
                .protocol(Protocol::Auto)
                .sampling_handler(move |req: SamplingRequest| {
                    let barrier = Arc::clone(&barrier);
                    async move {
                        barrier.wait().await;
                        Ok(req.last_user_text().to_uppercase())
                    }
                }),
        );
        let client = connect(builder, wire).await;
        let r = tokio::time::timeout(
            Duration::from_secs(10),
            client.call_tool("three", json!({})),
        )
        .await
        .expect("the three asks were not answered concurrently")
        .unwrap();
        assert_eq!(r.text_content(), "ABC", "{wire:?}");
        assert_eq!(rounds.sizes(), [3], "join! of three samples is one round");
        client.close().await.unwrap();
    }

    let calls = Arc::new(AtomicUsize::new(0));
    let rounds = Rounds::default();
    let client = connect(
        rounds.observe(model(&calls).protocol(Protocol::Stateless)),
        Wire::Http,
    )
    .await;
    let r = client.call_tool("chain", json!({})).await.unwrap();
    assert_eq!(r.text_content(), "re: first+re: after re: first");
    assert_eq!(
        rounds.sizes(),
        [1, 1],
        "two sequential asks take two rounds"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "earlier answers are never asked again"
    );
}

#[tokio::test]
async fn prompts_are_fulfilled_too() {
    let calls = Arc::new(AtomicUsize::new(0));
    let client = connect(model(&calls).protocol(Protocol::Auto), Wire::Http).await;
    let prompt = client
        .get_prompt("greeting", json!({"name": "Ada"}))
        .await
        .unwrap();
    assert_eq!(prompt.messages.len(), 1);
    let text = serde_json::to_value(&prompt.messages[0].content).unwrap();
    assert_eq!(text["text"], "Hello, re: an adjective Ada!");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_round_limit_fails_a_call_that_needs_more_rounds() {
    for wire in [Wire::Http, Wire::Pipe] {
        let calls = Arc::new(AtomicUsize::new(0));
        let rounds = Rounds::default();
        let builder = rounds.observe(
            model(&calls)
                .protocol(Protocol::Stateless)
                .max_input_rounds(1),
        );
        let client = connect(builder, wire).await;
        // One round is within the limit...
        let r = client
            .call_tool("one", json!({"question": "q"}))
            .await
            .unwrap();
        assert_eq!(r.text_content(), "re: q");
        // ...two are not.
        let err = client.call_tool("chain", json!({})).await.unwrap_err();
        assert!(
            matches!(&err, ClientError::TooManyRounds { method, rounds: 1 } if method == "tools/call"),
            "{wire:?}: {err:?}"
        );
        assert_eq!(rounds.count(), 2, "one round each");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}

/// A client with an elicitation handler and a roots handler, recording what they saw.
fn asking_client(
    protocol: Protocol,
    elicited: &Arc<Mutex<Vec<ElicitationRequest>>>,
    rooted: &Arc<Mutex<Vec<RootsRequest>>>,
) -> ClientBuilder {
    let (e, r) = (Arc::clone(elicited), Arc::clone(rooted));
    Client::builder("eras-test-client", "1.0")
        .protocol(protocol)
        .elicitation_handler(move |req: ElicitationRequest| {
            e.lock().unwrap().push(req);
            async {
                let mut content = serde_json::Map::new();
                content.insert("name".into(), json!("Lin"));
                Ok(ElicitResult {
                    action: ElicitAction::Accept,
                    content: Some(content),
                })
            }
        })
        .roots_handler(move |req: RootsRequest| {
            r.lock().unwrap().push(req);
            async {
                Ok(vec![Root {
                    uri: "file:///home/lin".into(),
                    name: Some("home".into()),
                }])
            }
        })
}

#[tokio::test]
async fn elicitation_and_roots_handlers_serve_both_eras() {
    for (protocol, wire) in [
        (Protocol::Legacy, Wire::Http),
        (Protocol::Legacy, Wire::Pipe),
        (Protocol::Auto, Wire::Http),
        (Protocol::Auto, Wire::Pipe),
    ] {
        let elicited: Arc<Mutex<Vec<ElicitationRequest>>> = Arc::default();
        let rooted: Arc<Mutex<Vec<RootsRequest>>> = Arc::default();
        let rounds = Rounds::default();
        let builder = rounds.observe(asking_client(protocol, &elicited, &rooted));
        let client = connect(builder, wire).await;
        let r = client.call_tool("profile", json!({})).await.unwrap();
        assert_eq!(
            r.text_content(),
            "Lin @ file:///home/lin",
            "{protocol:?} {wire:?}"
        );
        let elicited = elicited.lock().unwrap();
        let rooted = rooted.lock().unwrap();
        assert_eq!(
            (elicited.len(), rooted.len()),
            (1, 1),
            "{protocol:?} {wire:?}"
        );
        assert_eq!(elicited[0].message, "Name?");
        assert_eq!(
            elicited[0].server.as_ref().map(|s| s.name.as_str()),
            Some("eras-test")
        );
        assert_eq!(rooted[0].server.as_ref().unwrap().name, "eras-test");
        match client.protocol() {
            Protocol::Stateless => {
                assert_eq!(rounds.sizes(), [2], "both asks in one round");
                assert!(elicited[0].input_key.is_some());
                assert!(rooted[0].input_key.is_some());
            }
            _ => {
                assert_eq!(rounds.count(), 0, "server requests, no rounds");
                assert_eq!(elicited[0].input_key, None);
            }
        }
    }
}

/// A client whose approval hook approves, edits or rejects by the question, counting its calls.
fn approving_client(protocol: Protocol, approvals: &Arc<AtomicUsize>) -> ClientBuilder {
    let n = Arc::clone(approvals);
    Client::builder("eras-test-client", "1.0")
        .protocol(protocol)
        .sampling_approval(move |req: &SamplingRequest| {
            n.fetch_add(1, Ordering::SeqCst);
            assert_eq!(req.server_name(), Some("eras-test"));
            match req.last_user_text().as_str() {
                "secret" => {
                    let mut p = req.params.clone();
                    p.messages = vec![SamplingMessage::user("[redacted]")];
                    p.max_tokens = 3;
                    Approval::Edit(p)
                }
                "forbidden" => Approval::reject("not allowed"),
                _ => Approval::Approve,
            }
        })
        .sampling_handler(|req: SamplingRequest| async move {
            Ok(format!(
                "model saw {} ({})",
                req.last_user_text(),
                req.max_tokens()
            ))
        })
}

#[tokio::test]
async fn the_approval_hook_works_in_both_eras() {
    for (protocol, wire) in [
        (Protocol::Legacy, Wire::Pipe),
        (Protocol::Stateless, Wire::Http),
        (Protocol::Stateless, Wire::Pipe),
    ] {
        let approvals = Arc::new(AtomicUsize::new(0));
        let client = connect(approving_client(protocol, &approvals), wire).await;
        let text = |q: &'static str| {
            let client = &client;
            async move {
                client
                    .call_tool("ask_or_explain", json!({ "question": q }))
                    .await
            }
        };
        let ctx = format!("{protocol:?} {wire:?}");
        assert_eq!(
            text("weather").await.unwrap().text_content(),
            "model saw weather (20)",
            "{ctx}"
        );
        assert_eq!(
            text("secret").await.unwrap().text_content(),
            "model saw [redacted] (3)",
            "{ctx}"
        );
        match protocol {
            Protocol::Legacy => {
                // The server hears `-1 user rejected` and its tool carries on.
                let refused = text("forbidden").await.unwrap().text_content();
                assert!(
                    refused.contains("user rejected: not allowed") && refused.contains("-1"),
                    "{ctx}: {refused}"
                );
            }
            _ => {
                // No error shape exists for an input response: the call fails here, typed.
                match text("forbidden").await.unwrap_err() {
                    ClientError::InputRequest {
                        method,
                        input_method,
                        error,
                        ..
                    } => {
                        assert_eq!(method, "tools/call");
                        assert_eq!(input_method, "sampling/createMessage");
                        assert_eq!(error.code, -1);
                        assert_eq!(error.message, "user rejected: not allowed");
                    }
                    other => panic!("{ctx}: {other:?}"),
                }
            }
        }
        assert_eq!(approvals.load(Ordering::SeqCst), 3, "{ctx}");
    }
}

#[tokio::test]
async fn stateless_logs_and_progress_travel_with_the_request() {
    for wire in [Wire::Http, Wire::Pipe] {
        let (tx, mut logs) = tokio::sync::mpsc::unbounded_channel();
        let builder = Client::builder("eras-test-client", "1.0")
            .protocol(Protocol::Stateless)
            .on_log(move |m| tx.send(m).unwrap());
        let client = connect(builder, wire).await;
        // Without a level, the server sends no logs at all in this era.
        client.call_tool("chatty", json!({})).await.unwrap();
        assert!(logs.try_recv().is_err(), "{wire:?}");
        client.set_log_level(LoggingLevel::Warning).await.unwrap();
        client.call_tool("chatty", json!({})).await.unwrap();
        let log = logs.try_recv().expect("the error log");
        assert_eq!(
            (log.level, log.text().as_str()),
            (LoggingLevel::Error, "something broke")
        );
        assert!(logs.try_recv().is_err(), "the info log was filtered out");

        let updates: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let u = Arc::clone(&updates);
        let r = client
            .call_tool_with_progress("count", json!({"n": 3}), move |p| u.lock().unwrap().push(p))
            .await
            .unwrap();
        assert_eq!(r.text_content(), "counted to 3");
        let seen: Vec<f64> = updates.lock().unwrap().iter().map(|p| p.progress).collect();
        assert_eq!(seen, [1.0, 2.0, 3.0], "{wire:?}");
    }
}

#[tokio::test]
async fn without_a_handler_the_stateless_server_is_told_nothing_is_supported() {
    // No sampling capability in the envelope: the tool sees the refusal and falls back, no round.
    let rounds = Rounds::default();
    let builder = rounds.observe(Client::builder("plain", "1").protocol(Protocol::Auto));
    let client = connect(builder, Wire::Http).await;
    let r = client
        .call_tool("ask_or_explain", json!({"question": "q"}))
        .await
        .unwrap();
    assert!(
        r.text_content().contains("does not support sampling"),
        "{}",
        r.text_content()
    );
    assert_eq!(rounds.count(), 0);
}

/// A scripted handshake-only server on a pipe: it answers `server/discover` with `-32601`, then
/// serves `initialize`, `tools/call` (with a sampling request first) and nothing else. Returns
/// every frame it received.
async fn legacy_only_server(
    reader: tokio::io::ReadHalf<tokio::io::DuplexStream>,
    mut writer: tokio::io::WriteHalf<tokio::io::DuplexStream>,
) -> Vec<Value> {
    let mut lines = BufReader::new(reader).lines();
    let mut seen = Vec::new();
    let mut call_id = Value::Null;
    while let Ok(Some(line)) = lines.next_line().await {
        let frame: Value = serde_json::from_str(&line).unwrap();
        seen.push(frame.clone());
        let reply = match frame["method"].as_str() {
            Some("server/discover") => Some(json!({"jsonrpc": "2.0", "id": frame["id"],
                "error": {"code": -32601, "message": "Method not found"}})),
            Some("initialize") => Some(json!({"jsonrpc": "2.0", "id": frame["id"], "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "old-timer", "version": "0.9"}}})),
            Some("tools/call") => {
                call_id = frame["id"].clone();
                Some(
                    json!({"jsonrpc": "2.0", "id": "srv-1", "method": "sampling/createMessage",
                    "params": {"messages": [{"role": "user", "content": {"type": "text", "text": "old?"}}],
                        "maxTokens": 4}}),
                )
            }
            None if frame["id"] == "srv-1" => {
                let text = frame["result"]["content"]["text"].clone();
                Some(json!({"jsonrpc": "2.0", "id": call_id,
                    "result": {"content": [{"type": "text", "text": text}]}}))
            }
            _ => None,
        };
        if let Some(reply) = reply {
            writer
                .write_all(format!("{reply}\n").as_bytes())
                .await
                .unwrap();
        }
    }
    seen
}

#[tokio::test]
async fn auto_falls_back_to_initialize_for_a_server_without_discovery() {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (sr, sw) = tokio::io::split(server_end);
    let server = tokio::spawn(legacy_only_server(sr, sw));
    let (r, w) = tokio::io::split(client_end);
    let calls = Arc::new(AtomicUsize::new(0));
    let rounds = Rounds::default();
    let client = rounds
        .observe(model(&calls).protocol(Protocol::Auto))
        .connect(r, w)
        .await
        .unwrap();
    assert_eq!(client.protocol(), Protocol::Legacy);
    assert_eq!(client.protocol_version(), "2025-06-18");
    assert_eq!(client.server_info().name, "old-timer");
    let result = client.call_tool("anything", json!({})).await.unwrap();
    assert_eq!(result.text_content(), "re: old?");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(rounds.count(), 0);
    client.close().await.unwrap();

    let seen = server.await.unwrap();
    let methods: Vec<&str> = seen.iter().filter_map(|f| f["method"].as_str()).collect();
    assert_eq!(
        methods,
        [
            "server/discover",
            "initialize",
            "notifications/initialized",
            "tools/call"
        ]
    );
    let probe = &seen[0]["params"]["_meta"];
    assert_eq!(
        probe["io.modelcontextprotocol/protocolVersion"],
        "2026-07-28"
    );
    assert_eq!(
        probe["io.modelcontextprotocol/clientCapabilities"],
        json!({"sampling": {}})
    );
    // After the fallback, requests carry no stateless envelope.
    assert!(seen[3]["params"].get("_meta").is_none(), "{}", seen[3]);
}

#[tokio::test]
async fn a_stateless_call_that_times_out_is_cancelled_on_the_server() {
    for wire in [Wire::Http, Wire::Pipe] {
        let before = STALL_DROPPED.load(Ordering::SeqCst);
        // Not `connect`, which sets a long timeout: this client is impatient.
        let builder = Client::builder("impatient", "1")
            .protocol(Protocol::Stateless)
            .request_timeout(Duration::from_millis(300));
        let client = match wire {
            Wire::Http => {
                let router = server().into_http_router(HttpConfig::default()).unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
                builder
                    .connect_http(&format!("http://{addr}/mcp"))
                    .await
                    .unwrap()
            }
            Wire::Pipe => {
                let (client_end, server_end) = tokio::io::duplex(1 << 20);
                let (sr, sw) = tokio::io::split(server_end);
                tokio::spawn(server().serve(sr, sw));
                let (r, w) = tokio::io::split(client_end);
                builder.connect(r, w).await.unwrap()
            }
        };
        let err = client.call_tool("stall", json!({})).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Timeout { .. }),
            "{wire:?}: {err:?}"
        );
        // HTTP: the client closed the request's stream; stdio: it sent notifications/cancelled.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while STALL_DROPPED.load(Ordering::SeqCst) == before {
            assert!(
                std::time::Instant::now() < deadline,
                "{wire:?}: the server kept running the call"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
