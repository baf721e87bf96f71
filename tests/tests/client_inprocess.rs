//! The toolkit's client against a toolkit `Server` in the same process, over an in-memory pipe:
//! the failure cases that need control over both ends (connections closing mid-sample, answers
//! that never come, cancellation).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use toolsmith::client::{Client, ClientBuilder, ClientError, SamplingRequest};
use toolsmith::prelude::*;
use toolsmith::Limits;

/// Tools that report what happened to them on a channel the test reads, since a test cannot
/// always see the tool's answer (the connection may be gone by then).
struct Probe {
    events: mpsc::UnboundedSender<Event>,
}

#[derive(Debug, PartialEq)]
enum Event {
    Sampled(Result<String, SampleError>),
    Dropped,
}

/// Sends [`Event::Dropped`] when the tool's future is dropped before it finishes.
struct DropSignal<'a>(&'a mpsc::UnboundedSender<Event>, bool);

impl Drop for DropSignal<'_> {
    fn drop(&mut self) {
        if !self.1 {
            let _ = self.0.send(Event::Dropped);
        }
    }
}

#[tools]
impl Probe {
    /// Ask the client's model and report how it went.
    #[tool]
    async fn ask(&self, ctx: Context<'_>, question: String) -> String {
        let outcome = ctx.sample(question).max_tokens(10).await;
        let reply = match &outcome {
            Ok(r) => r.text(),
            Err(e) => format!("error: {e}"),
        };
        let _ = self.events.send(Event::Sampled(outcome.map(|r| r.text())));
        reply
    }

    /// Never finish on its own.
    #[tool]
    async fn stall(&self) -> String {
        let mut signal = DropSignal(&self.events, false);
        tokio::time::sleep(Duration::from_secs(30)).await;
        signal.1 = true;
        "finished".into()
    }

    /// Log at two levels.
    #[tool]
    async fn chatty(&self, ctx: Context<'_>) -> String {
        ctx.info("just so you know").await;
        ctx.error("something broke").await;
        "done".into()
    }
}

/// Serve a `Probe` in-process with `limits`; connect `builder` to it.
async fn start(
    limits: Limits,
    builder: ClientBuilder,
) -> (
    Client,
    mpsc::UnboundedReceiver<Event>,
    JoinHandle<Result<(), toolsmith::Error>>,
) {
    let (events, rx) = mpsc::unbounded_channel();
    let server = Server::new("probe", "1.0")
        .tools(Probe { events })
        .limits(limits);
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (server_read, server_write) = tokio::io::split(server_end);
    let serving = tokio::spawn(server.serve(server_read, server_write));
    let (read, write) = tokio::io::split(client_end);
    let client = builder.connect(read, write).await.expect("handshake");
    (client, rx, serving)
}

async fn next_event(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("no event within 5 s")
        .expect("the server is gone")
}

#[tokio::test]
async fn closing_the_client_mid_sample_fails_the_sample_with_connection_closed() {
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let builder = Client::builder("closer", "1")
        .close_timeout(Duration::from_secs(3))
        .sampling_handler(move |_| {
            let started = started_tx.clone();
            async move {
                started.send(()).unwrap();
                std::future::pending::<()>().await;
                Ok("never")
            }
        });
    let (client, mut events, serving) = start(Limits::default(), builder).await;
    let client = Arc::new(client);
    let c = Arc::clone(&client);
    let call = tokio::spawn(async move { c.call_tool("ask", json!({"question": "?"})).await });
    tokio::time::timeout(Duration::from_secs(5), started.recv())
        .await
        .expect("the sample reached the client");

    let started_closing = Instant::now();
    let closed = client.close().await.unwrap();
    assert!(
        started_closing.elapsed() < Duration::from_secs(3),
        "close waited for its timeout"
    );
    assert_eq!(closed.exit_status, None);
    assert_eq!(
        next_event(&mut events).await,
        Event::Sampled(Err(SampleError::ConnectionClosed))
    );
    // The client stopped sending but still read: the tool's last answer made it back.
    let result = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the call did not hang")
        .unwrap()
        .unwrap();
    assert!(
        result.text_content().contains("connection closed"),
        "{result:?}"
    );
    serving.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_sample_answered_too_late_times_out_and_the_late_answer_is_ignored() {
    let calls = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&calls);
    /// Reports when the handler's future is over: answered, or dropped when the server cancels.
    struct Over(mpsc::UnboundedSender<()>);
    impl Drop for Over {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (over_tx, mut over) = mpsc::unbounded_channel();
    let builder = Client::builder("slow-model", "1").sampling_handler(move |_| {
        let first = n.fetch_add(1, Ordering::SeqCst) == 0;
        let signal = Over(over_tx.clone());
        async move {
            let _signal = signal;
            if first {
                // The model is slow: that is what the test is about.
                tokio::time::sleep(Duration::from_millis(600)).await;
                Ok("too late")
            } else {
                Ok("in time")
            }
        }
    });
    let limits = Limits::default().sample_timeout(Duration::from_millis(200));
    let (client, mut events, _serving) = start(limits, builder).await;

    let started = Instant::now();
    let result = client
        .call_tool("ask", json!({"question": "first"}))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        next_event(&mut events).await,
        Event::Sampled(Err(SampleError::Timeout(Duration::from_millis(200))))
    );
    assert!(
        result.text_content().contains("did not answer"),
        "{result:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_millis(590),
        "the tool waited {elapsed:?}"
    );

    // Wait until the slow handler is over (cancelled by the server, or answering late: the
    // server ignores that answer); the next sample gets its own.
    tokio::time::timeout(Duration::from_secs(5), over.recv())
        .await
        .expect("the slow model's handler never ended")
        .expect("the handler is gone");
    let result = client
        .call_tool("ask", json!({"question": "second"}))
        .await
        .unwrap();
    assert_eq!(result.text_content(), "in time");
    assert_eq!(
        next_event(&mut events).await,
        Event::Sampled(Ok("in time".into()))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_request_timeout_cancels_the_call_on_the_server() {
    let builder = Client::builder("impatient", "1").request_timeout(Duration::from_millis(300));
    let (client, mut events, _serving) = start(Limits::default(), builder).await;
    let started = Instant::now();
    let err = client.call_tool("stall", json!({})).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Timeout { method, .. } if method == "tools/call"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // The client's `notifications/cancelled` made the server drop the tool.
    assert_eq!(next_event(&mut events).await, Event::Dropped);
    client.ping().await.unwrap();
}

#[tokio::test]
async fn concurrent_calls_share_one_client_and_their_samples_overlap() {
    // Each sample waits for the other: only concurrent calls, with samples answered
    // concurrently, can finish.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let builder = Client::builder("parallel", "1")
        .request_timeout(Duration::from_secs(5))
        .sampling_handler(move |req: SamplingRequest| {
            let barrier = Arc::clone(&barrier);
            async move {
                barrier.wait().await;
                Ok(format!("re: {}", req.last_user_text()))
            }
        });
    let (client, _events, _serving) = start(Limits::default(), builder).await;
    let (a, b) = tokio::join!(
        client.call_tool("ask", json!({"question": "one"})),
        client.call_tool("ask", json!({"question": "two"})),
    );
    assert_eq!(a.unwrap().text_content(), "re: one");
    assert_eq!(b.unwrap().text_content(), "re: two");
}

#[tokio::test]
async fn the_log_level_set_by_the_client_filters_server_logs() {
    let (logs_tx, mut logs) = mpsc::unbounded_channel();
    let builder = Client::builder("listener", "1").on_log(move |m| logs_tx.send(m).unwrap());
    let (client, _events, _serving) = start(Limits::default(), builder).await;
    client.set_log_level(LoggingLevel::Warning).await.unwrap();
    let result = client.call_tool("chatty", json!({})).await.unwrap();
    assert_eq!(result.text_content(), "done");
    let log = logs.try_recv().expect("the error-level log");
    assert_eq!(log.level, LoggingLevel::Error);
    assert_eq!(log.text(), "something broke");
    assert!(logs.try_recv().is_err(), "the info log was filtered out");
}

#[tokio::test]
async fn a_call_the_caller_stops_waiting_for_is_cancelled_on_the_server() {
    let (client, mut events, _serving) =
        start(Limits::default(), Client::builder("impatient", "1")).await;
    // The caller's own deadline, not the client's request timeout.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(200),
        client.call_tool("stall", json!({})),
    )
    .await;
    assert!(gave_up.is_err(), "the tool stalls for 30 s");
    // The dropped call sent `notifications/cancelled`: the server dropped the handler.
    assert_eq!(next_event(&mut events).await, Event::Dropped);
    // And the connection is fine.
    let out = client.call_tool("chatty", json!({})).await.unwrap();
    assert_eq!(out.content[0].as_text(), Some("done"));
}
