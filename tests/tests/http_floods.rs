//! Session floods and memory held for peers (issue 12), over streamable HTTP: sessions that do
//! nothing after `initialize` expire sooner, a caller's sessions are capped, GET streams neither
//! live forever nor keep a session alive, and SSE replay buffers are bounded by bytes.
//!
//! Time is the subject of several tests: they configure short timeouts and wait past them.

mod reliability_support;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};
use toolsmith_tests::sse::SseReader;

use reliability_support::{read_reply, Http};

/// Report progress `n` times with a message of `size` bytes, then answer.
#[tool]
async fn chatty(n: u32, size: usize, ctx: Context<'_>) -> String {
    let message = "m".repeat(size);
    for i in 1..=n {
        ctx.report_progress(f64::from(i), None, Some(&message))
            .await;
    }
    "done".into()
}

/// Sample with a prompt of `size` bytes.
#[tool]
async fn ask_big(size: usize, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample("q".repeat(size)).max_tokens(5).await?.text())
}

fn server() -> Server {
    Server::new("floods", "1").tool(chatty).tool(ask_big)
}

fn ping(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

/// Serve `server` on loopback with connection info, so each request knows its peer's address.
async fn start_with_peers(server: Server, config: HttpConfig) -> Http {
    let router = server.into_http_router(config).expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve")
    });
    Http {
        url: format!("http://{addr}/mcp"),
        http: reqwest::Client::new(),
        session: None,
    }
}

/// Another client of the same endpoint, without a session.
fn client(base: &Http) -> Http {
    Http {
        url: base.url.clone(),
        http: base.http.clone(),
        session: None,
    }
}

/// Open the session's GET stream.
async fn get(http: &Http, last_event_id: Option<&str>) -> reqwest::Response {
    let mut r = http
        .http
        .get(&http.url)
        .header("accept", "text/event-stream")
        .header(
            "mcp-session-id",
            http.session.as_deref().expect("a session"),
        );
    if let Some(id) = last_event_id {
        r = r.header("last-event-id", id);
    }
    r.send().await.expect("GET")
}

/// Read an SSE body to its end; the events read. Panics if it does not end within the reader's
/// wait.
async fn read_to_end(response: reqwest::Response) -> Vec<toolsmith_tests::sse::SseEvent> {
    let mut reader = SseReader::new(response);
    let mut events = Vec::new();
    while let Some(e) = reader.next().await {
        events.push(e);
    }
    events
}

// ---------------------------------------------------------------------------------------------
// Session floods.

#[tokio::test]
async fn a_session_that_did_nothing_after_initialize_expires_sooner() {
    let config = HttpConfig::default()
        .session_idle_timeout(Duration::from_secs(600))
        .new_session_idle_timeout(Duration::from_millis(200));
    let base = Http::start(server(), config).await;
    let mut idle = client(&base);
    idle.initialize(json!({})).await;
    let mut used = client(&base);
    used.initialize(json!({})).await;
    assert_eq!(used.call(&ping(1)).await["result"], json!({}));
    // A second notification is use too (the first is `notifications/initialized`).
    let mut notified = client(&base);
    notified.initialize(json!({})).await;
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 99}});
    assert_eq!(notified.post_json(&cancel).await.status, 202);

    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(idle.post_json(&ping(2)).await.status, 404);
    assert_eq!(used.post_json(&ping(3)).await.status, 200);
    assert_eq!(notified.post_json(&ping(4)).await.status, 200);
}

#[tokio::test]
async fn an_open_get_stream_does_not_keep_a_session_alive() {
    let config = HttpConfig::default().session_idle_timeout(Duration::from_millis(300));
    let mut http = Http::start(server(), config).await;
    http.initialize(json!({})).await;
    assert_eq!(http.call(&ping(1)).await["result"], json!({}));
    let stream = get(&http, None).await;
    assert_eq!(stream.status(), 200);
    // The session expires under the open stream, and the stream ends with it.
    let events = read_to_end(stream).await;
    assert!(events.iter().all(|e| e.data.is_empty()), "{events:?}");
    assert_eq!(http.post_json(&ping(2)).await.status, 404);
}

#[tokio::test]
async fn a_get_stream_ends_after_its_lifetime_and_the_client_reconnects() {
    let config = HttpConfig::default()
        .max_stream_lifetime(Duration::from_millis(200))
        .sse_retry(Duration::from_millis(250));
    let mut http = Http::start(server(), config).await;
    http.initialize(json!({})).await;
    assert_eq!(http.call(&ping(1)).await["result"], json!({}));
    for round in 0..2 {
        let stream = get(&http, None).await;
        assert_eq!(stream.status(), 200, "round {round}");
        let events = read_to_end(stream).await;
        // The priming event tells the client how soon to come back.
        assert_eq!(events[0].retry, Some(250), "{events:?}");
        // Ended by the server, the stream let go of the session's one-GET slot at once.
    }
    // Resuming the standalone stream with Last-Event-ID takes that same slot.
    let first = get(&http, Some("0-0")).await;
    assert_eq!(first.status(), 200);
    let second = get(&http, Some("0-0")).await;
    assert_eq!(second.status(), 409);
    read_to_end(first).await;
    assert_eq!(http.call(&ping(2)).await["result"], json!({}));
}

#[tokio::test]
async fn initialize_beyond_the_callers_session_cap_gets_503() {
    let config = HttpConfig::default().max_sessions_per_caller(3);
    let base = start_with_peers(server(), config).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = client(&base);
        c.initialize(json!({})).await;
        held.push(c);
    }
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": reliability_support::initialize_params(json!({}))});
    let r = base
        .post()
        .body(init.to_string())
        .send()
        .await
        .expect("POST");
    let retry_after = r.headers().get("retry-after").cloned();
    let r = read_reply(r).await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.content_type, "application/json");
    assert!(r.session.is_none());
    let body = r.json();
    let message = body["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("too many sessions for this caller") && message.contains("(3)"),
        "{message}"
    );
    // The "server busy" error a refused request gets from admission, to the initialize's id.
    assert_eq!(body["id"], 0, "{body}");
    assert_eq!(
        body["error"]["code"],
        toolsmith::protocol::codes::SERVER_BUSY,
        "{body}"
    );
    let retry_after = retry_after.expect("no Retry-After");
    assert_eq!(
        body["error"]["data"]["retryAfter"].to_string(),
        retry_after.to_str().unwrap(),
        "{body}"
    );
    // Ending one makes room for one.
    assert_eq!(held.pop().unwrap().delete().await, 200);
    let mut c = client(&base);
    c.initialize(json!({})).await;
    assert_eq!(c.call(&ping(1)).await["result"], json!({}));
}

// ---------------------------------------------------------------------------------------------
// Replay buffers bounded by bytes.

/// Call `chatty` with a progress token and read the SSE response whole: the stream's id, and the
/// sequence numbers read, checking they increase and end with the response.
async fn chatty_call(http: &Http, id: u64, n: u32, size: usize) -> (u64, Vec<u64>) {
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "chatty", "arguments": {"n": n, "size": size}, "_meta": {"progressToken": id}}});
    let r = http
        .post()
        .body(call.to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let mut reader = SseReader::new(r);
    let (mut stream, mut seqs, mut last) = (None, Vec::new(), Value::Null);
    while let Some((event_id, message)) = reader.next_message().await {
        let event_id = event_id.expect("an event id");
        let (s, seq) = event_id.split_once('-').expect("stream-seq");
        let (s, seq): (u64, u64) = (s.parse().unwrap(), seq.parse().unwrap());
        assert_eq!(*stream.get_or_insert(s), s);
        assert!(
            seqs.last().is_none_or(|&prev| seq > prev),
            "{seqs:?} then {seq}"
        );
        seqs.push(seq);
        last = message;
    }
    assert_eq!(last["result"]["content"][0]["text"], "done", "{last}");
    assert_eq!(seqs.last(), Some(&(u64::from(n) + 1)));
    (stream.expect("events"), seqs)
}

#[tokio::test]
async fn replay_past_the_sessions_bytes_drops_the_oldest_and_refuses_to_resume_there() {
    // 40 progress messages of about 1.1 KiB each, in a budget of 16 KiB. (A reader that falls
    // behind by more than the budget misses the oldest too; the response, newest, always comes.)
    let config = HttpConfig::default().max_replay_bytes_per_session(16 * 1024);
    let mut http = Http::start(server(), config).await;
    http.initialize(json!({})).await;
    let (stream, _) = chatty_call(&http, 1, 40, 1024).await;

    // Resuming after the first event would miss dropped ones: refused, with a clear answer.
    let r = read_reply(get(&http, Some(&format!("{stream}-1"))).await).await;
    assert_eq!(r.status, 404, "{r:?}");
    let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("were dropped"), "{message}");

    // Resuming near the end replays what is kept: the last progress and the response.
    let mut replayed = SseReader::new(get(&http, Some(&format!("{stream}-39"))).await);
    let (id, _) = replayed.next_message().await.expect("the last progress");
    assert_eq!(id, Some(format!("{stream}-40")));
    let (_, response) = replayed.next_message().await.expect("the response");
    assert_eq!(response["result"]["content"][0]["text"], "done");
    assert!(replayed.next_message().await.is_none());
}

#[tokio::test]
async fn replay_past_the_servers_bytes_drops_from_the_biggest_session() {
    let config = HttpConfig::default().max_replay_bytes(24 * 1024);
    let base = Http::start(server(), config).await;
    let mut small = client(&base);
    small.initialize(json!({})).await;
    let mut big = client(&base);
    big.initialize(json!({})).await;
    let (kept, _) = chatty_call(&small, 1, 4, 1024).await;
    let (flood, _) = chatty_call(&big, 2, 40, 1024).await;
    // The big session's early events went; the small session's are all still there.
    let r = read_reply(get(&big, Some(&format!("{flood}-1"))).await).await;
    assert_eq!(r.status, 404, "{r:?}");
    let mut replay = SseReader::new(get(&small, Some(&format!("{kept}-0"))).await);
    for seq in 1..=5 {
        let (id, _) = replay.next_message().await.expect("a kept event");
        assert_eq!(id, Some(format!("{kept}-{seq}")));
    }
}

// ---------------------------------------------------------------------------------------------
// Server-to-client asks bounded by bytes.

#[tokio::test]
async fn an_ask_beyond_the_sessions_pending_bytes_fails_at_once() {
    let limits = Limits::default().max_pending_client_request_bytes(4096);
    let mut http = Http::start(server().limits(limits), HttpConfig::default()).await;
    http.initialize(json!({"sampling": {}})).await;
    let call = |id: u64, size: usize| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "ask_big", "arguments": {"size": size}}})
    };
    // Within the bound the request goes to the client (and waits for its answer).
    let small = http
        .post()
        .body(call(1, 1000).to_string())
        .send()
        .await
        .expect("POST");
    let mut small = SseReader::new(small);
    let (_, ask) = small.next_message().await.expect("a sampling request");
    assert_eq!(ask["method"], "sampling/createMessage", "{ask}");
    // Another that would take the params waiting past 4 KiB fails without being sent.
    let r = http.call(&call(2, 3500)).await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("too many requests to the client"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// `subscriptions/listen` streams (2026-07-28) per caller.

/// POST a stateless-era `subscriptions/listen` outside any session.
async fn listen(http: &Http, id: u64, notifications: Value) -> reqwest::Response {
    let mut params = json!({"notifications": notifications});
    params["_meta"] = reliability_support::stateless_meta();
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
        "params": params});
    http.post()
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "subscriptions/listen")
        .body(body.to_string())
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn listen_streams_beyond_the_callers_cap_are_refused() {
    let limits = Limits::default()
        .max_listen_streams_per_caller(2)
        .max_listen_bytes_per_caller(1024);
    let http = start_with_peers(server().limits(limits), HttpConfig::default()).await;
    let mut open = Vec::new();
    for id in 1..=2 {
        let r = listen(&http, id, json!({"toolsListChanged": true})).await;
        assert_eq!(r.status(), 200);
        let mut stream = SseReader::new(r);
        let (_, ack) = stream.next_message().await.expect("acknowledged");
        assert_eq!(
            ack["method"], "notifications/subscriptions/acknowledged",
            "{ack}"
        );
        open.push(stream);
    }
    let r = read_reply(listen(&http, 3, json!({"toolsListChanged": true})).await).await;
    assert_eq!(r.status, 400, "{r:?}");
    let error = &r.json()["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("too many listen streams"),
        "{error}"
    );
    // Ordinary requests are not affected.
    assert_eq!(list_tools(&http).await["result"]["resultType"], "complete");
}

#[tokio::test]
async fn listen_filters_beyond_the_callers_bytes_are_refused() {
    let limits = Limits::default().max_listen_bytes_per_caller(1024);
    let http = start_with_peers(server().limits(limits), HttpConfig::default()).await;
    let uri = format!("config://{}", "x".repeat(1000));
    let r = read_reply(listen(&http, 1, json!({"resourceSubscriptions": [uri]})).await).await;
    assert_eq!(r.status, 400, "{r:?}");
    let error = &r.json()["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("listen filters too large"),
        "{error}"
    );
}

/// A stateless-era `tools/list`, answered at once.
async fn list_tools(http: &Http) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list",
        "params": {"_meta": reliability_support::stateless_meta()}});
    let r = http
        .post()
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/list")
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    read_reply(r).await.json()
}
