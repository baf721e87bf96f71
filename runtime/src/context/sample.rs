use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;

use super::answers::AnswerError;
use super::Context;
use crate::protocol::{
    CreateMessageParams, CreateMessageResult, IncludeContext, ModelPreferences, SamplingContent,
    SamplingMessage, StopReason,
};

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

/// A sampling request being built; `.await` it to send it and get the completion.
///
/// It is lazy: nothing is sent until it is first polled.
#[must_use = "a sample does nothing until it is awaited"]
pub struct Sample<'a> {
    ctx: Context<'a>,
    params: Option<CreateMessageParams>,
    timeout: Option<Duration>,
    key: Option<String>,
    running: Option<BoxFuture<'a, Result<SampleResult, SampleError>>>,
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
            running: None,
        }
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

    fn start(&mut self) -> BoxFuture<'a, Result<SampleResult, SampleError>> {
        let params = self.params.take().expect("started once");
        let scope = self.ctx.scope();
        let timeout = self.timeout.unwrap_or(scope.limits.sample_timeout);
        let key = self.key.take();
        Box::pin(async move {
            let caps = &scope.peer.capabilities;
            let Some(sampling) = caps.sampling.as_ref() else {
                return Err(SampleError::NotSupported);
            };
            if let Some(p) = &params.model_preferences {
                p.validate().map_err(SampleError::InvalidRequest)?;
            }
            if params.messages.is_empty() {
                return Err(SampleError::InvalidRequest(
                    "a sample needs at least one message".into(),
                ));
            }
            if matches!(
                params.include_context,
                Some(IncludeContext::ThisServer | IncludeContext::AllServers)
            ) && sampling.context.is_none()
            {
                return Err(SampleError::InvalidRequest(
                    "includeContext other than `none` needs the client's `sampling.context` capability".into(),
                ));
            }
            let params = serde_json::to_value(&params)
                .map_err(|e| SampleError::InvalidRequest(e.to_string()))?;
            let ask = scope.answers.ask("sampling/createMessage", params, key.as_deref(), timeout);
            let answer = tokio::select! {
                biased;
                _ = scope.cancel.cancelled() => return Err(SampleError::Cancelled),
                answer = ask => answer,
            };
            let value = answer.map_err(|e| match e {
                AnswerError::Rpc(e) => SampleError::Client {
                    code: e.code,
                    message: e.message,
                    data: e.data,
                },
                AnswerError::Timeout(d) => SampleError::Timeout(d),
                AnswerError::Closed => SampleError::ConnectionClosed,
            })?;
            let result: CreateMessageResult = serde_json::from_value(value)
                .map_err(|e| SampleError::InvalidResponse(e.to_string()))?;
            Ok(SampleResult { result })
        })
    }
}

impl Future for Sample<'_> {
    type Output = Result<SampleResult, SampleError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        if self.running.is_none() {
            let fut = self.start();
            self.running = Some(fut);
        }
        self.running.as_mut().expect("running").as_mut().poll(cx)
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
