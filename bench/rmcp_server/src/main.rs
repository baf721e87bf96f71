//! The benchmark server written with the official Rust SDK (`rmcp`), idiomatically: a
//! `#[tool_router]` impl block with `#[tool]` methods and `#[tool_handler]` on the
//! `ServerHandler`. Same tools and command line as `examples/bench_server.rs`:
//!
//! - `echo(text)` returns the text;
//! - `ask(question)` samples the client's model once and returns the answer's text;
//! - `--tools N` registers N extra trivial tools (`tool_0` .. `tool_{N-1}`);
//! - stdio by default (`rmcp::transport::stdio()`), `--pipes` for rmcp's faster
//!   `rmcp::transport::io::stdio_pipes()`, `--http ADDR` serves streamable HTTP at `/mcp`;
//! - `--ask mrtr` registers `ask` written for protocol 2026-07-28's multi round-trip requests, the
//!   way rmcp's MRTR docs describe a hand-written handler: round 1 returns an
//!   `InputRequiredResult` with a `sampling/createMessage` input request, the retry reads the
//!   answer from `InputResponses`. (Its `requestState` is a plain label, not sealed: rmcp leaves
//!   sealing to the optional `request-state` feature; this favours rmcp.)

use std::sync::Arc;

use axum::serve::ListenerExt;
use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::handler::server::tool::{InputResponses, RequestState};
use rmcp::handler::server::wrapper::Parameters;
#[allow(deprecated)] // sampling is deprecated by the 2026-07-28 revision; we speak 2025-11-25
use rmcp::model::{
    CallToolResponse, CallToolResult, ContentBlock, CreateMessageRequest,
    CreateMessageRequestParams, CreateMessageResult, InputRequest, InputRequests,
    InputRequiredResult, SamplingMessage, Tool,
};
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
    fn new(extra_tools: usize, mrtr: bool) -> Self {
        let mut tool_router = Self::tool_router();
        if mrtr {
            let schema = rmcp::handler::server::common::schema_for_input::<AskArgs>()
                .expect("an object schema");
            let attr = Tool::new(
                "ask",
                "Ask the client's model a question (one multi round-trip sampling request) and return its answer.",
                schema,
            );
            tool_router.remove_route("ask");
            tool_router.add_route(ToolRoute::new(attr, ask_mrtr));
        }
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

/// `ask` over multi round-trip requests (2026-07-28): ask for a sample, then answer with it.
#[allow(deprecated)]
async fn ask_mrtr(
    Parameters(AskArgs { question }): Parameters<AskArgs>,
    InputResponses(responses): InputResponses,
    RequestState(_state): RequestState,
) -> Result<CallToolResponse, ErrorData> {
    if let Some(answer) = responses.as_ref().and_then(|r| r.get("sample")) {
        let reply: CreateMessageResult = serde_json::from_value(answer.clone())
            .map_err(|e| ErrorData::invalid_params(format!("bad sampling answer: {e}"), None))?;
        let text = reply
            .message
            .content
            .first()
            .and_then(|c| c.as_text())
            .map(|t| t.text.clone())
            .unwrap_or_default();
        return Ok(CallToolResult::success(vec![ContentBlock::text(text)]).into());
    }
    let sample = CreateMessageRequest::new(CreateMessageRequestParams::new(
        vec![SamplingMessage::user_text(question)],
        64,
    ));
    let mut asks = InputRequests::new();
    asks.insert("sample".to_owned(), InputRequest::CreateMessage(sample));
    Ok(InputRequiredResult::new(Some(asks), Some("ask".to_owned())).into())
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
    let mrtr = args
        .iter()
        .position(|a| a == "--ask")
        .and_then(|i| args.get(i + 1))
        .is_some_and(|v| v == "mrtr");
    match args.iter().position(|a| a == "--http") {
        Some(i) => {
            let addr = args.get(i + 1).map_or("127.0.0.1:8080", String::as_str);
            let service = StreamableHttpService::new(
                move || Ok(Bench::new(extra, mrtr)),
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
        None if args.iter().any(|a| a == "--pipes") => {
            let service = Bench::new(extra, mrtr)
                .serve(rmcp::transport::io::stdio_pipes())
                .await?;
            service.waiting().await?;
        }
        None => {
            let service = Bench::new(extra, mrtr)
                .serve(rmcp::transport::stdio())
                .await?;
            service.waiting().await?;
        }
    }
    Ok(())
}
