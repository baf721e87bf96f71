//! The benchmark server (see BENCHMARKS.md): the same tools as the comparison servers written with
//! rmcp, the Python SDK and FastMCP.
//!
//! - `echo(text)` returns the text;
//! - `ask(question)` samples the client's model once and returns the answer's text;
//! - `--tools N` registers N extra trivial tools (`tool_0` .. `tool_{N-1}`), for `tools/list`;
//! - stdio by default, `--http ADDR` serves streamable HTTP at `/mcp`.
//!
//! `cargo run --release --example bench_server -- --http 127.0.0.1:8080`

use toolsmith::prelude::*;
use toolsmith::{ToolDef, ToolMeta};

/// Echo the text back.
#[tool]
async fn echo(text: String) -> String {
    text
}

/// Ask the client's model a question (one sampling round trip) and return its answer.
#[tool]
async fn ask(question: String, ctx: Context<'_>) -> Result<String, SampleError> {
    Ok(ctx.sample(question).max_tokens(64).await?.text())
}

/// The arguments of the extra tools.
#[derive(Deserialize, JsonSchema)]
struct TrivialArgs {
    /// Any text; it is returned.
    text: String,
}

/// An extra tool named at run time (`#[tool]` names are fixed at compile time).
fn trivial(i: usize) -> ToolDef {
    let meta = ToolMeta {
        name: String::leak(format!("tool_{i}")),
        description: Some(String::leak(format!(
            "Trivial tool number {i}: returns its text."
        ))),
        ..Default::default()
    };
    ToolDef::from_fn(meta, None, |_ctx, args: TrivialArgs| {
        Box::pin(async move { CallToolResult::text(args.text) })
    })
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let extra: usize = value("--tools").and_then(|n| n.parse().ok()).unwrap_or(0);
    let server = (0..extra).fold(
        Server::new("bench-toolsmith", env!("CARGO_PKG_VERSION"))
            .tool(echo)
            .tool(ask),
        |server, i| server.tool(trivial(i)),
    );
    match value("--http") {
        Some(addr) => server.serve_http(addr).await,
        None => server.serve_stdio().await,
    }
}
