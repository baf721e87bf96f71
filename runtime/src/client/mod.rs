//! The client side: connect to a server, call its tools, answer what it asks of the client.
//!
//! A [`Client`] is built with [`Client::builder`], which sets what the client does with what the
//! server asks of it (a [`SamplingHandler`] with an optional approval hook and
//! [`ModelRouter`], an [`ElicitationHandler`], roots) and what it hears (`on_log`), then
//! connects: over a child process's stdio ([`ClientBuilder::connect_stdio`]), any byte stream
//! pair ([`ClientBuilder::connect`]) or streamable HTTP ([`ClientBuilder::connect_http`]).
//!
//! Two protocol eras are spoken ([`Protocol`]): the `initialize` handshake of 2025-11-25 (the
//! default), where the server sends its requests to the client, and the stateless 2026-07-28,
//! where every request carries the client's capabilities and the server's needs come back as
//! `input_required` results the client fulfils with the same handlers and retries. Code using
//! the client is the same in both.
//!
//! ```no_run
//! use serde_json::json;
//! use toolsmith::client::{Client, SamplingError, SamplingRequest};
//!
//! # async fn run() -> Result<(), toolsmith::client::ClientError> {
//! let client = Client::builder("demo", "1.0.0")
//!     .sampling_handler(|req: SamplingRequest| async move {
//!         if req.last_user_text().is_empty() {
//!             return Err(SamplingError::rejected("nothing to answer"));
//!         }
//!         Ok("positive".to_string())
//!     })
//!     .connect_stdio(tokio::process::Command::new("sentiment_server"))
//!     .await?;
//! let result = client
//!     .call_tool("analyze_sentiment", json!({ "text": "I love it" }))
//!     .await?;
//! println!("{}", result.text_content());
//! client.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! The client's methods take `&self`: share it (for example in an `Arc`) to make requests
//! concurrently. The server's requests are answered concurrently too, each on its own task (up
//! to [`ClientBuilder::max_concurrent_asks`] at once), and the input requests of one
//! `input_required` round are fulfilled all at once (up to
//! [`ClientBuilder::max_input_requests`]). Over HTTP, redirects are not followed, so the
//! client's headers and session never reach another origin.

#[cfg(all(feature = "auth", feature = "http-client"))]
pub mod auth;
mod builder;
mod connection;
mod era;
mod error;
mod handlers;
#[cfg(feature = "http-client")]
mod http;
#[cfg(not(feature = "http-client"))]
mod http_off;
mod limits;
mod listen;
mod lists;
#[cfg(feature = "openai")]
mod openai;
mod output_schema;
#[cfg(feature = "http-client")]
mod param_headers;
mod router;
#[cfg(feature = "http-client")]
mod sse;
mod tasks;

pub use builder::ClientBuilder;
pub use era::{InputRound, Protocol, STATELESS_PROTOCOL_VERSION};
pub use error::ClientError;
pub use handlers::{
    Approval, ElicitationHandler, ElicitationMode, ElicitationRequest, HandlerError, LogMessage,
    Progress, RootsHandler, RootsRequest, SamplingError, SamplingHandler, SamplingReply,
    SamplingRequest, UNKNOWN_MODEL,
};
pub use listen::{ListenFilter, ServerNotification, Subscription};
pub use lists::Page;
#[cfg(feature = "openai")]
#[cfg_attr(docsrs, doc(cfg(feature = "openai")))]
pub use openai::OpenAiBackend;
pub use router::{ModelInfo, ModelRouter, Route, RouteReason};
pub use tasks::{TaskInfo, ToolCall};

use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use tokio::process::Child;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use connection::{Connection, ProgressRegistration};
use era::Envelope;
#[cfg(feature = "http-client")]
use http::HttpTransport;
#[cfg(not(feature = "http-client"))]
use http_off::HttpTransport;

use crate::protocol::{
    CallToolParams, CallToolResult, GetPromptResult, Implementation, InitializeResult,
    LoggingLevel, ReadResourceResult, Tool,
};

/// A connection to an MCP server, initialized (or discovered) and ready for requests.
///
/// Dropping a client closes its side of the connection; a server started by
/// [`ClientBuilder::connect_stdio`] is then killed, and an HTTP session is ended in the
/// background. [`close`](Client::close) ends it gracefully.
pub struct Client {
    link: Link,
    init: InitializeResult,
    /// The stateless era's per-request envelope; `None` in the handshake era.
    envelope: Option<Arc<Envelope>>,
    /// Handshake era over HTTP: how to start a new session when the server ends one.
    renewal: Option<SessionRenewal>,
    /// The output schemas of the tools listed, to check their results against.
    output_schemas: output_schema::OutputSchemas,
}

/// What a handshake-era HTTP client needs to replace a session the server ended (`404`).
pub(crate) struct SessionRenewal {
    /// The `initialize` params of the first handshake.
    params: Value,
    /// One renewal at a time; requests that failed with the old session wait for it.
    lock: Mutex<()>,
}

impl SessionRenewal {
    pub(crate) fn new(params: Value) -> Self {
        SessionRenewal {
            params,
            lock: Mutex::new(()),
        }
    }

    /// Replace the session `ended` (unless another request already did).
    async fn renew(
        &self,
        link: &Link,
        http: &Arc<HttpTransport>,
        ended: &str,
    ) -> Result<(), ClientError> {
        let _one_at_a_time = self.lock.lock().await;
        if http.session_id().as_deref() != Some(ended) {
            return Ok(());
        }
        tracing::info!(
            session = ended,
            "the server ended the session (404); starting a new one"
        );
        http.forget_session();
        builder::initialize(link, self.params.clone()).await?;
        Ok(())
    }
}

/// Everything about the connection except what the handshake returned.
pub(crate) struct Link {
    connection: Arc<Connection>,
    io: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
    child: Mutex<Option<Child>>,
    http: Option<Arc<HttpTransport>>,
    request_timeout: Duration,
    close_timeout: Duration,
}

/// How a [`Client::close`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Closed {
    /// The server process's exit status, for a server started with
    /// [`ClientBuilder::connect_stdio`] (`None` otherwise, or when the client was already
    /// closed).
    pub exit_status: Option<ExitStatus>,
    /// True when the process did not exit within the close timeout and was killed.
    pub killed: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server_info", &self.init.server_info)
            .field("protocol_version", &self.init.protocol_version)
            .field("session_id", &self.session_id())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start building a client with a name and version (sent as `clientInfo`).
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(name, version)
    }

    /// The server's answer to `initialize`: protocol version, capabilities, name, instructions.
    /// In protocol 2026-07-28, the same facts from the answer to `server/discover`.
    pub fn initialize_result(&self) -> &InitializeResult {
        &self.init
    }

    /// The era this client speaks with its server: [`Protocol::Legacy`] or
    /// [`Protocol::Stateless`] (never `Auto`: the probe has decided).
    pub fn protocol(&self) -> Protocol {
        if self.envelope.is_some() {
            Protocol::Stateless
        } else {
            Protocol::Legacy
        }
    }

    /// The HTTP session id the server assigned (`Mcp-Session-Id`), while the session lasts:
    /// `None` off HTTP, in protocol 2026-07-28 (which has no sessions), and after
    /// [`close`](Client::close).
    pub fn session_id(&self) -> Option<String> {
        self.link.http.as_ref().and_then(|h| h.session_id())
    }

    /// The server's name and version.
    pub fn server_info(&self) -> &Implementation {
        &self.init.server_info
    }

    /// The negotiated protocol revision.
    pub fn protocol_version(&self) -> &str {
        &self.init.protocol_version
    }

    /// True once the connection is closed (by [`close`](Client::close) or by the server); every
    /// request then fails with [`ClientError::ConnectionClosed`].
    pub fn is_closed(&self) -> bool {
        self.link.connection.is_closed()
    }

    /// Send a request and return its result. `params` is sent as given (`Value::Null` sends
    /// none). Fails with the server's error, after the request timeout, or when the connection
    /// closes first.
    ///
    /// In protocol 2026-07-28 the `_meta` envelope is added to `params` (which must then be an
    /// object or `Null`), and an `input_required` result is fulfilled and retried until the
    /// final result, which is returned as is (with its `resultType`).
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let params = (!params.is_null()).then_some(params);
        self.call(method, params, None).await
    }

    /// `tools/call`; when the server says the `Mcp-Param-*` headers do not match (the tool's
    /// schema changed since `list_tools`), list the tools again and retry once, as the spec
    /// advises.
    async fn call_tool_params(
        &self,
        params: Value,
        progress: Option<&ProgressRegistration<'_>>,
    ) -> Result<Value, ClientError> {
        let retried = (self.envelope.is_some() && self.link.http.is_some()).then(|| params.clone());
        match (
            self.call("tools/call", Some(params), progress).await,
            retried,
        ) {
            (Err(ClientError::Rpc { error, .. }), Some(retried))
                if error.code == crate::protocol::codes::HEADER_MISMATCH =>
            {
                tracing::debug!(message = %error.message, "header mismatch on tools/call; listing the tools again");
                self.list_tools().await?;
                self.call("tools/call", Some(retried), progress).await
            }
            (outcome, _) => outcome,
        }
    }

    /// Send a request in the client's era (see [`request`](Client::request)). In the handshake
    /// era over HTTP, a `404` for the session means the server ended it: the client starts a
    /// new session (a new `initialize`, as the spec requires) and sends the request once more.
    async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        progress: Option<&ProgressRegistration<'_>>,
    ) -> Result<Value, ClientError> {
        let (Some(renewal), Some(http)) = (&self.renewal, &self.link.http) else {
            return self.call_once(method, params, progress).await;
        };
        let Some(session) = http.session_id() else {
            return self.call_once(method, params, progress).await;
        };
        let retry = params.clone();
        match self.call_once(method, params, progress).await {
            Err(ClientError::Transport {
                status: Some(404), ..
            }) => {
                renewal.renew(&self.link, http, &session).await?;
                self.call_once(method, retry, progress).await
            }
            other => other,
        }
    }

    async fn call_once(
        &self,
        method: &str,
        params: Option<Value>,
        progress: Option<&ProgressRegistration<'_>>,
    ) -> Result<Value, ClientError> {
        let connection = &self.link.connection;
        let timeout = self.link.request_timeout;
        match &self.envelope {
            None => connection.request(method, params, timeout, progress).await,
            Some(envelope) => {
                era::request(connection, envelope, method, params, timeout, progress).await
            }
        }
    }

    /// Send a notification (`params` as in [`request`](Client::request)).
    pub async fn notify(&self, method: &str, params: Value) -> Result<(), ClientError> {
        let params = (!params.is_null()).then_some(params);
        self.link.connection.notify(method, params)
    }

    /// Check the server is alive (`ping`, answered with `{}`). Protocol 2026-07-28 has no
    /// `ping`: `server/discover` is asked instead.
    pub async fn ping(&self) -> Result<(), ClientError> {
        let method = if self.envelope.is_some() {
            "server/discover"
        } else {
            "ping"
        };
        match self.request(method, Value::Null).await? {
            Value::Object(_) => Ok(()),
            other => Err(ClientError::InvalidResponse {
                method: method.into(),
                reason: format!("expected an object, got {other}"),
            }),
        }
    }

    /// Every tool the server offers (all pages of `tools/list`).
    ///
    /// Over streamable HTTP in the 2026-07-28 era, the arguments a tool designates with
    /// `x-mcp-header` are then also sent as `Mcp-Param-{Name}` headers on each
    /// [`call_tool`](Client::call_tool), and a tool whose designations are invalid (an empty or
    /// non-token name, a duplicate, a non-primitive type, an annotation off the `properties`
    /// chain) is left out of the list with a warning, as the spec requires.
    ///
    /// It follows `nextCursor` for at most
    /// [`max_list_pages`](ClientBuilder::max_list_pages) pages; a repeated cursor, or a server
    /// still paging after that, is [`ClientError::InvalidResponse`].
    pub async fn list_tools(&self) -> Result<Vec<Tool>, ClientError> {
        let mut tools = self.list_all("tools/list", "tools").await?;
        self.admit_tools(&mut tools);
        self.output_schemas.remember(&tools);
        Ok(tools)
    }

    /// Streamable HTTP in the 2026-07-28 era: arguments a tool designates with `x-mcp-header`
    /// travel in headers too; a tool whose designations are invalid is left out (the spec
    /// requires it, so one bad tool does not break the others).
    fn admit_tools(&self, tools: &mut Vec<Tool>) {
        if let (Some(http), Some(_)) = (&self.link.http, &self.envelope) {
            http.admit_tools(tools);
        }
    }

    /// Call a tool with `arguments` (a JSON object, or `Value::Null` for none).
    ///
    /// A tool that fails answers with a result whose [`is_error`](CallToolResult::is_error) is
    /// true; `Err` means the call itself failed (unknown tool, timeout, closed connection).
    ///
    /// When a listing ([`list_tools`](Client::list_tools)) gave the tool an `outputSchema`, a
    /// successful result's `structuredContent` is checked against it: a mismatch, or no
    /// `structuredContent` at all, is [`ClientError::InvalidResponse`] naming the tool.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<CallToolResult, ClientError> {
        let params = call_params(name, arguments, None)?;
        let value = self.call_tool_params(params, None).await?;
        let result = decode("tools/call", value)?;
        self.output_schemas.check(name, &result)?;
        Ok(result)
    }

    /// [`call_tool`](Client::call_tool), asking the server for progress: `on_progress` receives
    /// each `notifications/progress` sent for this call, in order, before the call returns. Each
    /// update also restarts the request timeout, so a long call that keeps reporting does not
    /// time out, up to [`ClientBuilder::max_request_time`] in all. The callback runs on the
    /// connection's reader: keep it quick.
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: Value,
        on_progress: impl Fn(Progress) + Send + Sync + 'static,
    ) -> Result<CallToolResult, ClientError> {
        let connection = &self.link.connection;
        let registration = connection.register_progress(Arc::new(on_progress));
        let mut meta = Map::new();
        meta.insert("progressToken".into(), registration.token().into());
        let params = call_params(name, arguments, Some(meta))?;
        let value = self.call_tool_params(params, Some(&registration)).await?;
        let result = decode("tools/call", value)?;
        self.output_schemas.check(name, &result)?;
        Ok(result)
    }

    /// Get a prompt with `arguments` (a JSON object of strings, or `Value::Null` for none).
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<GetPromptResult, ClientError> {
        let mut params = json!({ "name": name });
        match arguments {
            Value::Null => {}
            Value::Object(map) => params["arguments"] = Value::Object(map),
            other => {
                return Err(ClientError::InvalidArgument(format!(
                    "the arguments of prompt `{name}` must be a JSON object, not `{other}`"
                )))
            }
        }
        let value = self.call("prompts/get", Some(params), None).await?;
        decode("prompts/get", value)
    }

    /// Read a resource.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, ClientError> {
        let value = self
            .call("resources/read", Some(json!({ "uri": uri })), None)
            .await?;
        decode("resources/read", value)
    }

    /// Ask the server to send only log messages at `level` or above. In the handshake era this
    /// is `logging/setLevel`; in protocol 2026-07-28 the level is sent with every later request
    /// (`_meta` `logLevel`), and without one the server sends no logs at all.
    pub async fn set_log_level(&self, level: LoggingLevel) -> Result<(), ClientError> {
        if let Some(envelope) = &self.envelope {
            *envelope.log_level.lock().expect("log level lock") = Some(level);
            return Ok(());
        }
        self.request("logging/setLevel", json!({ "level": level }))
            .await
            .map(drop)
    }

    /// End the connection: stop sending (closing the server's stdin), wait up to the close
    /// timeout for a server process to exit (killing it if it does not), then for the
    /// connection to wind down. Over HTTP, the response streams are closed and the session is
    /// ended with `DELETE`. Requests still waiting fail with [`ClientError::ConnectionClosed`].
    /// Closing again does nothing.
    pub async fn close(&self) -> Result<Closed, ClientError> {
        self.link.close().await
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // The writer finishes what is queued and closes; a child process is killed on drop.
        self.link.connection.close_outbox();
    }
}

fn decode<T: DeserializeOwned>(method: &str, value: Value) -> Result<T, ClientError> {
    serde_json::from_value(value).map_err(|e| ClientError::InvalidResponse {
        method: method.to_owned(),
        reason: e.to_string(),
    })
}

fn call_params(
    name: &str,
    arguments: Value,
    meta: Option<Map<String, Value>>,
) -> Result<Value, ClientError> {
    let arguments = match arguments {
        Value::Null => None,
        Value::Object(map) => Some(map),
        other => {
            return Err(ClientError::InvalidArgument(format!(
                "the arguments of tool `{name}` must be a JSON object, not `{other}`"
            )))
        }
    };
    let params = CallToolParams {
        name: name.to_owned(),
        arguments,
        meta,
    };
    Ok(serde_json::to_value(params).expect("tool call params serialise"))
}

impl Link {
    pub(crate) async fn close(&self) -> Result<Closed, ClientError> {
        self.connection.close_outbox();
        let mut closed = Closed {
            exit_status: None,
            killed: false,
        };
        let mut outcome = Ok(());
        if let Some(mut child) = self.child.lock().await.take() {
            match tokio::time::timeout(self.close_timeout, child.wait()).await {
                Ok(Ok(status)) => closed.exit_status = Some(status),
                Ok(Err(e)) => outcome = Err(e),
                Err(_) => {
                    tracing::warn!(
                        timeout = ?self.close_timeout,
                        "the server did not exit after its stdin closed; killing it"
                    );
                    closed.killed = true;
                    match child.kill().await.and(child.wait().await) {
                        Ok(status) => closed.exit_status = Some(status),
                        Err(e) => outcome = Err(e),
                    }
                }
            }
        }
        if let Some(io) = self.io.lock().await.take() {
            let abort = io.abort_handle();
            match tokio::time::timeout(self.close_timeout, io).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => tracing::debug!(error = %e, "transport error while closing"),
                Ok(Err(e)) => tracing::debug!(error = %e, "transport task failed"),
                Err(_) => {
                    tracing::warn!(
                        timeout = ?self.close_timeout,
                        "the server did not close the connection; dropping it"
                    );
                    abort.abort();
                }
            }
        }
        self.connection.shut_down();
        outcome?;
        Ok(closed)
    }

    /// The handshake failed: tear everything down at once and explain.
    pub(crate) async fn abandon(self, error: ClientError) -> ClientError {
        self.connection.close_outbox();
        let mut error = error;
        if let Some(mut child) = self.child.into_inner() {
            match tokio::time::timeout(Duration::from_secs(1), child.wait()).await {
                Ok(Ok(status)) => {
                    if error.is_connection_closed() {
                        error = ClientError::Handshake(format!(
                            "the server process exited ({status}) before answering `initialize`"
                        ));
                    }
                }
                _ => {
                    child.kill().await.ok();
                }
            }
        }
        if let Some(io) = self.io.into_inner() {
            io.abort();
        }
        // The transport's task is gone, so its shutdown will not stop the streams it started
        // (an `initialize` answer stream that never ends, say).
        if let Some(http) = &self.http {
            http.stop_streams();
        }
        self.connection.shut_down();
        error
    }
}

#[cfg(test)]
mod tests;
