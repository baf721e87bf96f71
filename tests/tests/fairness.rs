//! Fairness under load (issue 12): a handler waiting on the client's answer holds no server-wide
//! execution slot; admission is bounded in time (then "server busy": a JSON-RPC error, or over
//! HTTP a 503 with `Retry-After`), per caller, and in the bytes of requests queued for a slot.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{Notify, Semaphore};
use toolsmith::prelude::*;
use toolsmith::protocol::codes::SERVER_BUSY;
use toolsmith::{HttpConfig, Limits};
use toolsmith_tests::RawClient;

/// What the test tools share with the test driving them.
struct Shared {
    /// Notified each time `gate` starts running.
    started: Notify,
    /// `gate` returns once it takes a permit from here (the test adds them).
    release: Semaphore,
    /// Set once `asker` has its answer and runs on.
    resumed: AtomicBool,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            started: Notify::new(),
            release: Semaphore::new(0),
            resumed: AtomicBool::new(false),
        }
    }
}

#[derive(Clone, Default)]
struct Tools(Arc<Shared>);

impl Tools {
    /// Wait until `gate` has started, failing the test if it never does.
    async fn started(&self) {
        tokio::time::timeout(toolsmith_tests::WAIT, self.0.started.notified())
            .await
            .expect("`gate` never started");
    }
}

#[tools]
impl Tools {
    /// Hold an execution slot until the test releases it.
    #[tool]
    async fn gate(&self) -> String {
        self.0.started.notify_one();
        let _ = self.0.release.acquire().await.map(|p| p.forget());
        "released".into()
    }

    /// Ask the client's model once, then report the answer.
    #[tool]
    async fn asker(&self, ctx: Context<'_>) -> Result<String, ToolError> {
        let text = ctx.sample("q").max_tokens(5).await?.text();
        self.0.resumed.store(true, Ordering::SeqCst);
        Ok(format!("got {text}"))
    }

    /// A trivial call.
    #[tool]
    async fn hi(&self) -> String {
        "hi".into()
    }

    /// Echo the text back.
    #[tool]
    async fn echo(&self, text: String) -> String {
        text
    }
}

fn server(tools: &Tools, limits: Limits) -> Server {
    Server::new("fairness", "1")
        .tools(tools.clone())
        .limits(limits)
}

fn call(name: &str, args: Value) -> Value {
    json!({"name": name, "arguments": args})
}

fn text(response: &Value) -> &str {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("not a tool result: {response}"))
}

/// Answer a sampling request with `text`.
fn sample_answer(request: &Value, text: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": request["id"], "result": {
        "role": "assistant", "model": "m", "content": {"type": "text", "text": text},
        "stopReason": "endTurn"}})
}

fn assert_busy(response: &Value) {
    assert_eq!(
        response["error"]["code"], SERVER_BUSY,
        "not the busy error: {response}"
    );
    let message = response["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("busy") && message.contains("retry"),
        "{message}"
    );
    assert!(response["error"]["data"]["retryAfter"].as_u64().is_some());
}

// ---- byte streams (in-memory, so paused time is exact) ----

#[tokio::test(start_paused = true)]
async fn a_handler_waiting_on_the_client_lends_its_slot_and_takes_it_back_to_finish() {
    let tools = Tools::default();
    let limits = Limits::default().max_concurrent_requests(1);
    let mut c = RawClient::initialized(server(&tools, limits), json!({"sampling": {}})).await;

    let asker = c.send_request("tools/call", call("asker", json!({}))).await;
    let asked = c.expect_method("sampling/createMessage").await;
    // The only slot is free while `asker` waits on the client: another call runs meanwhile.
    let gate = c.send_request("tools/call", call("gate", json!({}))).await;
    tools.started().await;

    // The answer arrives while `gate` holds the only slot: `asker` takes its slot back before it
    // runs on, so it waits for `gate`. (Paused time: the sleep ends only once every task is idle.)
    c.send(&sample_answer(&asked, "yes")).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !tools.0.resumed.load(Ordering::SeqCst),
        "asker ran on without a slot while gate held the only one"
    );

    tools.0.release.add_permits(1);
    assert_eq!(text(&c.response(gate).await), "released");
    assert_eq!(text(&c.response(asker).await), "got yes");
    assert!(tools.0.resumed.load(Ordering::SeqCst));
    c.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_request_that_gets_no_slot_in_time_is_refused_as_busy() {
    let tools = Tools::default();
    let wait = Duration::from_secs(3);
    let limits = Limits::default()
        .max_concurrent_requests(1)
        .max_admission_wait(wait);
    let mut c = RawClient::initialized(server(&tools, limits), json!({})).await;

    let gate = c.send_request("tools/call", call("gate", json!({}))).await;
    tools.started().await;
    let before = tokio::time::Instant::now();
    let refused = c.request("tools/call", call("hi", json!({}))).await;
    assert_busy(&refused);
    assert_eq!(before.elapsed(), wait, "refused when the wait ran out");

    // Refused, not lost: once the slot is free, the same call runs.
    tools.0.release.add_permits(1);
    assert_eq!(text(&c.response(gate).await), "released");
    assert_eq!(
        text(&c.request("tools/call", call("hi", json!({}))).await),
        "hi"
    );
    c.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_per_session_limit_has_the_same_bounded_wait() {
    let tools = Tools::default();
    let wait = Duration::from_secs(2);
    let limits = Limits::default()
        .max_concurrent_requests_per_session(1)
        .max_admission_wait(wait);
    let mut c = RawClient::initialized(server(&tools, limits), json!({})).await;

    let gate = c.send_request("tools/call", call("gate", json!({}))).await;
    tools.started().await;
    let before = tokio::time::Instant::now();
    let refused = c.request("tools/call", call("hi", json!({}))).await;
    assert_busy(&refused);
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("session"));
    assert_eq!(before.elapsed(), wait);
    tools.0.release.add_permits(1);
    assert_eq!(text(&c.response(gate).await), "released");
    c.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_caller_beyond_its_cap_is_refused_at_once() {
    let tools = Tools::default();
    let limits = Limits::default()
        .max_concurrent_requests_per_caller(1)
        .max_admission_wait(Duration::from_secs(60));
    let mut c = RawClient::initialized(server(&tools, limits), json!({})).await;

    let gate = c.send_request("tools/call", call("gate", json!({}))).await;
    tools.started().await;
    let before = tokio::time::Instant::now();
    let refused = c.request("tools/call", call("hi", json!({}))).await;
    assert_busy(&refused);
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("caller"));
    assert_eq!(before.elapsed(), Duration::ZERO, "no wait for a slot");

    tools.0.release.add_permits(1);
    assert_eq!(text(&c.response(gate).await), "released");
    assert_eq!(
        text(&c.request("tools/call", call("hi", json!({}))).await),
        "hi"
    );
    c.close().await.unwrap();
}

// ---- streamable HTTP over real sockets ----

struct Http {
    url: String,
}

async fn start_http(server: Server) -> Http {
    // What `Server::serve_http_with` does, on a listener whose address the test can read.
    let router = server.into_http_router(HttpConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    Http {
        url: format!("http://{addr}/mcp"),
    }
}

/// An HTTP client connecting from `local` (a loopback address other than 127.0.0.1 makes a
/// different caller).
fn client_from(local: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(local))
        .build()
        .unwrap()
}

/// One session of one HTTP client.
#[derive(Clone)]
struct Session {
    http: reqwest::Client,
    url: String,
    id: String,
}

impl Session {
    async fn open(http: &reqwest::Client, ep: &Http, caps: Value) -> Session {
        let r = post(http, &ep.url, None)
            .body(
                json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
                "protocolVersion":"2025-11-25","capabilities":caps,
                "clientInfo":{"name":"t","version":"0"}}})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let id = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let s = Session {
            http: http.clone(),
            url: ep.url.clone(),
            id,
        };
        let r = s
            .post(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        s
    }

    fn post(&self, body: &Value) -> reqwest::RequestBuilder {
        post(&self.http, &self.url, Some(&self.id)).body(body.to_string())
    }

    fn call(&self, id: u64, name: &str, args: Value) -> reqwest::RequestBuilder {
        self.post(&json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
            "params": call(name, args)}))
    }
}

fn post(http: &reqwest::Client, url: &str, session: Option<&str>) -> reqwest::RequestBuilder {
    let r = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    match session {
        Some(id) => r
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", "2025-11-25"),
        None => r,
    }
}

async fn assert_http_busy(r: reqwest::Response) {
    assert_eq!(r.status(), 503);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_busy(&r.json::<Value>().await.unwrap());
}

/// The starvation attack of issue 12, at its numbers: 16 sessions (from 127.0.0.2) each start
/// 64 `tools/call`s that sample, read only the response head and hang up without answering.
/// Then a fresh session (from 127.0.0.1) makes a trivial call: it must be answered within 5 s
/// (before the fix: no answer for the 120 s of the sample timeout, every server-wide slot held
/// by a handler waiting on a sample). Returns how many attacking calls got a handler waiting on
/// a sample, and how many were refused as busy.
async fn starvation_attack(limits: Limits) -> (usize, usize) {
    const SESSIONS: usize = 16;
    const CALLS: usize = 64;
    let tools = Tools::default();
    let ep = start_http(server(&tools, limits)).await;

    let attacker = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        sessions.push(Session::open(&attacker, &ep, json!({"sampling": {}})).await);
    }
    let heads = futures::future::join_all(sessions.iter().flat_map(|s| {
        (0..CALLS).map(move |i| {
            let req = s.call(i as u64 + 10, "asker", json!({}));
            // Read the head only, then hang up (the response is dropped unread).
            async move { req.send().await.unwrap().status().as_u16() }
        })
    }))
    .await;
    let held = heads.iter().filter(|&&s| s == 200).count();
    let refused = heads.iter().filter(|&&s| s == 503).count();
    assert_eq!(held + refused, SESSIONS * CALLS, "statuses: {heads:?}");

    let innocent = client_from(Ipv4Addr::LOCALHOST);
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        let s = Session::open(&innocent, &ep, json!({})).await;
        let r = s.call(2, "hi", json!({})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()
    })
    .await
    .expect("a fresh session's trivial call was not answered within 5 s under the attack");
    assert_eq!(text(&answer), "hi");
    eprintln!(
        "attack: {held} handlers waiting on samples, {refused} refused as busy; \
         innocent answered in {:?}",
        started.elapsed()
    );
    (held, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sampling_starvation_attack_does_not_starve_a_fresh_session() {
    let (held, refused) = starvation_attack(Limits::default()).await;
    let cap = Limits::default().max_concurrent_requests_per_caller;
    assert_eq!(held, cap, "the attacking caller got its cap of handlers");
    assert_eq!(refused, 16 * 64 - cap);
}

/// The same attack with the per-caller cap out of the way: all 1,024 calls (the whole
/// server-wide pool) wait on samples, and the fresh session is still answered, because a
/// handler waiting on the client holds no server-wide slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_waiting_on_samples_hold_no_server_wide_slot() {
    let limits = Limits::default().max_concurrent_requests_per_caller(100_000);
    let (held, refused) = starvation_attack(limits).await;
    assert_eq!((held, refused), (16 * 64, 0));
}

#[tokio::test]
async fn over_http_a_request_that_gets_no_slot_in_time_is_a_503_with_retry_after() {
    let tools = Tools::default();
    let wait = Duration::from_millis(300);
    let limits = Limits::default()
        .max_concurrent_requests(1)
        .max_admission_wait(wait);
    let ep = start_http(server(&tools, limits)).await;
    let http = reqwest::Client::new();
    let s = Session::open(&http, &ep, json!({})).await;

    let gate = tokio::spawn(s.call(2, "gate", json!({})).send());
    tools.started().await;
    let before = Instant::now();
    assert_http_busy(s.call(3, "hi", json!({})).send().await.unwrap()).await;
    assert!(
        before.elapsed() >= wait,
        "refused only once the wait ran out"
    );

    // The stateless era (2026-07-28, outside any session) is bounded the same way.
    let stateless = post(&http, &ep.url, None)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "hi")
        .body(
            json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{
            "name": "hi", "arguments": {}, "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {}}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_http_busy(stateless).await;

    tools.0.release.add_permits(1);
    assert_eq!(gate.await.unwrap().unwrap().status(), 200);
    let r = s.call(5, "hi", json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn over_http_the_per_caller_cap_spans_sessions_and_spares_other_callers() {
    let tools = Tools::default();
    let limits = Limits::default()
        .max_concurrent_requests_per_caller(2)
        .max_admission_wait(Duration::from_secs(60));
    let ep = start_http(server(&tools, limits)).await;
    let one = client_from(Ipv4Addr::LOCALHOST);
    let (a, b, c) = (
        Session::open(&one, &ep, json!({})).await,
        Session::open(&one, &ep, json!({})).await,
        Session::open(&one, &ep, json!({})).await,
    );
    let gates = [
        tokio::spawn(a.call(2, "gate", json!({})).send()),
        tokio::spawn(b.call(2, "gate", json!({})).send()),
    ];
    tools.started().await;
    tools.started().await;

    // A third call of the same caller, in a third session, is refused at once (well within the
    // 60 s admission wait).
    let refused = tokio::time::timeout(Duration::from_secs(10), c.call(3, "hi", json!({})).send())
        .await
        .expect("refused at once, not queued")
        .unwrap();
    assert_http_busy(refused).await;

    // Another caller is not affected.
    let other = Session::open(&client_from(Ipv4Addr::new(127, 0, 0, 2)), &ep, json!({})).await;
    let r = other.call(2, "hi", json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);

    tools.0.release.add_permits(2);
    for g in gates {
        assert_eq!(g.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(
        c.call(4, "hi", json!({})).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn request_bytes_queued_for_a_slot_are_capped_server_wide() {
    let tools = Tools::default();
    let limits = Limits::default()
        .max_concurrent_requests(1)
        .max_queued_request_bytes(3_000)
        .max_admission_wait(Duration::from_secs(60));
    let ep = start_http(server(&tools, limits)).await;
    let http = reqwest::Client::new();
    let s = Session::open(&http, &ep, json!({})).await;
    let gate = tokio::spawn(s.call(2, "gate", json!({})).send());
    tools.started().await;

    // Two requests of 2,000 bytes each must wait for the slot: whichever comes first waits in the
    // queue, the other would take it past 3,000 bytes and is refused at once.
    let big = "x".repeat(2_000);
    let mut large = futures::stream::FuturesUnordered::new();
    for id in [3, 4] {
        large.push(tokio::spawn(
            s.call(id, "echo", json!({"text": big})).send(),
        ));
    }
    let refused = tokio::time::timeout(Duration::from_secs(10), large.next())
        .await
        .expect("one is refused at once, not queued")
        .unwrap()
        .unwrap()
        .unwrap();
    assert_http_busy(refused).await;
    // A small request still fits in the queue.
    let small = tokio::spawn(s.call(5, "echo", json!({"text": "small"})).send());

    tools.0.release.add_permits(1);
    assert_eq!(gate.await.unwrap().unwrap().status(), 200);
    let r = large.next().await.unwrap().unwrap().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(text(&r.json::<Value>().await.unwrap()), big);
    let r = small.await.unwrap().unwrap();
    assert_eq!(text(&r.json::<Value>().await.unwrap()), "small");
}
