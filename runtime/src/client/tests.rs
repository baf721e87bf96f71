//! The client against a scripted server: every frame the client sends is read and checked, every
//! frame it receives is written by hand.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};

use super::*;
use crate::protocol::CreateMessageResult;

const WAIT: Duration = Duration::from_secs(5);

/// The server end of an in-memory connection, driven by the test.
struct Fake {
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    writer: WriteHalf<DuplexStream>,
}

impl Fake {
    /// The next frame from the client, or `None` at end of input.
    async fn next(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .expect("the client sent nothing within 5 s")
            .unwrap()?;
        Some(serde_json::from_str(&line).expect("the client sends JSON"))
    }

    async fn recv(&mut self) -> Value {
        self.next().await.expect("the client closed the connection")
    }

    async fn send(&mut self, frame: Value) {
        self.writer
            .write_all(format!("{frame}\n").as_bytes())
            .await
            .unwrap();
    }

    async fn answer(&mut self, request: &Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result}))
            .await;
    }
}

fn init_result(version: &str) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {}, "logging": {}},
        "serverInfo": {"name": "fake", "version": "0.0.1"},
        "instructions": "be kind"
    })
}

/// Connect `builder` to a scripted server; returns the client, the server end and the
/// `initialize` request the client sent.
async fn connect(builder: ClientBuilder) -> (Client, Fake, Value) {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (reader, writer) = tokio::io::split(client_end);
    let connecting = tokio::spawn(builder.connect(reader, writer));
    let (sr, sw) = tokio::io::split(server_end);
    let mut fake = Fake {
        lines: BufReader::new(sr).lines(),
        writer: sw,
    };
    let init = fake.recv().await;
    assert_eq!(init["method"], "initialize");
    fake.answer(&init, init_result("2025-11-25")).await;
    let client = connecting.await.unwrap().expect("handshake");
    let initialized = fake.recv().await;
    assert_eq!(
        initialized,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    );
    (client, fake, init)
}

fn sampling_request(id: Value, text: &str) -> Value {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "sampling/createMessage",
        "params": {
            "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
            "modelPreferences": {"hints": [{"name": "custom_model"}, {"name": "gpt-4o"}]},
            "maxTokens": 5
        }
    })
}

#[tokio::test]
async fn handshake_declares_sampling_only_with_a_handler() {
    let (client, _fake, init) = connect(Client::builder("plain", "1.2.3")).await;
    let params = &init["params"];
    assert_eq!(params["protocolVersion"], "2025-11-25");
    assert_eq!(
        params["clientInfo"],
        json!({"name": "plain", "version": "1.2.3"})
    );
    assert_eq!(params["capabilities"], json!({}));
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert_eq!(client.server_info().name, "fake");
    assert_eq!(
        client.initialize_result().instructions.as_deref(),
        Some("be kind")
    );

    let builder = Client::builder("sampler", "1").sampling_handler(|_| async { Ok("x") });
    let (_client, _fake, init) = connect(builder).await;
    assert_eq!(init["params"]["capabilities"], json!({"sampling": {}}));
}

#[tokio::test]
async fn an_unsupported_protocol_version_fails_the_handshake() {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (reader, writer) = tokio::io::split(client_end);
    let connecting = tokio::spawn(Client::builder("c", "1").connect(reader, writer));
    let (sr, sw) = tokio::io::split(server_end);
    let mut fake = Fake {
        lines: BufReader::new(sr).lines(),
        writer: sw,
    };
    let init = fake.recv().await;
    fake.answer(&init, init_result("1999-01-01")).await;
    let err = connecting.await.unwrap().unwrap_err();
    assert!(matches!(err, ClientError::Handshake(_)), "{err:?}");
    assert!(err.to_string().contains("1999-01-01"), "{err}");
    // No `notifications/initialized` follows a failed handshake: the client hangs up.
    assert_eq!(fake.next().await, None);
}

#[tokio::test]
async fn server_requests_are_answered_with_their_own_ids() {
    let (_client, mut fake, _) = connect(Client::builder("c", "1")).await;
    fake.send(json!({"jsonrpc": "2.0", "id": "p-1", "method": "ping"}))
        .await;
    assert_eq!(
        fake.recv().await,
        json!({"jsonrpc": "2.0", "id": "p-1", "result": {}})
    );
    fake.send(json!({"jsonrpc": "2.0", "id": 7, "method": "roots/list"}))
        .await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 7);
    assert_eq!(r["error"]["code"], -32601);
    // Without a handler, sampling is a method this client does not have.
    fake.send(sampling_request(json!(8), "hi")).await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 8);
    assert_eq!(r["error"]["code"], -32601);
}

#[tokio::test]
async fn sampling_requests_run_concurrently_and_text_takes_the_routed_model() {
    // Each handler waits for the other to start: answered one at a time, neither would finish.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (b, s) = (Arc::clone(&barrier), Arc::clone(&seen));
    let builder = Client::builder("c", "1")
        .model_router(ModelRouter::new(["gpt-4o-mini", "local"], "local"))
        .sampling_handler(move |req: SamplingRequest| {
            let (b, s) = (Arc::clone(&b), Arc::clone(&s));
            async move {
                s.lock().unwrap().push(req.clone());
                b.wait().await;
                Ok(format!("echo {}", req.last_user_text()))
            }
        });
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(sampling_request(json!("a"), "first")).await;
    fake.send(sampling_request(json!(2), "second")).await;
    let mut answers = vec![fake.recv().await, fake.recv().await];
    answers.sort_by_key(|a| a["id"].is_string());
    assert_eq!(answers[0]["id"], 2);
    assert_eq!(answers[0]["result"]["content"]["text"], "echo second");
    assert_eq!(answers[1]["id"], "a");
    assert_eq!(answers[1]["result"]["content"]["text"], "echo first");
    for a in &answers {
        assert_eq!(a["result"]["model"], "gpt-4o-mini");
        assert_eq!(a["result"]["role"], "assistant");
        assert_eq!(a["result"]["stopReason"], "endTurn");
    }
    let seen = seen.lock().unwrap();
    let route = seen[0].route.as_ref().unwrap();
    assert_eq!(route.reason.to_string(), "hint #2 `gpt-4o`");
    assert_eq!(seen[0].max_tokens(), 5);
}

#[tokio::test]
async fn sampling_failures_become_json_rpc_errors() {
    let builder = Client::builder("c", "1").sampling_handler(|req: SamplingRequest| async move {
        match req.last_user_text().as_str() {
            "reject" => Err(SamplingError::rejected("the user said no")),
            "panic" => panic!("model crashed"),
            _ => Ok(CreateMessageResult::text("mine", "fine")),
        }
    });
    let (_client, mut fake, _) = connect(builder).await;

    fake.send(sampling_request(json!(1), "reject")).await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 1);
    assert_eq!(
        r["error"],
        json!({"code": -1, "message": "the user said no"})
    );

    fake.send(sampling_request(json!(2), "panic")).await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 2);
    assert_eq!(r["error"]["code"], -32603);

    fake.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "sampling/createMessage",
        "params": {"messages": []}}),
    )
    .await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 3);
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("maxTokens"),
        "{r}"
    );

    // A full result keeps its model; the client is still answering after a panic.
    fake.send(sampling_request(json!(4), "ok")).await;
    let r = fake.recv().await;
    assert_eq!(r["result"]["model"], "mine");
    assert_eq!(r["result"]["content"]["text"], "fine");
}

#[tokio::test]
async fn a_cancelled_sampling_request_drops_its_handler_and_gets_no_answer() {
    struct SendOnDrop(Option<tokio::sync::oneshot::Sender<()>>);
    impl Drop for SendOnDrop {
        fn drop(&mut self) {
            self.0.take().unwrap().send(()).ok();
        }
    }
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel();
    let slot = Arc::new(Mutex::new(Some((started_tx, dropped_tx))));
    let builder = Client::builder("c", "1").sampling_handler(move |_| {
        let (started, dropped) = slot.lock().unwrap().take().unwrap();
        async move {
            let _guard = SendOnDrop(Some(dropped));
            started.send(()).unwrap();
            std::future::pending::<()>().await;
            Ok("never")
        }
    });
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(sampling_request(json!(11), "wait")).await;
    tokio::time::timeout(WAIT, started_rx)
        .await
        .unwrap()
        .unwrap();
    fake.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 11, "reason": "changed my mind"}}),
    )
    .await;
    tokio::time::timeout(WAIT, dropped_rx)
        .await
        .unwrap()
        .unwrap();
    // Frames are answered in order: the next one out is the ping's, not a sampling answer.
    fake.send(json!({"jsonrpc": "2.0", "id": 12, "method": "ping"}))
        .await;
    assert_eq!(fake.recv().await["id"], 12);
}

#[tokio::test]
async fn progress_and_logs_reach_their_callbacks() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&logs);
    let builder = Client::builder("c", "1").on_log(move |m| l.lock().unwrap().push(m));
    let (client, mut fake, _) = connect(builder).await;
    let seen_updates = Arc::new(Mutex::new(Vec::new()));
    let u = Arc::clone(&seen_updates);
    let call = tokio::spawn(async move {
        let r = client
            .call_tool_with_progress("work", json!({"n": 2}), move |p| u.lock().unwrap().push(p))
            .await;
        (client, r)
    });
    let req = fake.recv().await;
    assert_eq!(req["method"], "tools/call");
    assert_eq!(req["params"]["name"], "work");
    assert_eq!(req["params"]["arguments"], json!({"n": 2}));
    let token = req["params"]["_meta"]["progressToken"].clone();
    assert!(token.is_i64(), "{req}");
    let progress = |token: &Value, p: f64, message: Option<&str>| {
        json!({"jsonrpc": "2.0", "method": "notifications/progress",
            "params": {"progressToken": token, "progress": p, "total": 2, "message": message}})
    };
    fake.send(progress(&json!(987_654), 1.0, Some("someone else's")))
        .await;
    fake.send(progress(&token, 1.0, Some("1 of 2"))).await;
    fake.send(json!({"jsonrpc": "2.0", "method": "notifications/message",
        "params": {"level": "error", "logger": "work", "data": "disk almost full"}}))
        .await;
    fake.send(progress(&token, 2.0, None)).await;
    fake.answer(&req, json!({"content": [{"type": "text", "text": "done"}]}))
        .await;
    let (client, result) = call.await.unwrap();
    assert_eq!(result.unwrap().text_content(), "done");
    let updates = seen_updates.lock().unwrap().clone();
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert_eq!(
        (
            updates[0].progress,
            updates[0].total,
            updates[0].message.as_deref()
        ),
        (1.0, Some(2.0), Some("1 of 2"))
    );
    assert_eq!(
        (updates[1].progress, updates[1].message.as_deref()),
        (2.0, None)
    );
    let logs = logs.lock().unwrap().clone();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].level, LoggingLevel::Error);
    assert_eq!(logs[0].logger.as_deref(), Some("work"));
    assert_eq!(logs[0].text(), "disk almost full");

    // After the call, its token is forgotten: a stray update reaches nobody.
    let updates_before = updates.len();
    fake.send(progress(&token, 3.0, None)).await;
    let (pong, ()) = tokio::join!(client.ping(), async {
        let req = fake.recv().await;
        assert_eq!(req["method"], "ping");
        fake.answer(&req, json!({})).await;
    });
    pong.unwrap();
    assert_eq!(updates_before, 2);
    assert_eq!(seen_updates.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_request_that_times_out_is_cancelled_and_its_late_answer_ignored() {
    let builder = Client::builder("c", "1").request_timeout(Duration::from_millis(150));
    let (client, mut fake, _) = connect(builder).await;
    let started = Instant::now();
    let (result, req) = tokio::join!(client.request("slow/thing", json!({"a": 1})), fake.recv());
    let err = result.unwrap_err();
    assert!(
        matches!(&err, ClientError::Timeout { method, timeout } if method == "slow/thing" && *timeout == Duration::from_millis(150)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let cancel = fake.recv().await;
    assert_eq!(cancel["method"], "notifications/cancelled");
    assert_eq!(cancel["params"]["requestId"], req["id"]);
    // The late answer is dropped; the next request gets its own answer.
    fake.answer(&req, json!({"late": true})).await;
    let (result, next) = tokio::join!(client.request("fast", Value::Null), async {
        let next = fake.recv().await;
        fake.answer(&next, json!({"ok": 1})).await;
        next
    });
    assert_eq!(result.unwrap(), json!({"ok": 1}));
    assert!(next.get("params").is_none(), "Null sends no params: {next}");
}

#[tokio::test]
async fn progress_restarts_the_timeout() {
    let builder = Client::builder("c", "1").request_timeout(Duration::from_millis(400));
    let (client, mut fake, _) = connect(builder).await;
    let count = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&count);
    let call = client.call_tool_with_progress("long", Value::Null, move |_| {
        c.fetch_add(1, Ordering::Relaxed);
    });
    let serve = async {
        let req = fake.recv().await;
        let token = req["params"]["_meta"]["progressToken"].clone();
        // 600 ms in all, never more than 100 ms without news.
        for k in 1..=6 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            fake.send(json!({"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": token, "progress": k}}))
                .await;
        }
        fake.answer(&req, json!({"content": []})).await;
    };
    let (result, ()) = tokio::join!(call, serve);
    assert!(result.unwrap().content.is_empty());
    assert_eq!(count.load(Ordering::Relaxed), 6);
}

#[tokio::test]
async fn a_closed_connection_fails_pending_and_later_requests() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let call = tokio::spawn(async move { c.call_tool("anything", json!({})).await });
    assert_eq!(fake.recv().await["method"], "tools/call");
    let started = Instant::now();
    drop(fake);
    let err = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&err, ClientError::ConnectionClosed { method } if method == "tools/call"),
        "{err:?}"
    );
    assert!(err.to_string().contains("closed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(client.is_closed());
    let err = client.ping().await.unwrap_err();
    assert!(err.is_connection_closed(), "{err:?}");
}

#[tokio::test]
async fn close_shuts_the_writer_and_waits_for_the_server() {
    let builder = Client::builder("c", "1").close_timeout(Duration::from_secs(2));
    let (client, mut fake, _) = connect(builder).await;
    let closing = tokio::spawn(async move {
        let closed = client.close().await;
        (client, closed)
    });
    // The server sees end of input, then hangs up in turn.
    assert_eq!(fake.next().await, None);
    drop(fake);
    let (client, closed) = closing.await.unwrap();
    let closed = closed.unwrap();
    assert_eq!(closed.exit_status, None);
    assert!(!closed.killed);
    assert!(client.is_closed());
    assert!(client.close().await.is_ok(), "closing twice is harmless");
}

#[tokio::test]
async fn close_gives_up_on_a_server_that_never_hangs_up() {
    let builder = Client::builder("c", "1").close_timeout(Duration::from_millis(100));
    let (client, _fake, _) = connect(builder).await;
    let started = Instant::now();
    client.close().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(client
        .request("x", Value::Null)
        .await
        .unwrap_err()
        .is_connection_closed());
}

#[tokio::test]
async fn tool_arguments_must_be_an_object() {
    let (client, _fake, _) = connect(Client::builder("c", "1")).await;
    let err = client.call_tool("t", json!([1, 2])).await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidArgument(_)), "{err:?}");
    assert!(err.to_string().contains("`t`"), "{err}");
}

#[tokio::test]
async fn errors_and_malformed_answers_fail_the_request() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let (result, ()) = tokio::join!(client.request("tools/call", json!({})), async {
        let req = fake.recv().await;
        fake.send(json!({"jsonrpc": "2.0", "id": req["id"],
            "error": {"code": -32602, "message": "unknown tool: `x`"}}))
            .await;
    });
    let err = result.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32602);
    assert!(err.to_string().contains("unknown tool"), "{err}");

    // Both `result` and `error`: unreadable, but its id says whose answer it was.
    let started = Instant::now();
    let (result, ()) = tokio::join!(client.request("x", Value::Null), async {
        let req = fake.recv().await;
        fake.send(json!({"jsonrpc": "2.0", "id": req["id"], "result": {},
            "error": {"code": 1, "message": "?"}}))
            .await;
    });
    let err = result.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32600);
    assert!(err.to_string().contains("malformed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // A result of the wrong shape.
    let (result, ()) = tokio::join!(client.call_tool("t", Value::Null), async {
        let req = fake.recv().await;
        assert!(req["params"].get("arguments").is_none(), "{req}");
        fake.answer(&req, json!({"content": "not a list"})).await;
    });
    assert!(matches!(
        result.unwrap_err(),
        ClientError::InvalidResponse { .. }
    ));
}

#[tokio::test]
async fn list_tools_follows_cursors() {
    let (client, mut fake, _) = connect(Client::builder("c", "1")).await;
    let tool = |name: &str| json!({"name": name, "inputSchema": {"type": "object"}});
    let (result, ()) = tokio::join!(client.list_tools(), async {
        let first = fake.recv().await;
        assert!(first.get("params").is_none(), "{first}");
        fake.answer(&first, json!({"tools": [tool("a")], "nextCursor": "p2"}))
            .await;
        let second = fake.recv().await;
        assert_eq!(second["params"], json!({"cursor": "p2"}));
        fake.answer(&second, json!({"tools": [tool("b")]})).await;
    });
    let names: Vec<String> = result.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["a", "b"]);

    let (result, ()) = tokio::join!(client.list_tools(), async {
        for _ in 0..2 {
            let req = fake.recv().await;
            fake.answer(&req, json!({"tools": [], "nextCursor": "same"}))
                .await;
        }
    });
    let err = result.unwrap_err();
    assert!(err.to_string().contains("repeated the cursor"), "{err}");
}

// ---- Elicitation, roots and the approval hook (handshake era) ----

/// Start connecting `builder` to a scripted server that has not answered anything yet.
fn start(builder: ClientBuilder) -> (tokio::task::JoinHandle<Result<Client, ClientError>>, Fake) {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (reader, writer) = tokio::io::split(client_end);
    let connecting = tokio::spawn(builder.connect(reader, writer));
    let (sr, sw) = tokio::io::split(server_end);
    let fake = Fake {
        lines: BufReader::new(sr).lines(),
        writer: sw,
    };
    (connecting, fake)
}

fn elicit_answer(name: &str) -> crate::ElicitResult {
    let mut content = serde_json::Map::new();
    content.insert("name".into(), json!(name));
    crate::ElicitResult {
        action: crate::ElicitAction::Accept,
        content: Some(content),
    }
}

#[tokio::test]
async fn elicitation_and_roots_are_declared_and_answered() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let builder = Client::builder("c", "1")
        .elicitation_handler(move |req: ElicitationRequest| {
            s.lock().unwrap().push(req.clone());
            async move {
                match req.mode {
                    ElicitationMode::Url => Ok(crate::ElicitResult {
                        action: crate::ElicitAction::Decline,
                        content: None,
                    }),
                    _ => Ok(elicit_answer("Ada")),
                }
            }
        })
        .roots([crate::Root {
            uri: "file:///work".into(),
            name: Some("work".into()),
        }]);
    let (_client, mut fake, init) = connect(builder).await;
    assert_eq!(
        init["params"]["capabilities"],
        json!({"elicitation": {"form": {}, "url": {}}, "roots": {}})
    );

    fake.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "elicitation/create",
        "params": {"message": "Name?", "requestedSchema": {"type": "object",
            "properties": {"name": {"type": "string"}}}}}),
    )
    .await;
    let r = fake.recv().await;
    assert_eq!(
        r,
        json!({"jsonrpc": "2.0", "id": 1, "result": {"action": "accept", "content": {"name": "Ada"}}})
    );
    fake.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "elicitation/create",
        "params": {"mode": "url", "message": "Log in", "url": "https://example.com/login",
            "elicitationId": "e-1"}}),
    )
    .await;
    let r = fake.recv().await;
    assert_eq!(r["result"], json!({"action": "decline"}));
    fake.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "elicitation/create",
        "params": {"mode": "url", "message": "no url"}}),
    )
    .await;
    assert_eq!(fake.recv().await["error"]["code"], -32602);
    fake.send(json!({"jsonrpc": "2.0", "id": 4, "method": "roots/list"}))
        .await;
    assert_eq!(
        fake.recv().await,
        json!({"jsonrpc": "2.0", "id": 4, "result": {"roots": [{"uri": "file:///work", "name": "work"}]}})
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].mode, ElicitationMode::Form);
    assert_eq!(seen[0].message, "Name?");
    assert_eq!(seen[0].requested_schema.as_ref().unwrap()["type"], "object");
    assert_eq!(seen[0].server.as_ref().unwrap().name, "fake");
    assert_eq!(seen[0].input_key, None);
    assert_eq!(seen[1].url.as_deref(), Some("https://example.com/login"));
    assert_eq!(seen[1].elicitation_id.as_deref(), Some("e-1"));
}

#[tokio::test]
async fn a_roots_handler_sees_the_server_and_its_errors_are_sent() {
    let builder = Client::builder("c", "1").roots_handler(|req: RootsRequest| async move {
        match req.server.map(|s| s.name) {
            Some(name) => Ok(vec![crate::Root {
                uri: format!("file:///for/{name}"),
                name: None,
            }]),
            None => Err(HandlerError::internal("who is asking?")),
        }
    });
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(json!({"jsonrpc": "2.0", "id": "r", "method": "roots/list", "params": {}}))
        .await;
    assert_eq!(
        fake.recv().await["result"]["roots"],
        json!([{"uri": "file:///for/fake"}])
    );
}

/// A sampling handler that echoes the last user text and the token limit.
fn echo_handler() -> impl SamplingHandler {
    |req: SamplingRequest| async move {
        Ok(format!(
            "{} ({} tokens)",
            req.last_user_text(),
            req.max_tokens()
        ))
    }
}

/// An approval policy keyed on the last user text.
fn policy(req: &SamplingRequest) -> Approval {
    match req.last_user_text().as_str() {
        "edit" => {
            let mut p = req.params.clone();
            p.messages = vec![crate::SamplingMessage::user("edited")];
            p.max_tokens = 1;
            Approval::Edit(p)
        }
        "reject" => Approval::reject("not today"),
        "reject quietly" => Approval::Reject(None),
        _ => Approval::Approve,
    }
}

#[tokio::test]
async fn the_approval_hook_approves_edits_and_rejects() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let builder = Client::builder("c", "1")
        .model_router(ModelRouter::new(["gpt-4o-mini"], "gpt-4o-mini"))
        .sampling_approval(move |req: &SamplingRequest| {
            s.lock().unwrap().push(req.clone());
            policy(req)
        })
        .sampling_handler(echo_handler());
    let (_client, mut fake, _) = connect(builder).await;

    fake.send(sampling_request(json!(1), "fine")).await;
    let r = fake.recv().await;
    assert_eq!(r["result"]["content"]["text"], "fine (5 tokens)");
    assert_eq!(r["result"]["model"], "gpt-4o-mini");

    fake.send(sampling_request(json!(2), "edit")).await;
    assert_eq!(
        fake.recv().await["result"]["content"]["text"],
        "edited (1 tokens)"
    );

    fake.send(sampling_request(json!(3), "reject")).await;
    assert_eq!(
        fake.recv().await,
        json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -1, "message": "user rejected: not today"}})
    );
    fake.send(sampling_request(json!(4), "reject quietly"))
        .await;
    assert_eq!(
        fake.recv().await["error"],
        json!({"code": -1, "message": "user rejected"})
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].server_name(), Some("fake"));
    assert_eq!(seen[0].routed_model(), Some("gpt-4o-mini"));
    assert_eq!(
        seen[0]
            .model_preferences()
            .unwrap()
            .hint_names()
            .collect::<Vec<_>>(),
        ["custom_model", "gpt-4o"]
    );
}

#[tokio::test]
async fn an_async_approval_hook_can_wait_for_a_person() {
    let (decide_tx, decide_rx) = tokio::sync::mpsc::unbounded_channel::<Approval>();
    let decide_rx = Arc::new(tokio::sync::Mutex::new(decide_rx));
    let (asked_tx, mut asked) = tokio::sync::mpsc::unbounded_channel::<String>();
    let builder = Client::builder("c", "1")
        .sampling_approval_async(move |req: SamplingRequest| {
            let (rx, asked) = (Arc::clone(&decide_rx), asked_tx.clone());
            async move {
                asked.send(req.last_user_text()).unwrap();
                rx.lock().await.recv().await.unwrap()
            }
        })
        .sampling_handler(echo_handler());
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(sampling_request(json!(1), "may I?")).await;
    assert_eq!(asked.recv().await.unwrap(), "may I?");
    // Nothing is answered until the person decides.
    fake.send(json!({"jsonrpc": "2.0", "id": "p", "method": "ping"}))
        .await;
    assert_eq!(fake.recv().await["id"], "p");
    decide_tx.send(Approval::reject("busy")).unwrap();
    assert_eq!(fake.recv().await["error"]["code"], -1);
}

// ---- Protocol 2026-07-28 against a scripted server ----

fn discover_result(versions: Value) -> Value {
    json!({
        "resultType": "complete",
        "supportedVersions": versions,
        "capabilities": {"tools": {}},
        "instructions": "stateless and kind",
        "ttlMs": 0, "cacheScope": "private",
        "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern", "version": "9"}}
    })
}

/// Connect `builder` (stateless or auto) to a scripted modern server; returns the discover
/// request too.
async fn connect_stateless(builder: ClientBuilder) -> (Client, Fake, Value) {
    let (connecting, mut fake) = start(builder);
    let discover = fake.recv().await;
    assert_eq!(discover["method"], "server/discover");
    fake.answer(&discover, discover_result(json!(["2026-07-28"])))
        .await;
    let client = connecting.await.unwrap().expect("discovery");
    (client, fake, discover)
}

fn sample_ask(text: &str) -> Value {
    json!({"method": "sampling/createMessage", "params": {
        "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
        "maxTokens": 7}})
}

#[tokio::test]
async fn stateless_requests_carry_the_envelope_and_need_no_handshake() {
    let builder = Client::builder("modern-client", "2.0")
        .protocol(Protocol::Stateless)
        .sampling_handler(echo_handler());
    let (client, mut fake, discover) = connect_stateless(builder).await;
    let meta = &discover["params"]["_meta"];
    assert_eq!(
        meta["io.modelcontextprotocol/protocolVersion"],
        "2026-07-28"
    );
    assert_eq!(
        meta["io.modelcontextprotocol/clientCapabilities"],
        json!({"sampling": {}})
    );
    assert_eq!(
        meta["io.modelcontextprotocol/clientInfo"],
        json!({"name": "modern-client", "version": "2.0"})
    );
    assert_eq!(client.protocol(), Protocol::Stateless);
    assert_eq!(client.protocol_version(), "2026-07-28");
    assert_eq!(client.server_info().name, "modern");
    assert_eq!(
        client.initialize_result().instructions.as_deref(),
        Some("stateless and kind")
    );

    // No `initialize`, no `notifications/initialized`: the next frame is the request.
    client.set_log_level(LoggingLevel::Notice).await.unwrap();
    let (result, ()) = tokio::join!(client.list_tools(), async {
        let req = fake.recv().await;
        assert_eq!(req["method"], "tools/list");
        let meta = &req["params"]["_meta"];
        assert_eq!(meta["io.modelcontextprotocol/logLevel"], "notice");
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"],
            "2026-07-28"
        );
        fake.answer(&req, json!({"tools": [], "resultType": "complete"}))
            .await;
    });
    assert!(result.unwrap().is_empty());

    // ping has no stateless twin: discovery is the liveness check.
    let (pong, ()) = tokio::join!(client.ping(), async {
        let req = fake.recv().await;
        assert_eq!(req["method"], "server/discover");
        fake.answer(&req, discover_result(json!(["2026-07-28"])))
            .await;
    });
    pong.unwrap();
}

#[tokio::test]
async fn input_required_is_fulfilled_concurrently_and_retried_with_the_state() {
    // Both asks must be in flight at once for either to finish.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let rounds = Arc::new(Mutex::new(Vec::new()));
    let (b1, b2, r) = (
        Arc::clone(&barrier),
        Arc::clone(&barrier),
        Arc::clone(&rounds),
    );
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .sampling_handler(move |req: SamplingRequest| {
            let b = Arc::clone(&b1);
            async move {
                assert_eq!(req.input_key.as_deref(), Some("capital"));
                assert_eq!(req.server_name(), Some("modern"));
                b.wait().await;
                Ok(CreateMessageResult::text("m", "Paris"))
            }
        })
        .elicitation_handler(move |_| {
            let b = Arc::clone(&b2);
            async move {
                b.wait().await;
                Ok(elicit_answer("Ada"))
            }
        })
        .on_input_round(move |round: &InputRound| r.lock().unwrap().push(round.clone()));
    let (client, mut fake, _) = connect_stateless(builder).await;
    let state = "sealed\u{e9}\"state\\\n";
    let (result, ()) = tokio::join!(client.call_tool("trip", json!({"to": "x"})), async {
        let first = fake.recv().await;
        assert_eq!(first["params"]["name"], "trip");
        assert_eq!(
            first["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"],
            json!({"sampling": {}, "elicitation": {"form": {}, "url": {}}})
        );
        assert!(first["params"].get("inputResponses").is_none());
        fake.answer(
            &first,
            json!({
                "resultType": "input_required",
                "inputRequests": {
                    "capital": sample_ask("Capital of France?"),
                    "name": {"method": "elicitation/create", "params": {"message": "Name?",
                        "requestedSchema": {"type": "object", "properties": {}}}}
                },
                "requestState": state
            }),
        )
        .await;
        let retry = fake.recv().await;
        assert_ne!(retry["id"], first["id"], "a retry is a new request");
        assert_eq!(retry["params"]["name"], "trip");
        assert_eq!(retry["params"]["arguments"], json!({"to": "x"}));
        assert_eq!(retry["params"]["requestState"], state);
        assert_eq!(
            retry["params"]["inputResponses"],
            json!({
                "capital": {"role": "assistant", "model": "m", "stopReason": "endTurn",
                    "content": {"type": "text", "text": "Paris"}},
                "name": {"action": "accept", "content": {"name": "Ada"}}
            })
        );
        fake.answer(
            &retry,
            json!({"resultType": "complete",
            "content": [{"type": "text", "text": "done"}]}),
        )
        .await;
    });
    assert_eq!(result.unwrap().text_content(), "done");
    let rounds = rounds.lock().unwrap();
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0].round, 1);
    assert_eq!(rounds[0].method, "tools/call");
    assert_eq!(
        rounds[0].requests,
        [
            ("capital".to_owned(), "sampling/createMessage".to_owned()),
            ("name".to_owned(), "elicitation/create".to_owned())
        ]
    );
    assert!(rounds[0].has_state);
}

#[tokio::test]
async fn each_retry_sends_only_its_rounds_answers_and_no_state_it_was_not_given() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .sampling_handler(echo_handler());
    let (client, mut fake, _) = connect_stateless(builder).await;
    let (result, ()) = tokio::join!(client.get_prompt("p", json!({"a": "1"})), async {
        let first = fake.recv().await;
        assert_eq!(first["method"], "prompts/get");
        fake.answer(
            &first,
            json!({"resultType": "input_required",
            "inputRequests": {"one": sample_ask("first")}}),
        )
        .await;
        let second = fake.recv().await;
        assert!(second["params"].get("requestState").is_none(), "{second}");
        assert_eq!(
            second["params"]["inputResponses"]["one"]["content"]["text"],
            "first (7 tokens)"
        );
        fake.answer(
            &second,
            json!({"resultType": "input_required",
            "inputRequests": {"two": sample_ask("second")}, "requestState": "s2"}),
        )
        .await;
        let third = fake.recv().await;
        let responses = third["params"]["inputResponses"].as_object().unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["two"]);
        assert_eq!(third["params"]["requestState"], "s2");
        assert_eq!(third["params"]["arguments"], json!({"a": "1"}));
        fake.answer(&third, json!({"resultType": "complete", "messages": []}))
            .await;
    });
    assert!(result.unwrap().messages.is_empty());
}

#[tokio::test]
async fn the_round_limit_stops_a_server_that_keeps_asking() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .max_input_rounds(2)
        .sampling_handler(echo_handler());
    let (client, mut fake, _) = connect_stateless(builder).await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&attempts);
    let (result, ()) = tokio::join!(client.call_tool("greedy", Value::Null), async {
        loop {
            let Some(req) = fake.next().await else { break };
            if req["method"] != "tools/call" {
                break;
            }
            a.fetch_add(1, Ordering::SeqCst);
            fake.answer(
                &req,
                json!({"resultType": "input_required",
                "inputRequests": {"more": sample_ask("more")}, "requestState": "s"}),
            )
            .await;
            if a.load(Ordering::SeqCst) == 3 {
                break;
            }
        }
    });
    let err = result.unwrap_err();
    assert!(
        matches!(&err, ClientError::TooManyRounds { method, rounds: 2 } if method == "tools/call"),
        "{err:?}"
    );
    assert!(err.to_string().contains("2 rounds"), "{err}");
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "the first try and two retries"
    );
}

#[tokio::test]
async fn an_input_the_client_cannot_give_fails_the_call_without_a_retry() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .sampling_approval(policy)
        .sampling_handler(echo_handler());
    let (client, mut fake, _) = connect_stateless(builder).await;
    for (ask, code) in [
        (sample_ask("reject"), -1),
        (json!({"method": "roots/list", "params": {}}), -32601),
        (
            json!({"method": "sampling/createMessage", "params": {"messages": []}}),
            -32602,
        ),
    ] {
        let (result, ()) = tokio::join!(client.call_tool("t", Value::Null), async {
            let req = fake.recv().await;
            fake.answer(
                &req,
                json!({"resultType": "input_required",
                "inputRequests": {"k": ask}, "requestState": "s"}),
            )
            .await;
        });
        let err = result.unwrap_err();
        match &err {
            ClientError::InputRequest {
                method, key, error, ..
            } => {
                assert_eq!(
                    (method.as_str(), key.as_str(), error.code),
                    ("tools/call", "k", code)
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // Nothing was retried: the next frame is the next call.
    let (_, ()) = tokio::join!(client.call_tool("next", Value::Null), async {
        let req = fake.recv().await;
        assert_eq!(req["params"]["name"], "next");
        fake.answer(&req, json!({"resultType": "complete", "content": []}))
            .await;
    });
}

#[tokio::test]
async fn auto_falls_back_to_initialize_when_discovery_is_unknown() {
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    assert_eq!(probe["method"], "server/discover");
    fake.send(json!({"jsonrpc": "2.0", "id": probe["id"],
        "error": {"code": -32601, "message": "method not found"}}))
        .await;
    let init = fake.recv().await;
    assert_eq!(init["method"], "initialize");
    fake.answer(&init, init_result("2025-11-25")).await;
    let client = connecting.await.unwrap().unwrap();
    assert_eq!(client.protocol(), Protocol::Legacy);
    assert_eq!(fake.recv().await["method"], "notifications/initialized");
}

#[tokio::test]
async fn auto_falls_back_when_the_probe_gets_no_answer() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Auto)
        .probe_timeout(Duration::from_millis(100));
    let (connecting, mut fake) = start(builder);
    assert_eq!(fake.recv().await["method"], "server/discover");
    let mut next = fake.recv().await;
    if next["method"] == "notifications/cancelled" {
        next = fake.recv().await;
    }
    assert_eq!(next["method"], "initialize");
    fake.answer(&next, init_result("2025-06-18")).await;
    let client = connecting.await.unwrap().unwrap();
    assert_eq!(client.protocol_version(), "2025-06-18");
}

#[tokio::test]
async fn auto_does_not_fall_back_from_a_modern_error() {
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    fake.send(
        json!({"jsonrpc": "2.0", "id": probe["id"], "error": {"code": -32022,
        "message": "unsupported protocol version",
        "data": {"supported": ["2027-01-01"], "requested": "2026-07-28"}}}),
    )
    .await;
    let err = connecting.await.unwrap().unwrap_err();
    assert!(matches!(err, ClientError::Handshake(_)), "{err:?}");
    assert!(err.to_string().contains("-32022"), "{err}");
    assert_eq!(fake.next().await, None, "no initialize follows");
}

#[tokio::test]
async fn auto_picks_stateless_and_forced_stateless_needs_the_version() {
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (client, _fake, _) = connect_stateless(builder).await;
    assert_eq!(client.protocol(), Protocol::Stateless);

    let builder = Client::builder("c", "1").protocol(Protocol::Stateless);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    fake.answer(&probe, discover_result(json!(["2027-01-01"])))
        .await;
    let err = connecting.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("2027-01-01"), "{err}");

    // Auto with a server that lists only other versions uses the handshake.
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    fake.answer(&probe, discover_result(json!(["2027-01-01"])))
        .await;
    let init = fake.recv().await;
    assert_eq!(init["method"], "initialize");
    fake.answer(&init, init_result("2025-11-25")).await;
    assert_eq!(
        connecting.await.unwrap().unwrap().protocol(),
        Protocol::Legacy
    );
}

#[tokio::test]
async fn a_listen_that_failed_does_not_take_the_next_ones_acknowledgment() {
    let (client, mut fake, _) =
        connect_stateless(Client::builder("listener", "1").protocol(Protocol::Stateless)).await;
    let client = Arc::new(client);
    // The first listen is refused before any acknowledgment.
    let c = Arc::clone(&client);
    let first = tokio::spawn(async move { c.listen(ListenFilter::new().tools()).await });
    let req = fake.recv().await;
    assert_eq!(req["method"], "subscriptions/listen");
    fake.send(json!({"jsonrpc": "2.0", "id": req["id"],
        "error": {"code": -32603, "message": "not now"}}))
        .await;
    let err = first.await.unwrap().unwrap_err();
    assert_eq!(err.rpc_error().map(|e| e.code), Some(-32603), "{err:?}");

    // The second is acknowledged: its own acknowledgment reaches it.
    let c = Arc::clone(&client);
    let second = tokio::spawn(async move { c.listen(ListenFilter::new().tools()).await });
    let req = fake.recv().await;
    fake.send(
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
        "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": req["id"]},
            "notifications": {"toolsListChanged": true}}}),
    )
    .await;
    let subscription = tokio::time::timeout(WAIT, second)
        .await
        .expect("acknowledged")
        .unwrap()
        .unwrap();
    assert_eq!(subscription.granted(), &ListenFilter::new().tools());
}
