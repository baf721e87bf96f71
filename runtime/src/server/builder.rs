use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};

use super::{Limits, Session};
use crate::protocol::{Implementation, ServerCapabilities, Tool};
use crate::tool::{validate_tool_name, IntoTool, ToolBox, ToolDef};
use crate::transport;
use crate::Error;

/// An MCP server under construction: register tools, then serve.
///
/// ```no_run
/// use toolsmith::prelude::*;
///
/// /// Echo the text back.
/// #[tool]
/// async fn echo(text: String) -> String {
///     text
/// }
///
/// # async fn run() -> Result<(), toolsmith::Error> {
/// Server::new("echo", "1.0.0").tool(echo).serve_stdio().await
/// # }
/// ```
pub struct Server {
    info: Implementation,
    instructions: Option<String>,
    tools: Vec<ToolDef>,
    limits: Limits,
}

/// The immutable part of a running server, shared by every connection.
pub(crate) struct ServerCore {
    pub info: Implementation,
    pub instructions: Option<String>,
    pub capabilities: ServerCapabilities,
    pub tools: HashMap<String, ToolDef>,
    /// `tools/list` result, serialised once.
    pub tools_list_json: String,
    pub limits: Arc<Limits>,
}

impl Server {
    /// A server with a name and version (sent as `serverInfo`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Server {
            info: Implementation::new(name, version),
            instructions: None,
            tools: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// Instructions for the client's model on how to use this server.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// A human-readable title for the server.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Register a tool: a function annotated with `#[tool]`, or a [`ToolDef`].
    pub fn tool(mut self, tool: impl IntoTool) -> Self {
        self.tools.push(tool.into_tool());
        self
    }

    /// Register every `#[tool]` method of a type whose impl block has `#[tools]`, bound to `state`.
    pub fn tools<S: ToolBox>(mut self, state: impl Into<Arc<S>>) -> Self {
        self.tools.extend(S::tool_defs(state.into()));
        self
    }

    /// Replace the limits and timeouts.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub(crate) fn build(self) -> Result<Arc<ServerCore>, Error> {
        let mut tools = HashMap::with_capacity(self.tools.len());
        let mut listing: Vec<&Tool> = Vec::with_capacity(self.tools.len());
        for def in &self.tools {
            validate_tool_name(def.name()).map_err(Error::Config)?;
            listing.push(&def.tool);
        }
        for def in self.tools.iter().cloned() {
            let name = def.name().to_owned();
            if tools.insert(name.clone(), def).is_some() {
                return Err(Error::Config(format!("two tools are named `{name}`")));
            }
        }
        let tools_list_json = json!({ "tools": listing }).to_string();
        let capabilities = ServerCapabilities {
            tools: (!tools.is_empty()).then(|| json!({ "listChanged": false })),
            logging: Some(Value::Object(Default::default())),
            ..Default::default()
        };
        Ok(Arc::new(ServerCore {
            info: self.info,
            instructions: self.instructions,
            capabilities,
            tools,
            tools_list_json,
            limits: Arc::new(self.limits),
        }))
    }

    /// Serve one client over this process's stdin and stdout until stdin closes.
    ///
    /// Nothing but protocol messages is written to stdout; send diagnostics to stderr (for
    /// example with `tracing_subscriber::fmt().with_writer(std::io::stderr)`).
    pub async fn serve_stdio(self) -> Result<(), Error> {
        self.serve(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serve one client over any byte stream pair of newline-delimited JSON-RPC, until the reader
    /// ends.
    pub async fn serve<R, W>(self, reader: R, writer: W) -> Result<(), Error>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let core = self.build()?;
        let max = core.limits.max_message_bytes;
        let (session, outbox_rx) = Session::new(core);
        transport::serve_lines(reader, writer, session, outbox_rx, max).await?;
        Ok(())
    }
}
