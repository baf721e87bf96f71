mod establish;
#[cfg(feature = "http-client")]
mod http;
mod limits;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "http-client")]
use reqwest::header::HeaderMap;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::process::Child;
use tokio::sync::Mutex;

use super::connection::{Connection, Handlers};
use super::era::{self, InputRound, Protocol};
use super::error::ClientError;
use super::handlers::{
    erase_approval, erase_async_approval, erase_elicitation, erase_roots, erase_sampling, Approval,
    ElicitationHandler, HandlerError, LogMessage, RootsHandler, RootsRequest, SamplingHandler,
    SamplingRequest,
};
use super::limits::ClientLimits;
use super::router::ModelRouter;
use super::{Client, Link};
use crate::protocol::Root;
use crate::protocol::{ClientCapabilities, Implementation};
use crate::transport;
pub(crate) use establish::initialize;

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
    pub(super) handlers: Handlers,
    request_timeout: Duration,
    close_timeout: Duration,
    max_message_bytes: usize,
    protocol: Protocol,
    probe_timeout: Duration,
    max_input_rounds: u32,
    on_round: Option<era::RoundFn>,
    limits: ClientLimits,
    #[cfg(feature = "http-client")]
    http_headers: HeaderMap,
    /// An invalid [`http_header`](ClientBuilder::http_header), reported when connecting.
    #[cfg(feature = "http-client")]
    invalid: Option<ClientError>,
    /// How to log in to a protected HTTP server.
    #[cfg(all(feature = "auth", feature = "http-client"))]
    oauth: Option<super::auth::OAuthConfig>,
}

impl Default for ClientBuilder {
    /// A client named `toolsmith-client` with this crate's version.
    fn default() -> Self {
        ClientBuilder::new("toolsmith-client", env!("CARGO_PKG_VERSION"))
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        d.field("info", &self.info)
            .field("sampling", &self.handlers.sampling.is_some())
            .field("sampling_approval", &self.handlers.approval.is_some())
            .field("elicitation", &self.handlers.elicitation.is_some())
            .field("roots", &self.handlers.roots.is_some())
            .field("on_log", &self.handlers.log.is_some())
            .field("router", &self.handlers.router)
            .field("request_timeout", &self.request_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("protocol", &self.protocol)
            .field("probe_timeout", &self.probe_timeout)
            .field("max_input_rounds", &self.max_input_rounds)
            .field("limits", &self.limits);
        #[cfg(feature = "http-client")]
        d.field(
            "http_headers",
            &self.http_headers.keys().collect::<Vec<_>>(),
        );
        d.finish()
    }
}

impl ClientBuilder {
    /// A client with a name and version (sent as `clientInfo`).
    ///
    /// Defaults: no sampling, elicitation or roots handler (so none of those capabilities is
    /// declared), server logs go to `tracing`, requests time out after 60 s, [`Client::close`]
    /// waits 5 s for the server to exit, messages are limited to 4 MiB, the handshake era
    /// ([`Protocol::Legacy`]) is spoken, a `server/discover` probe waits 10 s, and a multi
    /// round-trip request may take 16 rounds of input. Limits on what the server can make the
    /// client do: a request lasts at most 10 minutes however much progress is reported
    /// ([`max_request_time`](ClientBuilder::max_request_time)), 16 server requests are answered
    /// at once ([`max_concurrent_asks`](ClientBuilder::max_concurrent_asks)) and an
    /// `input_required` round may carry 16 input requests
    /// ([`max_input_requests`](ClientBuilder::max_input_requests)).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ClientBuilder {
            info: Implementation::new(name, version),
            handlers: Handlers::default(),
            request_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(5),
            max_message_bytes: 4 * 1024 * 1024,
            protocol: Protocol::Legacy,
            probe_timeout: Duration::from_secs(10),
            max_input_rounds: 16,
            on_round: None,
            limits: ClientLimits::default(),
            #[cfg(feature = "http-client")]
            http_headers: HeaderMap::new(),
            #[cfg(feature = "http-client")]
            invalid: None,
            #[cfg(all(feature = "auth", feature = "http-client"))]
            oauth: None,
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

    /// Declare that the sampling handler accepts `tools`/`toolChoice` (`sampling.tools`), so
    /// servers may run tool loops through it. The handler then answers with `tool_use` blocks
    /// when its model calls a tool.
    pub fn sampling_tools(mut self) -> Self {
        self.handlers.sampling_capability.tools = Some(serde_json::json!({}));
        self
    }

    /// Declare that the sampling handler honours `includeContext` (`sampling.context`).
    pub fn sampling_context(mut self) -> Self {
        self.handlers.sampling_capability.context = Some(serde_json::json!({}));
        self
    }

    /// Show every sampling request to `hook` before the model sees it (human in the loop): it
    /// sees which server asks ([`SamplingRequest::server`]), the messages, the preferences and
    /// the routed model, and returns [`Approval::Approve`], [`Approval::Edit`] (parameters to
    /// use instead) or [`Approval::Reject`] (answered with JSON-RPC error `-1`, "user rejected";
    /// in protocol 2026-07-28 the call fails with [`ClientError::InputRequest`]). Applies in both
    /// eras. The hook runs on the request's own task; for one that waits (on a dialog, a
    /// channel) use [`sampling_approval_async`](ClientBuilder::sampling_approval_async).
    pub fn sampling_approval(
        mut self,
        hook: impl Fn(&SamplingRequest) -> Approval + Send + Sync + 'static,
    ) -> Self {
        self.handlers.approval = Some(erase_approval(hook));
        self
    }

    /// [`sampling_approval`](ClientBuilder::sampling_approval) with an async hook, which gets
    /// its own copy of the request.
    pub fn sampling_approval_async<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(SamplingRequest) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Approval> + Send + 'static,
    {
        self.handlers.approval = Some(erase_async_approval(hook));
        self
    }

    /// Answer the server's `elicitation/create` requests (form and URL mode) with this handler,
    /// and declare the `elicitation` capability (`{"form": {}, "url": {}}`; the handler sees
    /// the mode and may decline a URL). Without one, the capability is not declared.
    pub fn elicitation_handler(mut self, handler: impl ElicitationHandler) -> Self {
        self.handlers.elicitation = Some(erase_elicitation(handler));
        self
    }

    /// Expose these roots (answers to `roots/list`) and declare the `roots` capability.
    pub fn roots(self, roots: impl IntoIterator<Item = Root>) -> Self {
        let roots: Arc<Vec<Root>> = Arc::new(roots.into_iter().collect());
        self.roots_handler(move |_: RootsRequest| {
            let roots = Arc::clone(&roots);
            async move { Ok::<_, HandlerError>(roots.as_ref().clone()) }
        })
    }

    /// Answer `roots/list` with this handler (for roots that change, or differ per server),
    /// and declare the `roots` capability.
    pub fn roots_handler(mut self, handler: impl RootsHandler) -> Self {
        self.handlers.roots = Some(erase_roots(handler));
        self
    }

    /// Which protocol era to speak (default [`Protocol::Legacy`]; see [`Protocol`]).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// How long [`Protocol::Auto`] waits for the answer to its `server/discover` probe before
    /// taking the server for a legacy one (default 10 s).
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// Protocol 2026-07-28: how many `input_required` rounds one request may take (default 16).
    /// A server that still asks after that fails the call with
    /// [`ClientError::TooManyRounds`].
    pub fn max_input_rounds(mut self, rounds: u32) -> Self {
        self.max_input_rounds = rounds;
        self
    }

    /// Protocol 2026-07-28: call `observer` for every `input_required` round, before its
    /// input requests are fulfilled (to show progress, or to count rounds).
    pub fn on_input_round(
        mut self,
        observer: impl Fn(&InputRound) + Send + Sync + 'static,
    ) -> Self {
        self.on_round = Some(Arc::new(observer));
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

    /// Receive the server's change notifications (list changes, resource updates, completed
    /// URL-mode elicitations): unasked in the handshake era, on [`Client::listen`](super::Client::listen) streams in protocol
    /// 2026-07-28. The callback runs on the connection's reader: keep it quick.
    pub fn on_notification(
        mut self,
        handler: impl Fn(super::ServerNotification) + Send + Sync + 'static,
    ) -> Self {
        self.handlers.notification = Some(Arc::new(handler));
        self
    }

    /// How long a request waits for its answer (default 60 s). A request that times out fails
    /// with [`ClientError::Timeout`] and is cancelled on the server (over HTTP in protocol
    /// 2026-07-28, by closing its stream). In a multi round-trip request each attempt has the
    /// whole timeout; time spent in the client's handlers between attempts does not count.
    /// Progress restarts it, up to [`max_request_time`](ClientBuilder::max_request_time).
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
        let max_message_bytes = self.max_message_bytes;
        let limits = self.limits;
        let (settings, handlers) = self.split();
        let (connection, outbox) = Connection::new(handlers, limits);
        let io = tokio::spawn(transport::serve_lines(
            reader,
            writer,
            Arc::clone(&connection),
            outbox,
            max_message_bytes,
        ));
        let link = Link {
            connection,
            io: Mutex::new(Some(io)),
            child: Mutex::new(child),
            http: None,
            request_timeout: settings.request_timeout,
            close_timeout: settings.close_timeout,
        };
        settings.establish(link).await
    }

    /// What the handshake needs, and the handlers for the connection.
    fn split(self) -> (Settings, Handlers) {
        let settings = Settings {
            capabilities: self.handlers.capabilities(),
            info: self.info,
            protocol: self.protocol,
            probe_timeout: self.probe_timeout,
            request_timeout: self.request_timeout,
            close_timeout: self.close_timeout,
            max_input_rounds: self.max_input_rounds,
            on_round: self.on_round,
        };
        (settings, self.handlers)
    }
}

/// The builder's choices that shape the handshake and the stateless envelope.
struct Settings {
    info: Implementation,
    capabilities: ClientCapabilities,
    protocol: Protocol,
    probe_timeout: Duration,
    request_timeout: Duration,
    close_timeout: Duration,
    max_input_rounds: u32,
    on_round: Option<era::RoundFn>,
}
