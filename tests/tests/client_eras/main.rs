//! The client in both protocol eras against the toolkit's own dual-era server, over streamable
//! HTTP and over an in-memory stdio-style pipe: `Protocol::Auto` picks 2026-07-28 and fulfils
//! `input_required` rounds with the same handlers the handshake era uses for server requests;
//! it falls back to `initialize` for a server that does not know `server/discover`.

mod fallback;
mod handlers;
mod requests;
mod rounds;

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
/// Signalled each time [`STALL_DROPPED`] grows.
static STALL_DROPPED_CHANGED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Counts a stalled call whose future was dropped (cancelled).
struct CountDrop(bool);

impl Drop for CountDrop {
    fn drop(&mut self) {
        if !self.0 {
            STALL_DROPPED.fetch_add(1, Ordering::SeqCst);
            STALL_DROPPED_CHANGED.notify_waiters();
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
