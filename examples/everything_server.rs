//! Everything the official MCP conformance suite (`@modelcontextprotocol/conformance`) asks a
//! server for, written with Toolsmith's macros — and a tour of the toolkit, top to bottom:
//! plain tools, rich content, logging and progress, asking the client (sampling, elicitation,
//! roots), shared state with `#[tools]`, resources and templates, prompts, completions, and
//! changing what the server offers while it runs.
//!
//! The same handlers serve both protocol eras: a 2025-11-25 session (`initialize`, then
//! server-to-client requests on the request's stream) and 2026-07-28 stateless requests, where
//! every `ctx.sample()` / `ctx.elicit()` / `ctx.list_roots()` becomes a multi round-trip request
//! (`input_required`, then a retry carrying the answers) without a line of code changing.
//!
//! ```text
//! cargo run --example everything_server -- --http 127.0.0.1:3001   # streamable HTTP at /mcp
//! cargo run --example everything_server -- --http                  # the same (the default)
//! cargo run --example everything_server                            # stdio
//! ```
//!
//! As one of several replicas behind a load balancer (`deploy/local-cluster.sh` runs them): the
//! address from `--http` or `TOOLSMITH_HTTP_ADDR`, the shared `requestState` keys from
//! `TOOLSMITH_REQUEST_STATE_KEYS` or `TOOLSMITH_REQUEST_STATE_KEYS_FILE` (see
//! `Server::request_state_keys_from_env`), and `--replica-id` (or `TOOLSMITH_REPLICA_ID`) adds a
//! `replica` tool saying which replica answered; `--redis URL` (or `TOOLSMITH_REDIS_URL`) keeps
//! 2025-11-25 sessions and their request streams' events in Redis, so every replica serves and
//! resumes them, keeps tasks there, and fans list changes and resource updates out to every
//! replica through it. SIGTERM or ctrl-c shuts it down gracefully: calls in flight are answered,
//! `GET /healthz` says `503` meanwhile.
//!
//! `.ci/conformance.sh` runs the suite against it.

#[path = "everything/mod.rs"]
mod everything;

use clap::Parser;
use toolsmith::prelude::*;
use toolsmith::HttpConfig;

use everything::*;

// ===== The server ===============================================================================

/// Build the server: register everything above, in the order `tools/list` shows it.
fn server() -> Server {
    // Shared `requestState` keys, when the environment gives them: any replica serves any round.
    let server = Server::new("mcp-conformance-test-server", "1.0.0").request_state_keys_from_env();
    let mutations = Mutations {
        server: server.handle(),
    };
    server
        .instructions("A server exercising every feature the MCP conformance suite tests.")
        .tool(test_simple_text)
        .tool(test_image_content)
        .tool(test_audio_content)
        .tool(test_embedded_resource)
        .tool(test_multiple_content_types)
        .tool(test_tool_with_logging)
        .tool(test_tool_with_progress)
        .tool(test_error_handling)
        .tool(test_reconnection)
        .tool(test_sampling)
        .tool(test_elicitation)
        .tool(test_elicitation_sep1034_defaults)
        .tool(test_elicitation_sep1330_enums)
        .tool(json_schema_2020_12_tool)
        .tool(test_mirrored_header)
        .tool(test_missing_capability)
        .tool(test_streaming_elicitation)
        .tool(test_logging_tool)
        .tool(test_input_required_result_elicitation)
        .tool(test_input_required_result_sampling)
        .tool(test_input_required_result_list_roots)
        .tool(test_input_required_result_request_state)
        .tool(test_input_required_result_multiple_inputs)
        .tool(test_input_required_result_multi_round)
        .tool(test_input_required_result_tampered_state)
        .tool(test_input_required_result_capabilities)
        .tool(greet)
        .tool(slow_compute)
        .tool(failing_job)
        .tool(protocol_error_job)
        .tool(confirm_delete)
        .tool(multi_input)
        .tool(test_tool_with_task)
        .tools(mutations)
        .resource(static_text)
        .resource(static_binary)
        .resource(watched_resource)
        .resource(template)
        // The skills extension: one skill, served as `skill://pdf-processing/...` resources.
        .skill(pdf_processing().expect("the sample skill is valid"))
        .prompt(test_simple_prompt)
        .prompt(test_prompt_with_arguments)
        .prompt(test_prompt_with_embedded_resource)
        .prompt(test_prompt_with_image)
        .prompt(test_input_required_result_prompt)
        // `completion/complete` for a prompt argument (this one has no suggestions).
        .complete_prompt_argument("test_prompt_with_arguments", "arg1", |_typed, _args| {
            Vec::new()
        })
}

#[derive(Parser)]
#[command(about = "The MCP conformance suite's everything-server, built with Toolsmith")]
struct Args {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio.
    #[arg(
        long,
        env = "TOOLSMITH_HTTP_ADDR",
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = "127.0.0.1:3001"
    )]
    http: Option<String>,
    /// This replica's name: adds the `replica` tool, which answers with it.
    #[arg(long, env = "TOOLSMITH_REPLICA_ID", value_name = "ID")]
    replica_id: Option<String>,
    /// Keep 2025-11-25 HTTP sessions in the Redis at URL (e.g. `redis://127.0.0.1:6379`), shared
    /// with the other replicas with their request streams' events (resumption) and tasks, and fan
    /// changes out to them through it (pub/sub).
    #[arg(long, env = "TOOLSMITH_REDIS_URL", value_name = "URL")]
    redis: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    // Diagnostics go to stderr: on stdio, stdout carries only protocol messages.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args = Args::parse();
    let mut server = match args.replica_id {
        Some(id) => server().tools(Replica { id }),
        None => server(),
    };
    if let Some(url) = &args.redis {
        // Tasks too: any replica answers `tasks/get` for a task another one runs.
        let tasks = toolsmith::RedisTaskStore::new(url)
            .map_err(|e| toolsmith::Error::Config(e.to_string()))?;
        server = server.task_store(std::sync::Arc::new(tasks));
    }
    match args.http {
        Some(addr) => {
            // Behind a balancer every connection comes from its address: no per-address cap.
            let mut config = HttpConfig::default().max_connections_per_peer(usize::MAX);
            if let Some(url) = args.redis {
                let bad = |e: toolsmith::StoreError| toolsmith::Error::Config(e.to_string());
                let store = toolsmith::RedisSessionStore::new(&url).map_err(bad)?;
                // Refuse to start rather than answer every session with 503.
                store.ping().await.map_err(bad)?;
                let fan_out = toolsmith::RedisFanOut::new(&url).map_err(bad)?;
                let events = toolsmith::RedisEventStore::new(&url).map_err(bad)?;
                config = config
                    .session_store(std::sync::Arc::new(store))
                    .fan_out(std::sync::Arc::new(fan_out))
                    .event_store(std::sync::Arc::new(events));
            }
            server
                .serve_http_with_shutdown(addr, config, toolsmith::shutdown_signal())
                .await
        }
        None => server.serve_stdio().await,
    }
}
