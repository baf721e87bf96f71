//! Faults: handlers that panic, clients that vanish mid-call or mid-sample, cancellations,
//! sampling answers that never come, come twice, come late or come as garbage. In each case the
//! server answers what it can, drops what it must, keeps serving, and leaves no task behind.
//!
//! Handler lifetimes are observed from inside: each probe tool holds a guard that counts whether
//! it finished or was dropped unfinished. Tasks are counted with the runtime's own metrics.

#[path = "../reliability_support/mod.rs"]
mod reliability_support;

mod cancellation;
mod disconnects;
mod panics;
mod sampling_answers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits};
use toolsmith_tests::sse::SseReader;

use reliability_support::{alive_tasks, sample_answer, settle_tasks, Http, Lifetimes, Pipe};
use toolsmith_tests::logs::Logs;

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
