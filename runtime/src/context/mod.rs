//! The request-scoped [`Context`] a handler receives, and the builders it hands out.

mod answers;
mod ask;
mod elicit_form;
mod log;
mod replay;
mod sample;
mod sample_loop;
mod sampling_setup;
mod scope;
mod slot;
mod structured;
mod url_elicitations;

pub(crate) use answers::{AnswerError, AnswerSource, LiveAnswers, NoAnswers};
pub(crate) use ask::elicitation_mode;
pub use ask::{Ask, AskError, AskOutput};
pub use elicit_form::{ElicitChoice, ElicitField, ElicitForm, Elicitation};
pub(crate) use log::LogFilter;
pub(crate) use replay::{OpenAsk, ReplayAnswers, Round};
pub use sample::{IntoModelPreferences, IntoSamplingMessages, Sample, SampleError, SampleResult};
pub use sample_loop::ToolChoice;
pub(crate) use sampling_setup::SamplingSetup;
pub use sampling_setup::{LocalSampler, SampleHook, SampleOrigin, SamplerMode, SamplingPolicy};
pub(crate) use scope::{PeerInfo, RequestScope};
pub(crate) use slot::ExecutionSlot;
pub use structured::Structured;
pub(crate) use url_elicitations::UrlElicitations;

use crate::jsonrpc::RequestId;
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel};

/// The handle to the request being served, injected into any `#[tool]` parameter of this type.
///
/// A `Context<'a>` borrows the request's scope, which the runtime owns for exactly as long as the
/// request runs. It is `Copy`, so it can be used from several futures of the same handler at once
/// (`join!`, `select!`, `FuturesUnordered`), but it can never outlive the request: storing it in a
/// `static`, moving it into `tokio::spawn` or a thread, or returning it does not compile. Nothing
/// reachable from it is `'static`, so no handle that can talk to the client escapes.
///
/// ```
/// use toolsmith::prelude::*;
///
/// /// Compare two texts, asking the client's model about both at once.
/// #[tool]
/// async fn compare(a: String, b: String, ctx: Context<'_>) -> Result<String, ToolError> {
///     ctx.info(format!("request {:?} from {:?}", ctx.request_id(), ctx.client_info())).await;
///     // `Context` is `Copy`: both samples use it concurrently (one round in 2026-07-28).
///     let (first, second) = futures::future::join(
///         ctx.sample(format!("Summarise: {a}")).max_tokens(50),
///         ctx.sample(format!("Summarise: {b}")).max_tokens(50),
///     )
///     .await;
///     ctx.report_progress(1.0, Some(1.0), Some("both summarised")).await;
///     Ok(format!("{}\n---\n{}", first?.text(), second?.text()))
/// }
///
/// let server = Server::new("compare", "1.0.0").tool(compare);
/// # drop(server);
/// ```
#[derive(Clone, Copy)]
pub struct Context<'a> {
    scope: &'a RequestScope,
}

impl<'a> Context<'a> {
    pub(crate) fn new(scope: &'a RequestScope) -> Self {
        Context { scope }
    }

    pub(crate) fn scope(&self) -> &'a RequestScope {
        self.scope
    }

    /// Ask the client's model for a completion (`sampling/createMessage`).
    ///
    /// `input` is a prompt (`&str`/`String`, sent as one user message) or a list of
    /// [`SamplingMessage`](crate::protocol::SamplingMessage)s. The returned builder is lazy: set
    /// options on it, then `.await` it.
    pub fn sample(&self, input: impl IntoSamplingMessages) -> Sample<'a> {
        Sample::new(*self, input.into_sampling_messages())
    }

    /// The id of the request being served.
    pub fn request_id(&self) -> &'a RequestId {
        &self.scope.request_id
    }

    /// The authenticated caller: its subject, scopes and claims, as the server's
    /// [`TokenVerifier`](crate::auth::TokenVerifier) established them from the request's bearer
    /// token. `None` without authentication (stdio, an HTTP server without
    /// [`HttpConfig::oauth`](crate::HttpConfig) or a bearer token).
    pub fn auth(&self) -> Option<&'a crate::auth::AuthInfo> {
        self.scope.auth.as_deref()
    }

    /// The HTTP request this call came in (its method, URI, headers, and the extensions your own
    /// tower layers set on it), for servers that need more than [`Context::auth`], such as a
    /// tenant chosen by a header or a middleware. `None` on stdio.
    ///
    /// ```no_run
    /// # use toolsmith::prelude::*;
    /// #[tool]
    /// async fn tenant(ctx: Context<'_>) -> String {
    ///     ctx.http_request()
    ///         .and_then(|r| r.headers.get("x-tenant"))
    ///         .and_then(|v| v.to_str().ok())
    ///         .unwrap_or("default")
    ///         .to_owned()
    /// }
    /// ```
    #[cfg(feature = "http-server")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http-server")))]
    pub fn http_request(&self) -> Option<&'a http::request::Parts> {
        self.scope.request.as_deref()?.downcast_ref()
    }

    /// The protocol revision this request is served under.
    pub fn protocol_version(&self) -> &'a str {
        &self.scope.peer.protocol_version
    }

    /// The client's name and version, when it sent them.
    pub fn client_info(&self) -> Option<&'a Implementation> {
        self.scope.peer.client_info.as_ref()
    }

    /// The capabilities the client declared.
    pub fn client_capabilities(&self) -> &'a ClientCapabilities {
        &self.scope.peer.capabilities
    }

    /// Run the rest of this tool as a task (the tasks extension), for a tool declared with
    /// `#[tool(task = "..", escalate)]`: the call is answered with the task at once and the
    /// handler goes on in the background, its asks from then on waiting for the client's
    /// `tasks/update`. What it asked before was answered the usual way (multi round-trip), so a
    /// tool can gather its input first and then start the long work. True once it runs as a
    /// task; false when it cannot (the caller did not declare the extension, a 2025-11-25
    /// session, a tool without `escalate`): it then simply goes on as a plain call.
    pub async fn run_as_task(&self) -> bool {
        self.scope.answers.escalate().await
    }

    /// True once the client cancelled this request (or the connection closed).
    pub fn is_cancelled(&self) -> bool {
        self.scope.cancel.is_cancelled()
    }

    /// Completes when the request is cancelled; use it in `select!` to stop long work early.
    pub async fn cancelled(&self) {
        self.scope.cancel.cancelled().await
    }

    /// Send a log message to the client at `level` (dropped when below the level the client set
    /// with `logging/setLevel`).
    pub async fn log(&self, level: LoggingLevel, data: impl Into<serde_json::Value>) {
        self.scope.log(level, None, data.into());
    }

    /// Log at `debug`.
    pub async fn debug(&self, data: impl Into<serde_json::Value>) {
        self.log(LoggingLevel::Debug, data).await
    }

    /// Log at `info`.
    pub async fn info(&self, data: impl Into<serde_json::Value>) {
        self.log(LoggingLevel::Info, data).await
    }

    /// Log at `notice`.
    pub async fn notice(&self, data: impl Into<serde_json::Value>) {
        self.log(LoggingLevel::Notice, data).await
    }

    /// Log at `warning`.
    pub async fn warning(&self, data: impl Into<serde_json::Value>) {
        self.log(LoggingLevel::Warning, data).await
    }

    /// Log at `error`.
    pub async fn error(&self, data: impl Into<serde_json::Value>) {
        self.log(LoggingLevel::Error, data).await
    }

    /// Run `work` once per request, even when a multi round-trip request (2026-07-28) runs the
    /// handler again on each round: its result is kept (in `requestState`) and returned on later
    /// rounds without running `work`. `name` plus the call's order identifies the value, so use a
    /// distinct name per memoised step. On a live connection this simply runs `work`.
    pub async fn memo<T, F, Fut>(&self, name: &str, work: F) -> T
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let (key, earlier) = self.scope.answers.recall(name);
        if let Some(t) = earlier.and_then(|v| serde_json::from_value(v).ok()) {
            return t;
        }
        let t = work().await;
        if !key.is_empty() {
            if let Ok(v) = serde_json::to_value(&t) {
                self.scope.answers.remember(key, v);
            }
        }
        t
    }

    /// Report progress to the client (`notifications/progress`). A no-op when the caller sent no
    /// progress token; a value not greater than the last one reported is dropped, since the spec
    /// requires progress to increase.
    pub async fn report_progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        self.scope.progress(progress, total, message);
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.scope.request_id)
            .field("protocol_version", &self.scope.peer.protocol_version)
            .finish_non_exhaustive()
    }
}
