//! The in-memory continuation of multi round-trip requests (2026-07-28): a retry that reaches the
//! process still holding the suspended handler resumes it (the handler runs once), and every
//! other retry (keep-alive off, another replica, the same state a second time) replays it from the
//! `requestState` with the same result. A forged state, or another caller's, resumes nothing.

mod reliability_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::auth::{AuthInfo, BoxFuture, TokenVerifier, VerifyError};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits, ResourceServer};

use reliability_support::{sample_answer, stateless_meta, Http, Pipe};

const KEY: &[u8] = b"continuation-test-key-0123456789abcdef";

/// Counts how often its handler starts.
#[derive(Default)]
struct Counted {
    runs: AtomicUsize,
}

#[tools]
impl Counted {
    /// Ask the model once; with "log" in the question, log after the answer.
    #[tool]
    async fn ask(&self, question: String, ctx: Context<'_>) -> Result<String, ToolError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let answer = ctx.sample(question.clone()).max_tokens(10).await?.text();
        if question.contains("log") {
            ctx.info(json!({"after": answer})).await;
        }
        Ok(answer)
    }
}

fn server(counted: &Arc<Counted>, limits: Limits) -> Server {
    Server::new("continuation", "1")
        .tools_shared(Arc::clone(counted))
        .request_state_key(KEY)
        .limits(limits)
}

fn call(question: &str, extra: Value) -> Value {
    let mut meta = stateless_meta();
    meta["io.modelcontextprotocol/logLevel"] = json!("info");
    let mut params = json!({"name": "ask", "arguments": {"question": question}, "_meta": meta});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    params
}

/// Round 1's answer: the retry's params (answering its one ask with `text`).
fn retry_of(round1: &Value, question: &str, text: &str) -> Value {
    assert_eq!(round1["result"]["resultType"], "input_required", "{round1}");
    let key = round1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    call(
        question,
        json!({"inputResponses": {key: sample_answer(text)},
               "requestState": round1["result"]["requestState"]}),
    )
}

fn text(r: &Value) -> &str {
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
    r["result"]["content"][0]["text"].as_str().unwrap()
}

#[tokio::test]
async fn a_retry_on_the_same_process_resumes_the_suspended_handler() {
    let counted = Arc::new(Counted::default());
    let mut pipe = Pipe::start(server(&counted, Limits::default()));
    let q = "capital? (log)";
    let r1 = pipe
        .request(json!(1), "tools/call", call(q, json!({})))
        .await;
    let r2 = pipe
        .request(json!(2), "tools/call", retry_of(&r1, q, "Paris"))
        .await;
    assert_eq!(text(&r2), "Paris");
    assert_eq!(
        counted.runs.load(Ordering::SeqCst),
        1,
        "resumed, not run again"
    );
    // What the resumed handler logged came through (relayed to this request).
    let logged = pipe.sync().await;
    let log = logged
        .iter()
        .find(|m| m["method"] == "notifications/message")
        .unwrap_or_else(|| panic!("the resumed handler's log: {logged:?}"));
    assert_eq!(log["params"]["data"]["after"], "Paris", "{log}");
}

#[tokio::test]
async fn without_a_keep_alive_the_handler_is_replayed() {
    let counted = Arc::new(Counted::default());
    let limits = Limits::default().continuation_keep_alive(Duration::ZERO);
    let mut pipe = Pipe::start(server(&counted, limits));
    let r1 = pipe
        .request(json!(1), "tools/call", call("q", json!({})))
        .await;
    let r2 = pipe
        .request(json!(2), "tools/call", retry_of(&r1, "q", "Rome"))
        .await;
    assert_eq!(text(&r2), "Rome");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 2, "replayed");
}

#[tokio::test]
async fn a_retry_elsewhere_or_a_second_time_is_replayed() {
    let counted = Arc::new(Counted::default());
    let mut a = Pipe::start(server(&counted, Limits::default()));
    let mut b = Pipe::start(server(&counted, Limits::default()));
    let r1 = a
        .request(json!(1), "tools/call", call("q", json!({})))
        .await;
    let retry = retry_of(&r1, "q", "Oslo");
    // Another replica with the same key: it holds nothing, so it replays.
    let elsewhere = b.request(json!(1), "tools/call", retry.clone()).await;
    assert_eq!(text(&elsewhere), "Oslo");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 2);
    // The replica that holds it resumes it...
    let here = a.request(json!(2), "tools/call", retry.clone()).await;
    assert_eq!(text(&here), "Oslo");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 2, "resumed");
    // ...once: the same state again is replayed.
    let again = a.request(json!(3), "tools/call", retry).await;
    assert_eq!(text(&again), "Oslo");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 3, "replayed");
}

/// Two callers: `alice-token` and `bob-token`.
struct Two;

impl TokenVerifier for Two {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(async move {
            match token {
                "alice-token" => Ok(AuthInfo::new("alice")),
                "bob-token" => Ok(AuthInfo::new("bob")),
                _ => Err(VerifyError::Invalid("unknown".into())),
            }
        })
    }
}

#[tokio::test]
async fn another_callers_or_a_forged_state_resumes_nothing() {
    let counted = Arc::new(Counted::default());
    let rs = ResourceServer::new("https://mcp.example.test/mcp", Two).unwrap();
    let http = Http::start(
        server(&counted, Limits::default()),
        HttpConfig::default().oauth(rs),
    )
    .await;
    let post = |id: u64, token: &str, params: Value| {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
        let r = http
            .post()
            .header("authorization", format!("Bearer {token}"))
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "ask")
            .body(body.to_string())
            .send();
        async move { r.await.unwrap().json::<Value>().await.unwrap() }
    };
    let r1 = post(1, "alice-token", call("q", json!({}))).await;
    let retry = retry_of(&r1, "q", "Lima");
    // Bob cannot finish (or resume) Alice's call with her state...
    let bob = post(2, "bob-token", retry.clone()).await;
    let message = bob["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("caller"), "{bob}");
    // ...nor can a forged state.
    let mut forged = retry.clone();
    let mut token = forged["requestState"].as_str().unwrap().to_owned();
    token.insert(token.len() / 2, 'x');
    forged["requestState"] = json!(token);
    let bad = post(3, "alice-token", forged).await;
    let message = bad["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("integrity"), "{bad}");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 1);
    // Alice's own retry, over another HTTP request, still resumes her handler.
    let alice = post(4, "alice-token", retry).await;
    assert_eq!(text(&alice), "Lima");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 1, "resumed");
}

/// A resume compares the retry's arguments with those the kept handler was started with (no
/// digest of them is made): a retry with other arguments resumes nothing and is refused, and the
/// kept handler is dropped, so the rightful retry replays it.
#[tokio::test]
async fn a_retry_with_other_arguments_resumes_nothing() {
    let counted = Arc::new(Counted::default());
    let mut pipe = Pipe::start(server(&counted, Limits::default()));
    let r1 = pipe
        .request(json!(1), "tools/call", call("q", json!({})))
        .await;
    let mut other = retry_of(&r1, "q", "Oslo");
    other["arguments"]["question"] = json!("another question");
    let refused = pipe.request(json!(2), "tools/call", other).await;
    let message = refused["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("arguments"), "{refused}");
    let r2 = pipe
        .request(json!(3), "tools/call", retry_of(&r1, "q", "Oslo"))
        .await;
    assert_eq!(text(&r2), "Oslo");
    assert_eq!(
        counted.runs.load(Ordering::SeqCst),
        2,
        "dropped, then replayed"
    );
}

/// A kept handler resumes only while its state is good: a retry whose state has expired is
/// refused as expired, as a replay's would be, although the handler is still kept (the
/// keep-alive is longer than the state's life here).
#[tokio::test]
async fn an_expired_state_resumes_nothing() {
    let counted = Arc::new(Counted::default());
    let limits = Limits::default()
        .request_state_ttl(Duration::from_millis(1))
        .continuation_keep_alive(Duration::from_secs(60));
    let mut pipe = Pipe::start(server(&counted, limits));
    let r1 = pipe
        .request(json!(1), "tools/call", call("q", json!({})))
        .await;
    let retry = retry_of(&r1, "q", "Oslo");
    // The state's expiry is in milliseconds since the epoch: the wait is for the clock to pass it.
    std::thread::sleep(Duration::from_millis(5));
    let late = pipe.request(json!(2), "tools/call", retry).await;
    let message = late["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("expired"), "{late}");
    assert_eq!(counted.runs.load(Ordering::SeqCst), 1);
}
