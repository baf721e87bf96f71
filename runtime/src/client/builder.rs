use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::process::Child;
use tokio::sync::Mutex;

use super::connection::{Connection, Handlers};
use super::error::ClientError;
use super::handlers::{erase_sampling, LogMessage, SamplingHandler};
use super::router::ModelRouter;
use super::{Client, Link};
use crate::protocol::{
    ClientCapabilities, Implementation, InitializeParams, InitializeResult, SamplingCapability,
    LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS,
};
use crate::transport;

/// A [`Client`] under construction: set its handlers and timeouts, then connect.
///
/// ```no_run
/// use toolsmith::client::{Client, ModelRouter, SamplingRequest};
///
/// # async fn run() -> Result<(), toolsmith::client::ClientError> {
/// let client = Client::builder("my-app", "1.0.0")
///     .model_router(ModelRouter::new(["small-model"], "small-model"))
///     .sampling_handler(|req: SamplingRequest| async move {
///         // Ask your model here; a String answer is sent as the routed model's reply.
///         Ok(format!("you said: {}", req.last_user_text()))
///     })
///     .on_log(|log| eprintln!("[{:?}] {}", log.level, log.text()))
///     .connect_stdio(tokio::process::Command::new("my-mcp-server"))
///     .await?;
/// let tools = client.list_tools().await?;
/// println!("{} tools", tools.len());
/// client.close().await?;
/// # Ok(())
/// # }
/// ```
pub struct ClientBuilder {
    info: Implementation,
    handlers: Handlers,
    request_timeout: Duration,
    close_timeout: Duration,
    max_message_bytes: usize,
}

impl Default for ClientBuilder {
    /// A client named `toolsmith-client` with this crate's version.
    fn default() -> Self {
        ClientBuilder::new("toolsmith-client", env!("CARGO_PKG_VERSION"))
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("info", &self.info)
            .field("sampling", &self.handlers.sampling.is_some())
            .field("on_log", &self.handlers.log.is_some())
            .field("router", &self.handlers.router)
            .field("request_timeout", &self.request_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("max_message_bytes", &self.max_message_bytes)
            .finish()
    }
}

impl ClientBuilder {
    /// A client with a name and version (sent as `clientInfo`).
    ///
    /// Defaults: no sampling handler (the `sampling` capability is not declared), server logs go
    /// to `tracing`, requests time out after 60 s, [`Client::close`] waits 5 s for the server
    /// to exit, messages are limited to 4 MiB.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ClientBuilder {
            info: Implementation::new(name, version),
            handlers: Handlers::default(),
            request_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(5),
            max_message_bytes: 4 * 1024 * 1024,
        }
    }

    /// A human-readable title for the client.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Answer the server's `sampling/createMessage` requests with this handler (an async closure
    /// or a [`SamplingHandler`] impl), and declare the `sampling` capability. Without one, the
    /// capability is not declared and sampling requests are answered with `-32601`.
    pub fn sampling_handler(mut self, handler: impl SamplingHandler) -> Self {
        self.handlers.sampling = Some(erase_sampling(handler));
        self
    }

    /// Route every sampling request through this router before the handler sees it: the choice
    /// is in [`SamplingRequest::route`](super::SamplingRequest::route), and a text answer is sent
    /// as coming from the chosen model.
    pub fn model_router(mut self, router: ModelRouter) -> Self {
        self.handlers.router = Some(Arc::new(router));
        self
    }

    /// Receive the server's log messages (`notifications/message`). The callback runs on the
    /// connection's reader: keep it quick (hand heavy work to a channel). Without one, logs become
    /// `tracing` events.
    pub fn on_log(mut self, handler: impl Fn(LogMessage) + Send + Sync + 'static) -> Self {
        self.handlers.log = Some(Arc::new(handler));
        self
    }

    /// How long a request waits for its answer (default 60 s). A request that times out fails
    /// with [`ClientError::Timeout`] and is cancelled on the server.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long [`Client::close`] waits for the server to finish before killing its process
    /// (default 5 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The largest message accepted from the server, in bytes (default 4 MiB).
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// Start the server with `command` and talk to it over its stdin and stdout (its stderr is
    /// inherited). The process is killed if the client is dropped without
    /// [`close`](Client::close).
    pub async fn connect_stdio(
        self,
        mut command: tokio::process::Command,
    ) -> Result<Client, ClientError> {
        let program = command
            .as_std()
            .get_program()
            .to_string_lossy()
            .into_owned();
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|source| ClientError::Spawn { program, source })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        self.start(stdout, stdin, Some(child)).await
    }

    /// Talk to a server over any byte stream pair of newline-delimited JSON-RPC (a socket, an
    /// in-memory pipe). Closing the client shuts the writer down.
    pub async fn connect<R, W>(self, reader: R, writer: W) -> Result<Client, ClientError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        self.start(reader, writer, None).await
    }

    async fn start<R, W>(
        self,
        reader: R,
        writer: W,
        child: Option<Child>,
    ) -> Result<Client, ClientError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let capabilities = ClientCapabilities {
            sampling: self
                .handlers
                .sampling
                .is_some()
                .then(SamplingCapability::default),
            ..Default::default()
        };
        let (connection, outbox) = Connection::new(self.handlers);
        let io = tokio::spawn(transport::serve_lines(
            reader,
            writer,
            Arc::clone(&connection),
            outbox,
            self.max_message_bytes,
        ));
        let link = Link {
            connection,
            io: Mutex::new(Some(io)),
            child: Mutex::new(child),
            request_timeout: self.request_timeout,
            close_timeout: self.close_timeout,
        };
        let params = InitializeParams {
            protocol_version: LATEST_PROTOCOL_VERSION.to_owned(),
            capabilities,
            client_info: self.info,
        };
        match handshake(&link, params).await {
            Ok(init) => Ok(Client { link, init }),
            Err(e) => Err(link.abandon(e).await),
        }
    }
}

async fn handshake(link: &Link, params: InitializeParams) -> Result<InitializeResult, ClientError> {
    let method = "initialize";
    let params = serde_json::to_value(params).expect("initialize params serialise");
    let value = link
        .connection
        .request(method, Some(params), link.request_timeout, None)
        .await?;
    let init: InitializeResult =
        serde_json::from_value(value).map_err(|e| ClientError::InvalidResponse {
            method: method.to_owned(),
            reason: e.to_string(),
        })?;
    if !SUPPORTED_PROTOCOL_VERSIONS.contains(&init.protocol_version.as_str()) {
        return Err(ClientError::Handshake(format!(
            "the server answered with protocol version {:?}, which this client does not support \
             (it supports {})",
            init.protocol_version,
            SUPPORTED_PROTOCOL_VERSIONS.join(", ")
        )));
    }
    link.connection.notify("notifications/initialized", None)?;
    Ok(init)
}
