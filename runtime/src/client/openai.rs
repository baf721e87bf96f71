//! A real LLM backend: any OpenAI-compatible chat-completions API (OpenAI, or local servers
//! such as Ollama, llama.cpp's server or vLLM). Usable as the client's sampling handler, and as
//! a server's own sampler (`Server::sampler`).

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::handlers::{SamplingError, SamplingHandler, SamplingReply, SamplingRequest};
use super::router::{ModelInfo, ModelRouter};
#[cfg(feature = "server")]
use crate::context::{LocalSampler, SampleError};
use crate::protocol::{
    CreateMessageParams, CreateMessageResult, Role, SamplingContent, StopReason,
};

/// An OpenAI-compatible chat-completions backend.
#[derive(Clone)]
pub struct OpenAiBackend {
    base_url: String,
    api_key: Option<String>,
    router: ModelRouter,
    http: reqwest::Client,
    max_retries: u32,
    backoff: Duration,
    timeout: Duration,
}

/// The most retries [`OpenAiBackend::retries`] allows.
const MAX_RETRIES: u32 = 10;
/// The longest wait between two attempts, whatever the backoff or `Retry-After` says.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The largest response body read from the backend.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How much of a backend's error body goes to the local log.
const LOGGED_BODY_CHARS: usize = 500;

impl std::fmt::Debug for OpenAiBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiBackend")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl OpenAiBackend {
    /// A backend at `base_url` (e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`)
    /// offering `models`, the first being the default. Redirects are not followed (a `3xx`
    /// answer fails the request), so prompts and keys go to `base_url` only.
    pub fn new<S: Into<String>>(
        base_url: impl Into<String>,
        models: impl IntoIterator<Item = S>,
    ) -> Self {
        let models: Vec<String> = models.into_iter().map(Into::into).collect();
        let default = models
            .first()
            .cloned()
            .unwrap_or_else(|| "gpt-4o-mini".to_owned());
        OpenAiBackend {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            router: ModelRouter::new(models.into_iter().map(ModelInfo::new), default),
            // Redirects are not followed: a redirect to another origin would carry the prompt
            // there. (Building fails only when the TLS backend cannot start, as `new` would.)
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            max_retries: 3,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(120),
        }
    }

    /// From the environment: `OPENAI_BASE_URL` (default `https://api.openai.com/v1`),
    /// `OPENAI_API_KEY`, and `OPENAI_MODELS` (comma-separated, first is the default; default
    /// `gpt-4o-mini`). `None` unless `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set.
    pub fn from_env() -> Option<Self> {
        let base = std::env::var("OPENAI_BASE_URL").ok();
        let key = std::env::var("OPENAI_API_KEY").ok();
        if base.is_none() && key.is_none() {
            return None;
        }
        let models: Vec<String> = std::env::var("OPENAI_MODELS")
            .unwrap_or_else(|_| "gpt-4o-mini".into())
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        let mut b = Self::new(
            base.unwrap_or_else(|| "https://api.openai.com/v1".into()),
            models,
        );
        b.api_key = key;
        Some(b)
    }

    /// Send `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Route model preferences over this catalogue instead of the plain model list.
    pub fn router(mut self, router: ModelRouter) -> Self {
        self.router = router;
        self
    }

    /// The catalogue requests are routed over.
    pub fn model_router(&self) -> &ModelRouter {
        &self.router
    }

    /// Retries on 429, 5xx and unreachable backends, with exponential backoff from
    /// `first_backoff` (default 3 retries, 500 ms). At most 10 retries are
    /// made (a larger count is lowered to it), and no wait exceeds 30 s, whatever the backoff or
    /// the backend's `Retry-After`.
    pub fn retries(mut self, max_retries: u32, first_backoff: Duration) -> Self {
        self.max_retries = max_retries.min(MAX_RETRIES);
        self.backoff = first_backoff;
        self
    }

    /// How long one attempt may take, from connecting to the end of the response body
    /// (default 120 s). An attempt that times out counts as a failure to reach the backend.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The wait before retry number `attempt + 1`: the first backoff doubled `attempt` times,
    /// saturating, and at most 30 s.
    fn backoff_for(&self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt).unwrap_or(u32::MAX);
        self.backoff.saturating_mul(factor).min(MAX_BACKOFF)
    }

    /// The chat-completions request body for a sampling request, for `model`.
    pub fn request_body(params: &CreateMessageParams, model: &str) -> Value {
        let mut messages = Vec::new();
        if let Some(system) = &params.system_prompt {
            messages.push(json!({"role": "system", "content": system}));
        }
        for m in &params.messages {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            let mut parts = Vec::new();
            let mut tool_calls = Vec::new();
            for c in &m.content {
                match c {
                    SamplingContent::Text { text, .. } => parts.push(json!({"type": "text", "text": text})),
                    SamplingContent::Image { data, mime_type } => parts.push(json!({
                        "type": "image_url", "image_url": {"url": format!("data:{mime_type};base64,{data}")}
                    })),
                    SamplingContent::Audio { data, mime_type } => parts.push(json!({
                        "type": "input_audio",
                        "input_audio": {"data": data, "format": mime_type.rsplit('/').next().unwrap_or("wav")}
                    })),
                    SamplingContent::ToolUse { id, name, input } => tool_calls.push(json!({
                        "id": id, "type": "function", "function": {"name": name, "arguments": input.to_string()}
                    })),
                    SamplingContent::ToolResult { tool_use_id, content, structured_content, .. } => {
                        let text = match structured_content {
                            Some(s) => s.to_string(),
                            None => content.iter().filter_map(|c| c.as_text()).collect::<Vec<_>>().join("\n"),
                        };
                        messages.push(json!({"role": "tool", "tool_call_id": tool_use_id, "content": text}));
                    }
                }
            }
            let only_text = parts.iter().all(|p| p["type"] == "text");
            let content = if only_text {
                Value::from(
                    parts
                        .iter()
                        .filter_map(|p| p["text"].as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            } else {
                Value::Array(parts)
            };
            if !tool_calls.is_empty() {
                messages.push(
                    json!({"role": "assistant", "content": content, "tool_calls": tool_calls}),
                );
            } else if content != ""
                || role == "user"
                    && !m
                        .content
                        .iter()
                        .any(|c| matches!(c, SamplingContent::ToolResult { .. }))
            {
                messages.push(json!({"role": role, "content": content}));
            }
        }
        let mut body =
            json!({"model": model, "messages": messages, "max_tokens": params.max_tokens});
        if let Some(t) = params.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(stop) = &params.stop_sequences {
            body["stop"] = json!(stop);
        }
        if let Some(tools) = &params.tools {
            body["tools"] = Value::Array(
                tools
                    .iter()
                    .map(|t| json!({"type": "function", "function": {
                        "name": t["name"], "description": t.get("description").cloned().unwrap_or(Value::from("")),
                        "parameters": t["inputSchema"]
                    }}))
                    .collect(),
            );
            if let Some(mode) = params.tool_choice.as_ref().and_then(|c| c["mode"].as_str()) {
                body["tool_choice"] = json!(mode);
            }
        }
        body
    }

    /// Read a chat-completions response into a sampling result.
    pub fn parse_response(body: &Value) -> Result<CreateMessageResult, String> {
        let choice = body["choices"]
            .get(0)
            .ok_or("the response has no choices")?;
        let message = &choice["message"];
        let mut content = Vec::new();
        if let Some(text) = message["content"].as_str().filter(|t| !t.is_empty()) {
            content.push(SamplingContent::text(text));
        }
        for call in message["tool_calls"].as_array().into_iter().flatten() {
            let args = call["function"]["arguments"].as_str().unwrap_or("{}");
            content.push(SamplingContent::ToolUse {
                id: call["id"].as_str().unwrap_or_default().to_owned(),
                name: call["function"]["name"]
                    .as_str()
                    .ok_or("a tool call has no name")?
                    .to_owned(),
                input: serde_json::from_str(args).unwrap_or_else(|_| Value::Object(Map::new())),
            });
        }
        if content.is_empty() {
            content.push(SamplingContent::text(""));
        }
        let stop_reason = match choice["finish_reason"].as_str() {
            Some("stop") => Some(StopReason::EndTurn),
            Some("length") => Some(StopReason::MaxTokens),
            Some("tool_calls") => Some(StopReason::ToolUse),
            Some(other) => Some(StopReason::Other(other.to_owned())),
            None => None,
        };
        Ok(CreateMessageResult {
            role: Role::Assistant,
            content,
            model: body["model"].as_str().unwrap_or("unknown").to_owned(),
            stop_reason,
            meta: None,
        })
    }

    /// Complete `params` with the model the router picks.
    ///
    /// The error is deliberately generic (it reaches the MCP server that asked for the sample):
    /// the backend's URL, its error body and the transport error's detail, which may carry
    /// secrets, go to the local `tracing` log only.
    pub async fn complete(
        &self,
        params: &CreateMessageParams,
    ) -> Result<CreateMessageResult, SamplingError> {
        let model = self.router.route(params.model_preferences.as_ref()).model;
        let body = Self::request_body(params, &model);
        let url = format!("{}/chat/completions", self.base_url);
        let mut attempt = 0;
        loop {
            let mut req = self.http.post(&url).json(&body).timeout(self.timeout);
            if let Some(key) = &self.api_key {
                req = req.bearer_auth(key);
            }
            let response = req.send().await;
            let retry_after = match response {
                Err(e) => {
                    tracing::warn!(attempt, error = %describe(&e), "the model backend is unreachable");
                    if attempt >= self.max_retries {
                        return Err(SamplingError::internal("the model backend is unreachable"));
                    }
                    None
                }
                Ok(r) if r.status().is_success() => {
                    let parsed = read_capped(r)
                        .await
                        .and_then(|b| {
                            serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string())
                        })
                        .and_then(|v| Self::parse_response(&v));
                    return parsed.map_err(|reason| {
                        tracing::warn!(reason, "the model backend's answer is unusable");
                        SamplingError::internal("the model backend sent an unusable answer")
                    });
                }
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    let status = r.status();
                    let retry_after = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let text = error_text(r).await;
                    tracing::warn!(attempt, %status, body = text, "the model backend failed");
                    if attempt >= self.max_retries {
                        return Err(SamplingError::internal(format!(
                            "the model backend failed (HTTP {})",
                            status.as_u16()
                        )));
                    }
                    retry_after
                }
                Ok(r) => {
                    let status = r.status();
                    let text = error_text(r).await;
                    tracing::warn!(%status, body = text, "the model backend refused the request");
                    return Err(SamplingError::internal(format!(
                        "the model backend refused the request (HTTP {})",
                        status.as_u16()
                    )));
                }
            };
            let wait =
                retry_after.map_or_else(|| self.backoff_for(attempt), |w| w.min(MAX_BACKOFF));
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// A transport error with its causes, without the URL (which may carry secrets).
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        String::new()
    };
    let mut source = error.source();
    while let Some(s) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The response body, up to [`MAX_RESPONSE_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "the response is larger than {MAX_RESPONSE_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The start of an error response's body, for the local log.
async fn error_text(response: reqwest::Response) -> String {
    match read_capped(response).await {
        Ok(body) => String::from_utf8_lossy(&body)
            .chars()
            .take(LOGGED_BODY_CHARS)
            .collect(),
        Err(e) => format!("(unreadable: {e})"),
    }
}

impl SamplingHandler for OpenAiBackend {
    async fn create_message(
        &self,
        request: SamplingRequest,
    ) -> Result<SamplingReply, SamplingError> {
        self.complete(&request.params)
            .await
            .map(SamplingReply::Result)
    }
}

/// A server's own sampler (`Server::sampler`), with the `server` feature.
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
impl LocalSampler for OpenAiBackend {
    fn create_message(
        &self,
        params: CreateMessageParams,
    ) -> futures::future::BoxFuture<'_, Result<CreateMessageResult, SampleError>> {
        Box::pin(async move {
            self.complete(&params)
                .await
                .map_err(|e| SampleError::Client {
                    code: e.code(),
                    message: e.message().to_owned(),
                    data: None,
                })
        })
    }
}
