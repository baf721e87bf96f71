use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::future::{BoxFuture, FusedFuture};
use serde_json::Value;

use super::sample_loop::{self, LoopOptions, ToolChoice};
use super::structured::Structured;
use super::Context;
use crate::protocol::{
    CreateMessageParams, CreateMessageResult, IncludeContext, ModelPreferences, SamplingContent,
    SamplingMessage, StopReason,
};
use crate::tool::{IntoTool, ToolDef};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// Why a sample produced no completion. Match on it, or `?` it into a tool error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// The client did not declare the `sampling` capability; nothing was sent.
    #[error("the client does not support sampling (it did not declare the `sampling` capability)")]
    NotSupported,
    /// The request was invalid before it was sent (for example a priority outside 0..=1).
    #[error("invalid sampling request: {0}")]
    InvalidRequest(String),
    /// The client answered with an error (user rejection uses code -1).
    #[error("the client refused the sampling request: {message} (code {code})")]
    Client {
        /// The JSON-RPC error code.
        code: i64,
        /// The client's message.
        message: String,
        /// The client's error data.
        data: Option<Value>,
    },
    /// The client sent something that is not a `CreateMessageResult`.
    #[error("the client's sampling answer is malformed: {0}")]
    InvalidResponse(String),
    /// No answer within the time allowed.
    #[error("the client did not answer the sampling request within {0:?}")]
    Timeout(Duration),
    /// The connection closed before the answer came.
    #[error("the connection closed before the client answered the sampling request")]
    ConnectionClosed,
    /// The request was cancelled.
    #[error("the request was cancelled")]
    Cancelled,
    /// Too many requests to the client are already waiting for answers.
    #[error("too many requests to the client are waiting for answers; try again later")]
    Busy,
    /// Tools were given, but the client did not declare `sampling.tools`; nothing was sent.
    #[error("the client does not support tools in sampling (it did not declare `sampling.tools`)")]
    ToolsNotSupported,
    /// The model kept asking for tools past the iteration limit.
    #[error("the model was still calling tools after {0} rounds of tool use")]
    ToolLoopLimit(u32),
    /// The server's sampling policy refused the sample before anything was sent.
    #[error("sampling refused by policy: {0}")]
    Refused(String),
    /// The model never produced output of the requested shape.
    #[error("the model's answer did not match the requested shape after {attempts} attempts: {last_error}")]
    Unstructured {
        /// How many answers were tried.
        attempts: u32,
        /// Why the last one was rejected.
        last_error: String,
    },
}

/// A completion returned by the client's model.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleResult {
    /// The full result as the client sent it.
    pub result: CreateMessageResult,
}

impl SampleResult {
    /// The text of the completion (text blocks joined with newlines).
    pub fn text(&self) -> String {
        self.result.text_content()
    }

    /// The content blocks.
    pub fn content(&self) -> &[SamplingContent] {
        &self.result.content
    }

    /// The model that answered.
    pub fn model(&self) -> &str {
        &self.result.model
    }

    /// Why generation stopped.
    pub fn stop_reason(&self) -> Option<&StopReason> {
        self.result.stop_reason.as_ref()
    }
}

/// Anything that can be the input of [`Context::sample`]: a prompt or a conversation.
pub trait IntoSamplingMessages {
    /// Convert into the messages sent.
    fn into_sampling_messages(self) -> Vec<SamplingMessage>;
}

impl IntoSamplingMessages for &str {
    fn into_sampling_messages(self) -> Vec<SamplingMessage> {
        vec![SamplingMessage::user(self)]
    }
}

impl IntoSamplingMessages for String {
    fn into_sampling_messages(self) -> Vec<SamplingMessage> {
        vec![SamplingMessage::user(self)]
    }
}

impl IntoSamplingMessages for &String {
    fn into_sampling_messages(self) -> Vec<SamplingMessage> {
        vec![SamplingMessage::user(self.as_str())]
    }
}

impl IntoSamplingMessages for SamplingMessage {
    fn into_sampling_messages(self) -> Vec<SamplingMessage> {
        vec![self]
    }
}

impl IntoSamplingMessages for Vec<SamplingMessage> {
    fn into_sampling_messages(self) -> Vec<SamplingMessage> {
        self
    }
}

impl<const N: usize> IntoSamplingMessages for [SamplingMessage; N] {
    fn into_sampling_messages(self) -> Vec<SamplingMessage> {
        self.into()
    }
}

/// Anything [`Sample::model_preferences`] accepts: a model name, an ordered list of fallback
/// names, or a full [`ModelPreferences`].
pub trait IntoModelPreferences {
    /// Convert into the spec's `ModelPreferences`.
    fn into_model_preferences(self) -> ModelPreferences;
}

impl IntoModelPreferences for ModelPreferences {
    fn into_model_preferences(self) -> ModelPreferences {
        self
    }
}

impl IntoModelPreferences for &str {
    fn into_model_preferences(self) -> ModelPreferences {
        ModelPreferences::new().hint(self)
    }
}

impl IntoModelPreferences for String {
    fn into_model_preferences(self) -> ModelPreferences {
        ModelPreferences::new().hint(self)
    }
}

impl<S: AsRef<str>> IntoModelPreferences for &[S] {
    fn into_model_preferences(self) -> ModelPreferences {
        self.iter()
            .fold(ModelPreferences::new(), |p, s| p.hint(s.as_ref()))
    }
}

impl<S: AsRef<str>, const N: usize> IntoModelPreferences for [S; N] {
    fn into_model_preferences(self) -> ModelPreferences {
        self.as_slice().into_model_preferences()
    }
}

impl<S: AsRef<str>> IntoModelPreferences for Vec<S> {
    fn into_model_preferences(self) -> ModelPreferences {
        self.as_slice().into_model_preferences()
    }
}

/// The life of a lazily started request future (`Sample`, `Ask`, `Structured`): not yet
/// started, running, or done. Once done it stays done: polling again returns `Poll::Pending`
/// forever, as `futures::future::Fuse` does, and `FusedFuture::is_terminated` reports it, so
/// `&mut sample` can sit in a `tokio::select!` loop (guarded by `!sample.is_terminated()`).
pub(super) enum Run<'a, T> {
    Idle,
    Running(BoxFuture<'a, T>),
    Done,
}

impl<'a, T> Run<'a, T> {
    /// True before the first poll: the caller builds the future and calls [`Run::begin`].
    pub(super) fn is_idle(&self) -> bool {
        matches!(self, Run::Idle)
    }

    /// True once the future has returned `Ready`.
    pub(super) fn is_done(&self) -> bool {
        matches!(self, Run::Done)
    }

    pub(super) fn begin(&mut self, fut: BoxFuture<'a, T>) {
        *self = Run::Running(fut);
    }

    /// Poll the running future; `Pending` before [`Run::begin`] and forever after completion.
    pub(super) fn poll(&mut self, cx: &mut TaskContext<'_>) -> Poll<T> {
        let Run::Running(fut) = self else {
            return Poll::Pending;
        };
        let out = fut.as_mut().poll(cx);
        if out.is_ready() {
            *self = Run::Done;
        }
        out
    }
}

/// A sampling request being built; `.await` it to send it and get the completion.
///
/// It is lazy: nothing is sent until it is first polled. It is fused: polled again after it
/// completed, it returns `Poll::Pending` (it never panics and never sends again), and
/// [`FusedFuture::is_terminated`] is then true.
///
/// ```
/// use std::time::Duration;
///
/// use toolsmith::prelude::*;
///
/// /// Translate a text to French.
/// #[tool]
/// async fn translate(text: String, ctx: Context<'_>) -> Result<String, ToolError> {
///     let reply = ctx
///         .sample(text)
///         .system_prompt("Translate the user's text to French. Answer with the translation only.")
///         .model_preferences(["claude-haiku", "gpt-4o-mini"]) // hints, best first
///         .temperature(0.2)
///         .max_tokens(400)
///         .timeout(Duration::from_secs(30))
///         .await;
///     match reply {
///         Ok(reply) => Ok(reply.text()),
///         // The client has no sampling: say so instead of failing as an internal error.
///         Err(SampleError::NotSupported) => {
///             Err(ToolError::new("this tool needs a client that supports sampling"))
///         }
///         Err(e) => Err(e.into()),
///     }
/// }
///
/// let server = Server::new("translator", "1.0.0").tool(translate);
/// # drop(server);
/// ```
#[must_use = "a sample does nothing until it is awaited"]
pub struct Sample<'a> {
    ctx: Context<'a>,
    params: Option<CreateMessageParams>,
    timeout: Option<Duration>,
    key: Option<String>,
    tools: Vec<ToolDef>,
    tool_choice: Option<ToolChoice>,
    max_iterations: Option<u32>,
    running: Run<'a, Result<SampleResult, SampleError>>,
}

impl<'a> Sample<'a> {
    pub(crate) fn new(ctx: Context<'a>, messages: Vec<SamplingMessage>) -> Self {
        let max_tokens = ctx.scope().limits.default_max_tokens;
        Sample {
            ctx,
            params: Some(CreateMessageParams {
                messages,
                model_preferences: None,
                system_prompt: None,
                include_context: None,
                temperature: None,
                max_tokens,
                stop_sequences: None,
                metadata: None,
                tools: None,
                tool_choice: None,
                meta: None,
            }),
            timeout: None,
            key: None,
            tools: Vec::new(),
            tool_choice: None,
            max_iterations: None,
            running: Run::Idle,
        }
    }

    /// Send these parameters exactly (a proxy forwarding a remote server's request); the
    /// `maxTokens` and everything else come from them.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn with_params(mut self, params: CreateMessageParams) -> Self {
        self.params = Some(params);
        self
    }

    fn params(&mut self) -> &mut CreateMessageParams {
        self.params
            .as_mut()
            .expect("a Sample is not configured after it was first polled")
    }

    /// The system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.params().system_prompt = Some(prompt.into());
        self
    }

    /// The sampling temperature.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.params().temperature = Some(temperature);
        self
    }

    /// The most tokens to generate (default: the server's `Limits::default_max_tokens`, 512).
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.params().max_tokens = max_tokens;
        self
    }

    /// Sequences that stop generation.
    pub fn stop_sequences<S: Into<String>>(mut self, stops: impl IntoIterator<Item = S>) -> Self {
        self.params().stop_sequences = Some(stops.into_iter().map(Into::into).collect());
        self
    }

    /// Provider-specific metadata passed through to the client.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.params().metadata = Some(metadata);
        self
    }

    /// Model preferences: a model name (`"gpt-4o"`), an ordered list of fallbacks
    /// (`["custom_model", "gpt-4o"]`, a `Vec<String>`, a slice), or a full [`ModelPreferences`].
    /// Priorities outside 0..=1 make the sample fail with [`SampleError::InvalidRequest`].
    pub fn model_preferences(mut self, preferences: impl IntoModelPreferences) -> Self {
        self.params().model_preferences = Some(preferences.into_model_preferences());
        self
    }

    /// Ask the client to include MCP context. Anything but `None` requires the client's
    /// `sampling.context` capability, checked when the sample is sent.
    pub fn include_context(mut self, include: IncludeContext) -> Self {
        self.params().include_context = Some(include);
        self
    }

    /// How long to wait for the client (default: the server's `Limits::sample_timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Name this ask for multi round-trip requests (2026-07-28): the `inputRequests` key the
    /// client answers under. By default the key is derived from the ask itself.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The request as it will be sent.
    pub fn request(&self) -> Option<&CreateMessageParams> {
        self.params.as_ref()
    }

    /// Let the model call this tool (one of your `#[tool]`s, or a [`ToolDef`]); repeatable. The
    /// runtime runs the tool loop: the model's tool calls are executed (concurrently) and their
    /// results sent back until the model answers. Needs the client's `sampling.tools`.
    pub fn tool(mut self, tool: impl IntoTool) -> Self {
        self.tools.push(tool.into_tool());
        self
    }

    /// Let the model call these tools (see [`Sample::tool`]).
    pub fn tools(mut self, tools: impl IntoIterator<Item = ToolDef>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// How the model must use the tools.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// The most rounds of tool use before the sample fails with
    /// [`SampleError::ToolLoopLimit`] (default: the server's `Limits::max_tool_iterations`, 8).
    pub fn max_tool_iterations(mut self, iterations: u32) -> Self {
        self.max_iterations = Some(iterations);
        self
    }

    /// Ask for an answer of type `T`: the model is given `T`'s JSON Schema (as a final-answer tool
    /// when the client supports tools, otherwise as instructions), its answer is parsed and
    /// checked, and a wrong answer is sent back for correction a bounded number of times.
    pub fn structured<T>(self) -> Structured<'a, T>
    where
        T: JsonSchema + DeserializeOwned + Send + 'a,
    {
        Structured::new(self)
    }

    pub(crate) fn into_parts(mut self) -> (Context<'a>, CreateMessageParams, LoopOptions) {
        let scope = self.ctx.scope();
        let opts = LoopOptions {
            tools: std::mem::take(&mut self.tools),
            tool_choice: self.tool_choice,
            terminal_tool: None,
            max_iterations: self
                .max_iterations
                .unwrap_or(scope.limits.max_tool_iterations),
            timeout: self.timeout.unwrap_or(scope.limits.sample_timeout),
            key: self.key.take(),
        };
        (self.ctx, self.params.take().expect("not started"), opts)
    }

    fn start(&mut self) -> BoxFuture<'a, Result<SampleResult, SampleError>> {
        let placeholder = Sample {
            ctx: self.ctx,
            params: self.params.take(),
            timeout: self.timeout,
            key: self.key.take(),
            tools: std::mem::take(&mut self.tools),
            tool_choice: self.tool_choice,
            max_iterations: self.max_iterations,
            running: Run::Idle,
        };
        let (ctx, params, opts) = placeholder.into_parts();
        Box::pin(async move {
            sample_loop::run(ctx, params, opts)
                .await
                .map(|result| SampleResult { result })
        })
    }
}

impl Future for Sample<'_> {
    type Output = Result<SampleResult, SampleError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        if self.running.is_idle() {
            let fut = self.start();
            self.running.begin(fut);
        }
        self.running.poll(cx)
    }
}

impl FusedFuture for Sample<'_> {
    fn is_terminated(&self) -> bool {
        self.running.is_done()
    }
}

impl std::fmt::Debug for Sample<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sample")
            .field("params", &self.params)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
