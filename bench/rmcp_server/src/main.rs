//! The benchmark server written with the official Rust SDK (`rmcp`), idiomatically: a
//! `#[tool_router]` impl block with `#[tool]` methods and `#[tool_handler]` on the
//! `ServerHandler`. Same tools and command line as `examples/bench_server.rs`:
//!
//! - `echo(text)` returns the text;
//! - `ask(question)` samples the client's model once and returns the answer's text;
//! - `--tools N` registers N extra trivial tools (`tool_0` .. `tool_{N-1}`);
//! - stdio by default, `--http ADDR` serves streamable HTTP at `/mcp`.

use std::sync::Arc;

use axum::serve::ListenerExt;
use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::handler::server::wrapper::Parameters;
#[allow(deprecated)] // sampling is deprecated by the 2026-07-28 revision; we speak 2025-11-25
use rmcp::model::{CreateMessageRequestParams, SamplingMessage, Tool};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{
    tool, tool_handler, tool_router, ErrorData, Peer, RoleServer, ServerHandler, ServiceExt,
};
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    /// The text to echo.
    text: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct AskArgs {
    /// The question for the client's model.
    question: String,
}

#[derive(Clone)]
struct Bench {
    tool_router: ToolRouter<Bench>,
}

#[tool_router]
impl Bench {
    fn new(extra_tools: usize) -> Self {
        let mut tool_router = Self::tool_router();
        let schema = rmcp::handler::server::common::schema_for_input::<EchoArgs>()
            .expect("an object schema");
        for i in 0..extra_tools {
            let attr = Tool::new(
                format!("tool_{i}"),
                format!("Trivial tool number {i}: returns its text."),
                Arc::clone(&schema),
            );
            tool_router.add_route(ToolRoute::new(attr, trivial));
        }
        Bench { tool_router }
    }

    /// Echo the text back.
    #[tool]
    async fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(
        description = "Ask the client's model a question (one sampling round trip) and return its answer."
    )]
    #[allow(deprecated)]
    async fn ask(
        &self,
        peer: Peer<RoleServer>,
        Parameters(AskArgs { question }): Parameters<AskArgs>,
    ) -> Result<String, ErrorData> {
        let reply = peer
            .create_message(CreateMessageRequestParams::new(
                vec![SamplingMessage::user_text(question)],
                64,
            ))
            .await
            .map_err(|e| ErrorData::internal_error(format!("sampling failed: {e}"), None))?;
        Ok(reply
            .message
            .content
            .first()
            .and_then(|c| c.as_text())
            .map(|t| t.text.clone())
            .unwrap_or_default())
    }
}

/// The extra tools' handler.
async fn trivial(Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
    text
}

// The router is kept in a field (rather than the default `Self::tool_router()`, rebuilt on every
// call) because `--tools N` adds routes at run time.
#[tool_handler(router = self.tool_router, name = "bench-rmcp", version = "0.1.0")]
impl ServerHandler for Bench {}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let extra: usize = match args.iter().position(|a| a == "--tools") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(0),
        None => 0,
    };
    match args.iter().position(|a| a == "--http") {
        Some(i) => {
            let addr = args.get(i + 1).map_or("127.0.0.1:8080", String::as_str);
            let service = StreamableHttpService::new(
                move || Ok(Bench::new(extra)),
                LocalSessionManager::default().into(),
                StreamableHttpServerConfig::default(),
            );
            let router = axum::Router::new().nest_service("/mcp", service);
            // TCP_NODELAY: rmcp answers a POST with an SSE stream written in several small
            // chunks (priming event, then the response); with Nagle's algorithm on, a keep-alive
            // client's delayed ACK stalls each response by ~40 ms. See BENCHMARKS.md.
            let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, router).await?;
        }
        None => {
            let service = Bench::new(extra).serve(rmcp::transport::stdio()).await?;
            service.waiting().await?;
        }
    }
    Ok(())
}
