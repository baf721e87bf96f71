//! Load and soak: many tool calls with 64 in flight, over stdio (in-process, and the
//! `sentiment_server` example as a child process answering with sampling) and over HTTP with a
//! sample in every call. Every id is answered exactly once, memory stays flat, time is bounded.
//!
//! Counts (environment, `_` separators allowed), defaults sized for a debug build on 2 cores:
//! `RELIABILITY_STDIO_CALLS` (100,000), `RELIABILITY_CHILD_CALLS` (20,000),
//! `RELIABILITY_HTTP_CALLS` (5,000), `RELIABILITY_IN_FLIGHT` (64). The tests run one at a time so
//! that their timings and memory readings are their own.

mod reliability_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, Semaphore};
use toolsmith::prelude::*;
use toolsmith::HttpConfig;
use toolsmith_tests::sse::SseReader;

use reliability_support::{env_usize, rss_kib, rss_kib_of, sample_answer, Http, Pipe};

/// The tests of this file run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// The most a run may grow the resident set, after warm-up.
const MAX_GROWTH_MIB: u64 = 64;

fn run<F: std::future::Future<Output = ()>>(f: F) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f);
}

/// Double a number.
#[tool]
async fn double(n: i64) -> String {
    (n * 2).to_string()
}

/// Ask the client's model, and put its answer next to the input.
#[tool]
async fn ask(n: i64, ctx: Context<'_>) -> Result<String, ToolError> {
    let reply = ctx.sample(format!("q{n}")).max_tokens(5).await?;
    Ok(format!("{n}:{}", reply.text()))
}

/// Which ids in `0..n` have been answered: each exactly once.
struct Ledger {
    seen: Mutex<Vec<bool>>,
    count: AtomicUsize,
}

impl Ledger {
    fn new(n: usize) -> Self {
        Ledger {
            seen: Mutex::new(vec![false; n]),
            count: AtomicUsize::new(0),
        }
    }

    fn record(&self, id: usize) {
        let mut seen = self.seen.lock().unwrap();
        assert!(id < seen.len(), "an answer to an id never sent: {id}");
        assert!(!seen[id], "id {id} answered twice");
        seen[id] = true;
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn assert_complete(&self) {
        let seen = self.seen.lock().unwrap();
        let missing: Vec<usize> = (0..seen.len()).filter(|i| !seen[*i]).take(10).collect();
        assert!(
            missing.is_empty(),
            "ids never answered (first 10): {missing:?}"
        );
    }
}

fn report(what: &str, n: usize, took: Duration, rss: (u64, u64)) {
    let grew = rss.1 as i64 - rss.0 as i64;
    eprintln!(
        "{what}: {n} calls in {took:.2?} ({:.0}/s); RSS {} -> {} MiB ({grew:+} KiB)",
        n as f64 / took.as_secs_f64(),
        rss.0 / 1024,
        rss.1 / 1024,
    );
    assert!(
        grew < (MAX_GROWTH_MIB * 1024) as i64,
        "{what}: RSS grew {grew} KiB"
    );
}

/// Drive `n` calls of `double` through an in-process stdio pipe, `window` in flight; return how
/// long it took.
async fn stdio_round(
    pipe: &mut Pipe,
    first: usize,
    n: usize,
    window: usize,
    ledger: &Arc<Ledger>,
) -> Duration {
    let permits = Arc::new(Semaphore::new(window));
    let started = Instant::now();
    let writer = {
        let permits = Arc::clone(&permits);
        let tx = &mut pipe.tx;
        async move {
            for i in first..first + n {
                permits.acquire().await.unwrap().forget();
                let frame = format!(
                    r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/call","params":{{"name":"double","arguments":{{"n":{i}}}}}}}"#
                );
                tx.send_bytes(frame.as_bytes()).await;
            }
        }
    };
    let reader = {
        let rx = &mut pipe.rx;
        async move {
            for _ in 0..n {
                let m = rx.next().await.expect("the server closed the connection");
                let id = m["id"].as_u64().unwrap_or_else(|| panic!("unexpected {m}")) as usize;
                let expected = (id * 2).to_string();
                assert_eq!(
                    m["result"]["content"][0]["text"].as_str(),
                    Some(expected.as_str()),
                    "{m}"
                );
                ledger.record(id);
                permits.add_permits(1);
            }
        }
    };
    tokio::join!(writer, reader);
    started.elapsed()
}

#[test]
fn stdio_in_process_soak_answers_every_call_once_in_flat_memory() {
    let n = env_usize("RELIABILITY_STDIO_CALLS", 100_000);
    let window = env_usize("RELIABILITY_IN_FLIGHT", 64);
    let warmup = 5_000;
    run(async move {
        let baseline_tasks = reliability_support::alive_tasks();
        let server = Server::new("load", "1").tool(double);
        let mut pipe = Pipe::initialized(server, json!({})).await;
        let ledger = Arc::new(Ledger::new(warmup + n));
        stdio_round(&mut pipe, 0, warmup, window, &ledger).await;
        let before = rss_kib();
        let took = stdio_round(&mut pipe, warmup, n, window, &ledger).await;
        let after = rss_kib();
        ledger.assert_complete();
        assert!(pipe.sync().await.is_empty(), "nothing but answers");
        pipe.close().await.unwrap();
        report("stdio (in-process)", n, took, (before, after));
        let left = reliability_support::settle_tasks(baseline_tasks).await;
        assert_eq!(left, baseline_tasks, "tasks left behind");
    });
}

#[test]
fn stdio_child_process_soak_with_sampling() {
    let n = env_usize("RELIABILITY_CHILD_CALLS", 20_000);
    let window = env_usize("RELIABILITY_IN_FLIGHT", 64);
    let warmup = 2_000;
    let binary = toolsmith_tests::interop::example_binary("sentiment_server");
    run(async move {
        let mut child = tokio::process::Command::new(binary)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start sentiment_server");
        let pid = child.id().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

        // One writer for the child's stdin: calls and sampling answers go through it.
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let writer = tokio::spawn(async move {
            while let Some(mut line) = out_rx.recv().await {
                line.push('\n');
                stdin.write_all(line.as_bytes()).await.unwrap();
                while let Ok(mut more) = out_rx.try_recv() {
                    more.push('\n');
                    stdin.write_all(more.as_bytes()).await.unwrap();
                }
                stdin.flush().await.unwrap();
            }
        });
        out.send(
            json!({"jsonrpc": "2.0", "id": "init", "method": "initialize",
            "params": reliability_support::initialize_params(json!({"sampling": {}}))})
            .to_string(),
        )
        .unwrap();
        let init: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(init["id"], "init", "{init}");
        out.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string())
            .unwrap();

        let total = warmup + n;
        let ledger = Arc::new(Ledger::new(total));
        let permits = Arc::new(Semaphore::new(window));
        let samples = Arc::new(AtomicUsize::new(0));
        let sender = {
            let (out, permits) = (out.clone(), Arc::clone(&permits));
            tokio::spawn(async move {
                for i in 0..total {
                    permits.acquire().await.unwrap().forget();
                    let label = ["good", "bad", "meh"][i % 3];
                    out.send(format!(
                        r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/call","params":{{"name":"analyze_sentiment","arguments":{{"text":"{label} {i}"}}}}}}"#
                    ))
                    .unwrap();
                }
            })
        };
        let mut rss_warm = 0;
        let mut warm_at = Instant::now();
        let mut done = 0;
        while done < total {
            let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
                .await
                .expect("the child stopped answering")
                .unwrap()
                .expect("the child closed its output");
            let m: Value = serde_json::from_str(&line).unwrap();
            if m["method"] == "sampling/createMessage" {
                // The model: the first word of the text decides.
                let text = m["params"]["messages"][0]["content"]["text"]
                    .as_str()
                    .unwrap();
                let label = match text.split(' ').next() {
                    Some("good") => "positive",
                    Some("bad") => "negative",
                    _ => "neutral",
                };
                samples.fetch_add(1, Ordering::Relaxed);
                out.send(
                    json!({"jsonrpc": "2.0", "id": m["id"], "result": sample_answer(label)})
                        .to_string(),
                )
                .unwrap();
                continue;
            }
            let id = m["id"].as_u64().unwrap_or_else(|| panic!("unexpected {m}")) as usize;
            let want = ["positive", "negative", "neutral"][id % 3];
            assert_eq!(m["result"]["structuredContent"]["label"], want, "{m}");
            ledger.record(id);
            permits.add_permits(1);
            done += 1;
            if done == warmup {
                rss_warm = rss_kib_of(pid);
                warm_at = Instant::now();
            }
        }
        let took = warm_at.elapsed();
        let rss_end = rss_kib_of(pid);
        sender.await.unwrap();
        ledger.assert_complete();
        assert_eq!(
            samples.load(Ordering::Relaxed),
            total,
            "one sample per call"
        );
        drop(out);
        writer.await.unwrap();
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("the child exits once its stdin closes")
            .unwrap();
        assert!(status.success(), "{status}");
        report(
            "stdio (sentiment_server child, 1 sample per call)",
            n,
            took,
            (rss_warm, rss_end),
        );
    });
}

/// One call of `ask` over HTTP: the sample arrives on the call's SSE stream, the answer goes in a
/// separate POST, the response ends the stream.
async fn http_call(c: &Http, i: usize, ledger: &Ledger) {
    let r = c
        .post()
        .body(
            json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {"name": "ask", "arguments": {"n": i}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut events = SseReader::new(r);
    let (_, asked) = events.next_message().await.expect("a sampling request");
    assert_eq!(asked["method"], "sampling/createMessage", "{asked}");
    let q = asked["params"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let answer = json!({"jsonrpc": "2.0", "id": asked["id"], "result": sample_answer(&q)});
    assert_eq!(c.post_json(&answer).await.status, 202);
    let (_, done) = events.next_message().await.expect("the response");
    assert!(
        events.next_message().await.is_none(),
        "the stream ends after the response"
    );
    assert_eq!(
        done["result"]["content"][0]["text"],
        format!("{i}:{q}"),
        "{done}"
    );
    ledger.record(done["id"].as_u64().unwrap() as usize);
}

#[test]
fn http_soak_with_a_sample_in_every_call() {
    let n = env_usize("RELIABILITY_HTTP_CALLS", 5_000);
    let window = env_usize("RELIABILITY_IN_FLIGHT", 64);
    let sessions = 8;
    run(async move {
        let server = Server::new("load-http", "1").tool(ask);
        let base = Http::start(server, HttpConfig::default()).await;
        let mut clients = Vec::new();
        for _ in 0..sessions {
            let mut c = Http {
                url: base.url.clone(),
                http: base.http.clone(),
                session: None,
            };
            c.initialize(json!({"sampling": {}})).await;
            clients.push(Arc::new(c));
        }
        // Ids 0..n for the run, then one warm-up call per session.
        let ledger = Arc::new(Ledger::new(n + sessions));
        let next = Arc::new(AtomicUsize::new(0));
        let worker = |k: usize| {
            let (c, ledger, next) = (
                Arc::clone(&clients[k % sessions]),
                Arc::clone(&ledger),
                Arc::clone(&next),
            );
            async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    http_call(&c, i, &ledger).await;
                }
            }
        };
        // Warm up, then measure.
        for (k, c) in clients.iter().enumerate() {
            http_call(c, n + k, &ledger).await;
        }
        let before = rss_kib();
        let started = Instant::now();
        futures::future::join_all((0..window).map(|k| tokio::spawn(worker(k))))
            .await
            .into_iter()
            .for_each(|r| r.unwrap());
        let took = started.elapsed();
        let after = rss_kib();
        ledger.assert_complete();
        for c in &clients {
            assert_eq!(c.delete().await, 200);
        }
        report(
            "http (8 sessions, 1 sample per call)",
            n,
            took,
            (before, after),
        );
    });
}

/// `Server::serve_http` serves with Nagle's algorithm on: every small SSE write of a sampling
/// round trip can wait for the client's delayed ACK, ~40 ms a call for a client that makes one
/// call at a time (measured: 35 calls/s, against 457/s with TCP_NODELAY, debug build).
#[test]
fn serve_http_sampling_round_trips_wait_for_no_delayed_ack() {
    run(async {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = Server::new("nagle", "1").tool(ask);
        tokio::spawn(server.serve_http(format!("127.0.0.1:{port}")));
        let url = format!("http://127.0.0.1:{port}/mcp");
        // Poll for the event (the server accepts connections), within a bound.
        let deadline = tokio::time::Instant::now() + reliability_support::WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "serve_http never listened on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut c = Http {
            url,
            http: reqwest::Client::new(),
            session: None,
        };
        c.initialize(json!({"sampling": {}})).await;
        let calls = 50;
        let ledger = Ledger::new(calls);
        let started = Instant::now();
        for i in 0..calls {
            http_call(&c, i, &ledger).await;
        }
        let each = started.elapsed() / calls as u32;
        eprintln!("serve_http: one sampling call at a time takes {each:?}");
        assert!(each < Duration::from_millis(15), "{each:?} a call");
    });
}
