//! A remote MCP server protected by OAuth 2.1: a notes service whose callers are known.
//!
//! Tokens come from your authorization server (any OAuth 2.1 / OpenID Connect provider that
//! issues JWT access tokens for a resource, RFC 8707 and RFC 9068). The server publishes its
//! Protected Resource Metadata at `/.well-known/oauth-protected-resource/mcp`, so that MCP
//! clients discover the authorization server from a `401` and log in; it checks every token's
//! signature against the issuer's published keys, its issuer, audience and expiry. Reading notes
//! needs the `notes:read` scope, writing them `notes:write`: a token without it gets `403
//! insufficient_scope`, and the client asks for more. Each caller has its own notes, keyed by
//! the token's subject, and may name a notebook with an `X-Notebook` header.
//!
//! ```text
//! cargo run --example oauth_server -- \
//!     --issuer https://auth.example.com --resource https://mcp.example.com/mcp --addr 0.0.0.0:8080
//! ```
//!
//! (`--resource` is the URL clients use to reach the endpoint; behind a proxy, the public one.
//! An `https` issuer needs the `tls` feature of `toolsmith` for fetching its keys.)

use std::collections::HashMap;
use std::sync::Mutex;

use clap::Parser;
use toolsmith::auth::JwtVerifier;
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ResourceServer};

#[derive(Parser)]
struct Args {
    /// The authorization server's issuer identifier.
    #[arg(long)]
    issuer: String,
    /// This server's resource identifier: the URL of its MCP endpoint, as clients reach it.
    #[arg(long)]
    resource: String,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// The host name clients use (for the `Host` check); default: loopback names only.
    #[arg(long)]
    host: Option<String>,
}

/// Every caller's notebooks: subject -> notebook -> notes.
#[derive(Default)]
struct Notes(Mutex<HashMap<String, HashMap<String, Vec<String>>>>);

#[tools]
impl Notes {
    /// Add a note to the caller's notebook.
    #[tool(scopes = ["notes:write"])]
    async fn add_note(&self, text: String, ctx: Context<'_>) -> Result<String, ToolError> {
        let (who, book) = owner(&ctx)?;
        let mut all = self
            .0
            .lock()
            .map_err(|_| ToolError::new("notes unavailable"))?;
        let notes = all.entry(who).or_default().entry(book.clone()).or_default();
        notes.push(text);
        Ok(format!("{} notes in `{book}`", notes.len()))
    }

    /// The caller's notes in their notebook.
    #[tool(scopes = ["notes:read"])]
    async fn list_notes(&self, ctx: Context<'_>) -> Result<Vec<String>, ToolError> {
        let (who, book) = owner(&ctx)?;
        let all = self
            .0
            .lock()
            .map_err(|_| ToolError::new("notes unavailable"))?;
        Ok(all
            .get(&who)
            .and_then(|books| books.get(&book))
            .cloned()
            .unwrap_or_default())
    }

    /// Who the server thinks you are (any valid token).
    #[tool]
    async fn whoami(&self, ctx: Context<'_>) -> String {
        match ctx.auth() {
            Some(a) => format!("{} with scopes {:?}", a.subject, a.scopes),
            None => "nobody (no authentication)".into(),
        }
    }
}

/// The caller (the token's subject) and the notebook it names (`X-Notebook`, default `main`).
fn owner(ctx: &Context<'_>) -> Result<(String, String), ToolError> {
    let who = ctx
        .auth()
        .map(|a| a.subject.clone())
        .ok_or_else(|| ToolError::new("this tool needs an authenticated caller"))?;
    let book = ctx
        .http_request()
        .and_then(|r| r.headers.get("x-notebook"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("main")
        .to_owned();
    Ok((who, book))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let verifier = JwtVerifier::new(&args.issuer, &args.resource);
    let oauth = ResourceServer::new(&args.resource, verifier)?
        .authorization_server(&args.issuer)
        .scopes_supported(["notes:read", "notes:write"])
        .resource_name("Notes");
    let mut config = HttpConfig::default().oauth(oauth);
    if let Some(host) = args.host {
        config = config.allowed_hosts([host]);
    }
    Server::new("notes", env!("CARGO_PKG_VERSION"))
        .tools(Notes::default())
        .serve_http_with(&args.addr, config)
        .await?;
    Ok(())
}
