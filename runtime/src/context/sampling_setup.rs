//! Server-side sampling configuration: the policy every sample passes before any data leaves
//! the server, and an optional server-owned model used when the client cannot sample (or always).

use std::collections::HashSet;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::sample::SampleError;
use crate::protocol::{CreateMessageParams, CreateMessageResult, Implementation};

/// What a policy hook is told about the sample being checked.
#[derive(Debug, Clone)]
pub struct SampleOrigin<'a> {
    /// The tool, prompt or resource whose handler is sampling (`None` outside a handler).
    pub handler: Option<&'a str>,
    /// The client, when it identified itself.
    pub client: Option<&'a Implementation>,
}

/// A check run on every sample before it is sent: it may edit the request (redact) or refuse
/// it with a reason (the tool receives [`SampleError::Refused`]).
pub type SampleHook =
    Arc<dyn Fn(&SampleOrigin<'_>, &mut CreateMessageParams) -> Result<(), String> + Send + Sync>;

/// Limits and consent rules for sampling, enforced before any data leaves the server.
#[derive(Clone, Default)]
pub struct SamplingPolicy {
    allowed_handlers: Option<HashSet<String>>,
    max_tokens: Option<u32>,
    max_prompt_chars: Option<usize>,
    hooks: Vec<SampleHook>,
}

impl std::fmt::Debug for SamplingPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamplingPolicy")
            .field("allowed_handlers", &self.allowed_handlers)
            .field("max_tokens", &self.max_tokens)
            .field("max_prompt_chars", &self.max_prompt_chars)
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl SamplingPolicy {
    /// No restrictions (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only these tools, prompts or resources (by name or URI) may sample; every other handler's
    /// samples are refused.
    pub fn allow_only<S: Into<String>>(mut self, handlers: impl IntoIterator<Item = S>) -> Self {
        self.allowed_handlers = Some(handlers.into_iter().map(Into::into).collect());
        self
    }

    /// Cap `maxTokens`: larger requests are lowered to the cap.
    pub fn max_tokens(mut self, cap: u32) -> Self {
        self.max_tokens = Some(cap);
        self
    }

    /// Refuse samples whose messages and system prompt hold more than `chars` characters of text.
    pub fn max_prompt_chars(mut self, chars: usize) -> Self {
        self.max_prompt_chars = Some(chars);
        self
    }

    /// Run `hook` on every sample: edit the request to redact, or return `Err(reason)` to refuse.
    pub fn hook(
        mut self,
        hook: impl Fn(&SampleOrigin<'_>, &mut CreateMessageParams) -> Result<(), String>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Apply the policy to `params`.
    pub(crate) fn apply(
        &self,
        origin: &SampleOrigin<'_>,
        params: &mut CreateMessageParams,
    ) -> Result<(), SampleError> {
        if let Some(allowed) = &self.allowed_handlers {
            let ok = origin.handler.is_some_and(|h| allowed.contains(h));
            if !ok {
                return Err(SampleError::Refused(format!(
                    "the sampling policy does not allow `{}` to sample",
                    origin.handler.unwrap_or("this handler")
                )));
            }
        }
        if let Some(cap) = self.max_tokens {
            params.max_tokens = params.max_tokens.min(cap);
        }
        for hook in &self.hooks {
            hook(origin, params).map_err(SampleError::Refused)?;
        }
        if let Some(max) = self.max_prompt_chars {
            let chars: usize = params
                .messages
                .iter()
                .map(|m| m.text().chars().count())
                .sum::<usize>()
                + params
                    .system_prompt
                    .as_ref()
                    .map_or(0, |s| s.chars().count());
            if chars > max {
                return Err(SampleError::Refused(format!(
                    "the prompt holds {chars} characters; the sampling policy allows {max}"
                )));
            }
        }
        Ok(())
    }
}

/// A model the server itself can call (for example an HTTP LLM API), as an alternative to the
/// client's.
pub trait LocalSampler: Send + Sync + 'static {
    /// Produce a completion.
    fn create_message(
        &self,
        params: CreateMessageParams,
    ) -> BoxFuture<'_, Result<CreateMessageResult, SampleError>>;
}

impl<F, Fut> LocalSampler for F
where
    F: Fn(CreateMessageParams) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<CreateMessageResult, SampleError>> + Send + 'static,
{
    fn create_message(
        &self,
        params: CreateMessageParams,
    ) -> BoxFuture<'_, Result<CreateMessageResult, SampleError>> {
        Box::pin(self(params))
    }
}

/// When the server's own sampler is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplerMode {
    /// Only when the client cannot sample (it did not declare the capability).
    Fallback,
    /// For every sample; the client is never asked.
    Always,
}

/// Everything a request needs to know about sampling, shared by all requests of a server.
#[derive(Clone, Default)]
pub(crate) struct SamplingSetup {
    pub policy: SamplingPolicy,
    pub local: Option<(Arc<dyn LocalSampler>, SamplerMode)>,
}
