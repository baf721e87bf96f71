//! Faults: handlers that panic, clients that vanish mid-call or mid-sample, cancellations,
//! sampling answers that never come, come twice, come late or come as garbage. In each case the
//! server answers what it can, drops what it must, keeps serving, and leaves no task behind.
//!
//! Handler lifetimes are observed from inside: each probe tool holds a guard that counts whether
//! it finished or was dropped unfinished. Tasks are counted with the runtime's own metrics.

mod reliability_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};
use toolsmith_tests::sse::SseReader;

use reliability_support::{alive_tasks, sample_answer, settle_tasks, Http, Lifetimes, Logs, Pipe};

struct Probe {
    life: Arc<Lifetimes>,
}

#[tools]
impl Probe {
    /// Panic with `message`.
    #[tool]
    async fn boom(&self, message: String) -> String {
        panic!("{message}")
    }

    /// Never finish on its own.
    #[tool]
    async fn hold(&self) -> String {
        let life = self.life.begin();
        std::future::pending::<()>().await;
        life.finish();
        unreachable!()
    }

    /// Ask the client's model once and report how it went.
    #[tool]
    async fn ask(&self, ctx: Context<'_>) -> String {
        let life = self.life.begin();
        let reply = ctx.sample("question").max_tokens(5).await;
        life.finish();
        match reply {
            Ok(r) => format!("ok: {}", r.text()),
            Err(e) => format!("error: {e}"),
        }
    }

    /// Echo the text.
    #[tool]
    async fn echo(&self, text: String) -> String {
        text
    }

    /// Echo the text, counting the call.
    #[tool]
    async fn tally(&self, text: String) -> String {
        self.life.begin().finish();
        text
    }
}

/// Panics while being read.
#[resource(uri = "panic://resource")]
async fn panicking_resource() -> String {
    panic!("resource exploded: /srv/secret")
}

/// Panics while being rendered.
#[prompt]
async fn panicking_prompt() -> String {
    panic!("prompt exploded: /srv/secret")
}

fn server(limits: Limits) -> (Server, Arc<Lifetimes>) {
    let life = Arc::new(Lifetimes::default());
    let server = Server::new("faults", "1")
        .tools(Probe {
            life: Arc::clone(&life),
        })
        .resource(panicking_resource)
        .prompt(panicking_prompt)
        .limits(limits);
    (server, life)
}

fn call(tool: &str, args: Value) -> Value {
    json!({"name": tool, "arguments": args})
}

fn text(response: &Value) -> String {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text result: {response}"))
        .to_owned()
}

async fn echo_works(pipe: &mut Pipe, id: &str) {
    let r = pipe
        .request(json!(id), "tools/call", call("echo", json!({"text": id})))
        .await;
    assert_eq!(text(&r), id, "{r}");
}

#[tokio::test]
async fn panicking_handlers_are_answered_logged_and_survived() {
    let (logs, _guard) = Logs::capture();
    let (server, _) = server(Limits::default());
    let mut pipe = Pipe::initialized(server, json!({})).await;

    let r = pipe
        .request(
            json!(1),
            "tools/call",
            call("boom", json!({"message": "kaboom: /srv/secret"})),
        )
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert_eq!(text(&r), "tool `boom` failed unexpectedly");
    assert!(
        !r.to_string().contains("secret"),
        "the panic message leaked: {r}"
    );

    let r = pipe
        .request(
            json!(2),
            "resources/read",
            json!({"uri": "panic://resource"}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert_eq!(
        r["error"]["message"],
        "reading `panic://resource` failed unexpectedly"
    );
    let r = pipe
        .request(json!(3), "prompts/get", json!({"name": "panicking_prompt"}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert_eq!(
        r["error"]["message"],
        "prompt `panicking_prompt` failed unexpectedly"
    );
    assert!(!r.to_string().contains("secret"), "{r}");

    // Many at once: every one answered, none takes the connection down.
    for i in 0..100 {
        pipe.tx
            .send(
                &json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                "params": call("boom", json!({"message": format!("panic {i}")}))}),
            )
            .await;
    }
    for i in 0..100 {
        let r = pipe.response(&json!(100 + i)).await;
        assert_eq!(r["result"]["isError"], true, "{r}");
    }
    echo_works(&mut pipe, "after 103 panics").await;
    pipe.close().await.unwrap();

    // Each panic is logged at error level with its message and request id.
    let logged = logs.lines_with(&["ERROR", "handler panicked", "kaboom: /srv/secret"]);
    assert_eq!(logged.len(), 1, "{}", logs.text());
    assert!(logged[0].contains("id=1"), "{logged:?}");
    assert_eq!(logs.lines_with(&["ERROR", "handler panicked"]).len(), 103);
}

#[tokio::test]
async fn panicking_tools_over_http_are_answered_and_survived() {
    let (server, _) = server(Limits::default());
    let mut http = Http::start(server, HttpConfig::default()).await;
    http.initialize(json!({})).await;
    let calls = (0..20).map(|i| {
        let body = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": call("boom", json!({"message": "over http: /srv/secret"}))});
        let http = &http;
        async move { http.call(&body).await }
    });
    for r in futures::future::join_all(calls).await {
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert!(!r.to_string().contains("secret"), "{r}");
    }
    let r = http
        .call(&json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": call("echo", json!({"text": "alive"}))}))
        .await;
    assert_eq!(text(&r), "alive");
}

#[tokio::test]
async fn a_client_that_disconnects_mid_call_leaves_nothing_behind() {
    let baseline = alive_tasks();
    let grace = Duration::from_millis(100);
    let (server, life) = server(Limits::default().shutdown_grace(grace));
    let mut pipe = Pipe::initialized(server, json!({})).await;
    for i in 0..10 {
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("hold", json!({}))}))
            .await;
    }
    pipe.sync().await;
    while life.counts().0 < 10 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(alive_tasks() > baseline + 10, "the handlers run on tasks");

    // The client goes away: the server gives the handlers the grace period, then drops them,
    // and ends.
    let closed = Instant::now();
    pipe.close().await.unwrap();
    let took = closed.elapsed();
    assert_eq!(life.counts(), (10, 0, 10), "started, finished, dropped");
    assert!(
        took >= grace && took < grace + Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(settle_tasks(baseline).await, baseline, "tasks left behind");
}

#[tokio::test]
async fn a_client_that_disconnects_mid_sample_fails_the_sample_at_once() {
    let baseline = alive_tasks();
    // A long grace: the handler must end because its sample fails, not because time ran out.
    let (server, life) = server(Limits::default().shutdown_grace(Duration::from_secs(30)));
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    for i in 0..5 {
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("ask", json!({}))}))
            .await;
    }
    for _ in 0..5 {
        pipe.expect_method("sampling/createMessage").await;
    }
    let closed = Instant::now();
    pipe.tx.close().await;
    // The handlers finish with "connection closed" and their answers are still written.
    let mut answered = 0;
    while let Some(m) = pipe.rx.next().await {
        if m.get("result").is_some() {
            assert!(text(&m).contains("connection closed"), "{m}");
            answered += 1;
        }
    }
    assert_eq!(answered, 5);
    tokio::time::timeout(Duration::from_secs(5), pipe.server)
        .await
        .expect("the server ended")
        .unwrap()
        .unwrap();
    assert!(
        closed.elapsed() < Duration::from_secs(5),
        "{:?}",
        closed.elapsed()
    );
    assert_eq!(life.counts(), (5, 5, 0));
    assert_eq!(settle_tasks(baseline).await, baseline, "tasks left behind");
}

#[tokio::test]
async fn a_client_that_closes_its_read_end_does_not_stop_the_server() {
    let baseline = alive_tasks();
    let (server, _) = server(Limits::default());
    // One pipe each way, so that the client can close the end it reads from.
    let (mut to_server, server_in) = tokio::io::duplex(4096);
    let (server_out, from_server) = tokio::io::duplex(4096);
    let serving = tokio::spawn(server.serve(server_in, server_out));
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": reliability_support::initialize_params(json!({}))});
    to_server
        .write_all(format!("{init}\n").as_bytes())
        .await
        .unwrap();
    drop(from_server);
    // Every answer now fails to be written; the server keeps reading and serving regardless.
    for i in 1..=2_000 {
        let m = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("echo", json!({"text": "x".repeat(100)}))});
        to_server
            .write_all(format!("{m}\n").as_bytes())
            .await
            .unwrap();
    }
    to_server.shutdown().await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server ended")
        .unwrap();
    assert!(
        ended.is_ok(),
        "a reader that went away is a normal end: {ended:?}"
    );
    assert_eq!(settle_tasks(baseline).await, baseline, "tasks left behind");
}

/// A client that keeps its end of the pipe open but does not read: once
/// `max_queued_output_bytes` of answers wait for it, the server stops reading its requests
/// (they wait in the pipe, the client's writes block) instead of buffering answers without
/// bound; when the client reads again, every request is answered exactly once.
#[tokio::test]
async fn a_client_that_does_not_read_gets_back_pressure_not_unbounded_buffering() {
    const REQUESTS: u64 = 20_000;
    let limit = 256 << 10;
    let (server, life) = server(Limits::default().max_queued_output_bytes(limit));
    let (mut to_server, server_in) = tokio::io::duplex(64 << 10);
    let (server_out, from_server) = tokio::io::duplex(64 << 10);
    let serving = tokio::spawn(server.serve(server_in, server_out));
    let text = "x".repeat(1024);
    let writer = tokio::spawn(async move {
        for i in 1..=REQUESTS {
            let m = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("tally", json!({"text": text}))});
            to_server
                .write_all(format!("{m}\n").as_bytes())
                .await
                .unwrap();
        }
        to_server.shutdown().await.unwrap();
    });

    // Wait until the server stops taking requests (no new call for 500 ms).
    let mut handled = life.counts().0;
    let mut still_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(30);
    while still_since.elapsed() < Duration::from_millis(500) {
        assert!(
            Instant::now() < deadline,
            "the server never stopped reading ({handled} calls)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = life.counts().0;
        if now != handled {
            handled = now;
            still_since = Instant::now();
        }
    }
    // Answers are about 1.1 KiB: the queue limit, the pipe buffers and the requests in flight
    // bound what was taken to a few hundred calls out of 20,000.
    eprintln!("stopped reading after {handled} of {REQUESTS} calls");
    assert!(handled > 0, "no call was served at all");
    assert!(
        handled < 1_000,
        "the server kept reading ({handled} calls) while nobody read its answers"
    );
    assert!(
        !writer.is_finished(),
        "every request was read although no answer was"
    );

    // The client reads again: everything is answered, each id once.
    let mut lines = tokio::io::BufReader::new(from_server).lines();
    let mut seen = vec![false; REQUESTS as usize + 1];
    let read_all = async {
        for _ in 0..REQUESTS {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("an answer per request");
            let answer: Value = serde_json::from_str(&line).unwrap();
            let id = answer["id"].as_u64().expect("a numeric id");
            assert_eq!(
                answer["result"]["content"][0]["text"]
                    .as_str()
                    .map(str::len),
                Some(1024),
                "{id}"
            );
            assert!(
                !std::mem::replace(&mut seen[id as usize], true),
                "id {id} answered twice"
            );
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read_all)
        .await
        .expect("every request answered once the client reads");
    writer.await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server ends when its input closes")
        .unwrap()
        .unwrap();
    assert_eq!(
        lines.next_line().await.unwrap(),
        None,
        "nothing after the answers"
    );
}

#[tokio::test]
async fn cancellation_drops_the_handler_and_its_pending_sample() {
    let (logs, _guard) = Logs::capture();
    // One pending client request at most: if the cancelled sample kept its slot, the next
    // sample would fail as busy.
    let limits = Limits::default()
        .max_pending_client_requests(1)
        .sample_timeout(Duration::from_secs(60));
    let (server, life) = server(limits);
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": "call-1", "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask = pipe.expect_method("sampling/createMessage").await;
    pipe.tx
        .send(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": "call-1", "reason": "user pressed stop"}}),
        )
        .await;
    life.wait_dropped(1).await;
    assert_eq!(life.counts(), (1, 0, 1));

    // The answer to the abandoned sample arrives late: ignored, not answered.
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("too late")}))
        .await;
    // What the client hears: only that the server no longer needs the sample (the server's own
    // `notifications/cancelled`); no response to the cancelled call, nothing about the late answer.
    let seen = pipe.sync().await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["method"], "notifications/cancelled", "{seen:?}");
    assert_eq!(seen[0]["params"]["requestId"], ask["id"], "{seen:?}");
    // Cancelling what is not running is ignored too.
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "call-1"}}))
        .await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 987654}}))
        .await;
    assert!(pipe.sync().await.is_empty());

    // The session works, and the slot of the abandoned sample is free again.
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": "call-2", "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask2 = pipe.expect_method("sampling/createMessage").await;
    assert_ne!(ask2["id"], ask["id"]);
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": ask2["id"], "result": sample_answer("in time")}))
        .await;
    assert_eq!(text(&pipe.response(&json!("call-2")).await), "ok: in time");
    pipe.close().await.unwrap();
    assert_eq!(life.counts(), (2, 1, 1));
    assert_eq!(
        logs.lines_with(&["request cancelled; its handler was dropped", "call-1"])
            .len(),
        1,
        "{}",
        logs.text()
    );
    assert_eq!(
        logs.lines_with(&["ignored a response to a request that is not pending"])
            .len(),
        1
    );
}

#[tokio::test]
async fn cancellation_over_http_ends_the_request_stream_without_a_response() {
    let (server, life) = server(Limits::default());
    let mut http = Http::start(server, HttpConfig::default()).await;
    http.initialize(json!({"sampling": {}})).await;
    let r = http
        .post()
        .body(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": call("ask", json!({}))}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut events = SseReader::new(r);
    let (_, ask) = events.next_message().await.unwrap();
    assert_eq!(ask["method"], "sampling/createMessage");
    let r = http
        .post_json(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7}}))
        .await;
    assert_eq!(r.status, 202);
    life.wait_dropped(1).await;
    // The stream carries the server's cancellation of its sample, then ends with no response.
    let (_, cancelled) = events.next_message().await.unwrap();
    assert_eq!(
        cancelled["method"], "notifications/cancelled",
        "{cancelled}"
    );
    assert_eq!(cancelled["params"]["requestId"], ask["id"], "{cancelled}");
    let after = events.next_message().await;
    assert!(
        after.is_none(),
        "the stream ends, with no response: {after:?}"
    );
    // A late answer is accepted (202) and ignored; the session works.
    let r = http
        .post_json(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("late")}))
        .await;
    assert_eq!(r.status, 202);
    let r = http
        .call(&json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": call("echo", json!({"text": "alive"}))}))
        .await;
    assert_eq!(text(&r), "alive");
}

#[tokio::test]
async fn unanswered_samples_time_out_and_free_their_slots() {
    let limits = Limits::default()
        .sample_timeout(Duration::from_millis(100))
        .max_pending_client_requests(2);
    let (server, life) = server(limits);
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    let mut asks = Vec::new();
    // Three rounds of two concurrent samples on two slots: each round only gets slots if the
    // timed-out samples before it gave theirs back.
    for round in 0..3 {
        let started = Instant::now();
        for k in 0..2 {
            pipe.tx
                .send(&json!({"jsonrpc": "2.0", "id": round * 2 + k, "method": "tools/call", "params": call("ask", json!({}))}))
                .await;
        }
        for k in 0..2 {
            let r = pipe.response(&json!(round * 2 + k)).await;
            assert_eq!(
                text(&r),
                "error: the client did not answer the sampling request within 100ms",
                "{r}"
            );
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        for _ in 0..2 {
            asks.push(pipe.expect_method("sampling/createMessage").await);
        }
    }
    // Every answer comes after its timeout: all ignored.
    for ask in &asks {
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("late")}))
            .await;
    }
    // The only messages: the server telling the client it stopped waiting, once per sample.
    let seen = pipe.sync().await;
    let mut cancelled: Vec<&Value> = seen
        .iter()
        .inspect(|m| assert_eq!(m["method"], "notifications/cancelled", "{m}"))
        .inspect(|m| {
            assert!(
                m["params"]["reason"].as_str().unwrap().contains("timeout"),
                "{m}"
            )
        })
        .map(|m| &m["params"]["requestId"])
        .collect();
    let mut asked: Vec<&Value> = asks.iter().map(|a| &a["id"]).collect();
    cancelled.sort_by_key(|v| v.to_string());
    asked.sort_by_key(|v| v.to_string());
    assert_eq!(cancelled, asked);
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": "last", "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask = pipe.expect_method("sampling/createMessage").await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("on time")}))
        .await;
    assert_eq!(text(&pipe.response(&json!("last")).await), "ok: on time");
    assert_eq!(life.counts(), (7, 7, 0));
    pipe.close().await.unwrap();
}

#[tokio::test]
async fn late_duplicate_and_unknown_answers_are_ignored() {
    let (logs, _guard) = Logs::capture();
    let (server, _) = server(Limits::default());
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    pipe.tx
        .send(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call("ask", json!({}))}))
        .await;
    let ask = pipe.expect_method("sampling/createMessage").await;
    let stray = [
        json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("first")}),
        json!({"jsonrpc": "2.0", "id": ask["id"], "result": sample_answer("duplicate")}),
        json!({"jsonrpc": "2.0", "id": ask["id"], "error": {"code": -1, "message": "duplicate error"}}),
        json!({"jsonrpc": "2.0", "id": 999_999, "result": sample_answer("unknown id")}),
        json!({"jsonrpc": "2.0", "id": -1, "result": {}}),
        json!({"jsonrpc": "2.0", "id": format!("{}", ask["id"]), "result": sample_answer("id as a string")}),
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "your last frame was unreadable"}}),
    ];
    for m in &stray {
        pipe.tx.send(m).await;
    }
    assert_eq!(text(&pipe.response(&json!(1)).await), "ok: first");
    let seen = pipe.sync().await;
    assert!(seen.is_empty(), "stray answers are not answered: {seen:?}");
    echo_works(&mut pipe, "still serving").await;
    pipe.close().await.unwrap();
    assert_eq!(
        logs.lines_with(&["ignored a response to a request that is not pending"])
            .len(),
        5,
        "{}",
        logs.text()
    );
    assert_eq!(
        logs.lines_with(&["the client reported an error about an unreadable message"])
            .len(),
        1
    );
}

#[tokio::test]
async fn garbage_sampling_answers_fail_the_sample_clearly_and_at_once() {
    // A long timeout: a garbage answer must fail the sample when it arrives, not at the timeout.
    let (server, life) = server(Limits::default().sample_timeout(Duration::from_secs(60)));
    let mut pipe = Pipe::initialized(server, json!({"sampling": {}})).await;
    type Answer = Box<dyn Fn(&Value) -> String>;
    let garbage: Vec<(&str, Answer, &str)> = vec![
        (
            "empty result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": {}}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "number result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": 42}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "string result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": "positive"}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "array result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": []}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "null result",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "result": null}).to_string()),
            "sampling answer is malformed",
        ),
        (
            "content of the wrong type",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {"role": "assistant", "model": "m", "content": 5}}).to_string()
            }),
            "sampling answer is malformed",
        ),
        (
            "unknown role",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {"role": "wizard", "model": "m", "content": {"type": "text", "text": "x"}}}).to_string()
            }),
            "sampling answer is malformed",
        ),
        (
            "unknown content type",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {"role": "assistant", "model": "m", "content": {"type": "hologram"}}}).to_string()
            }),
            "sampling answer is malformed",
        ),
        (
            "error is a string",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "error": "oops"}).to_string()),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "error is empty",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "error": {}}).to_string()),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "error code is text",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": "E1", "message": "m"}})
                    .to_string()
            }),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "error is null",
            Box::new(|id| json!({"jsonrpc": "2.0", "id": id, "error": null}).to_string()),
            "malformed response from the peer: invalid `error` object",
        ),
        (
            "result and error",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "result": sample_answer("x"), "error": {"code": 1, "message": "?"}}).to_string()
            }),
            "malformed response from the peer: a response cannot have both",
        ),
        (
            "no jsonrpc",
            Box::new(|id| json!({"id": id, "result": sample_answer("x")}).to_string()),
            "malformed response from the peer: missing `jsonrpc`",
        ),
        (
            "duplicate result",
            Box::new(|id| format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}},"result":{{}}}}"#)),
            "malformed response from the peer: invalid message: duplicate field `result`",
        ),
        (
            "result nested too deep",
            Box::new(|id| {
                format!(
                    r#"{{"jsonrpc":"2.0","id":{id},"result":{}{}}}"#,
                    "[".repeat(1000),
                    "]".repeat(1000)
                )
            }),
            "malformed response from the peer: invalid `result`: recursion limit exceeded",
        ),
        (
            "the user refused",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -1, "message": "User rejected sampling request"}}).to_string()
            }),
            "refused the sampling request: User rejected sampling request (code -1)",
        ),
        (
            "an error with 1 MB of data",
            Box::new(|id| {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "model crashed", "data": "d".repeat(1 << 20)}}).to_string()
            }),
            "refused the sampling request: model crashed (code -32603)",
        ),
    ];
    for (i, (name, answer, says)) in garbage.iter().enumerate() {
        let id = json!(format!("garbage-{i}"));
        pipe.tx
            .send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": call("ask", json!({}))}))
            .await;
        let ask = pipe.expect_method("sampling/createMessage").await;
        let started = Instant::now();
        pipe.tx.send_bytes(answer(&ask["id"]).as_bytes()).await;
        let r = pipe.response(&id).await;
        let t = text(&r);
        assert!(t.starts_with("error: ") && t.contains(says), "{name}: {t}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: waited {:?}",
            started.elapsed()
        );
        let seen = pipe.sync().await;
        assert!(
            seen.is_empty(),
            "{name}: the server answered the client's answer: {seen:?}"
        );
    }
    echo_works(&mut pipe, "after garbage").await;
    let n = garbage.len();
    assert_eq!(life.counts(), (n, n, 0));
    pipe.close().await.unwrap();
}

#[tokio::test]
async fn garbage_sampling_answers_over_http_fail_the_sample_clearly() {
    let (server, _) = server(Limits::default().sample_timeout(Duration::from_secs(60)));
    let mut http = Http::start(server, HttpConfig::default()).await;
    http.initialize(json!({"sampling": {}})).await;
    for (i, garbage) in [
        json!({"result": {"nonsense": true}}),
        json!({"error": "oops"}),
    ]
    .into_iter()
    .enumerate()
    {
        let r = http
            .post()
            .body(json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call("ask", json!({}))}).to_string())
            .send()
            .await
            .unwrap();
        let mut events = SseReader::new(r);
        let (_, ask) = events.next_message().await.unwrap();
        let mut answer = garbage.clone();
        answer["jsonrpc"] = json!("2.0");
        answer["id"] = ask["id"].clone();
        let started = Instant::now();
        assert_eq!(http.post_json(&answer).await.status, 202);
        let (_, done) = events.next_message().await.unwrap();
        assert!(text(&done).contains("malformed"), "{done}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

/// A completer is user code run inline by the session; a panic in it unwinds through the
/// transport's read loop and ends the whole connection (stdio) — every request in flight is lost.
#[tokio::test]
async fn a_panicking_completer_does_not_take_the_connection_down() {
    let (server, _) = server(Limits::default());
    let server =
        server.complete_prompt_argument("panicking_prompt", "x", |_, _| panic!("completer bug"));
    let mut pipe = Pipe::initialized(server, json!({})).await;
    let r = pipe
        .request(json!(1), "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "panicking_prompt"}, "argument": {"name": "x", "value": ""}}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    echo_works(&mut pipe, "after a completer panic").await;
    pipe.close().await.unwrap();
}
