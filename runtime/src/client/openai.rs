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
}

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
    /// offering `models`, the first being the default.
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
            http: reqwest::Client::new(),
            max_retries: 3,
            backoff: Duration::from_millis(500),
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

    /// Retries on 429 and 5xx, with exponential backoff from `first_backoff` (default 3, 500 ms).
    pub fn retries(mut self, max_retries: u32, first_backoff: Duration) -> Self {
        self.max_retries = max_retries;
        self.backoff = first_backoff;
        self
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
    pub async fn complete(
        &self,
        params: &CreateMessageParams,
    ) -> Result<CreateMessageResult, SamplingError> {
        let model = self.router.route(params.model_preferences.as_ref()).model;
        let body = Self::request_body(params, &model);
        let url = format!("{}/chat/completions", self.base_url);
        let mut attempt = 0;
        loop {
            let mut req = self.http.post(&url).json(&body);
            if let Some(key) = &self.api_key {
                req = req.bearer_auth(key);
            }
            let response = req.send().await;
            let retry_after = match response {
                Err(e) => {
                    if attempt >= self.max_retries {
                        return Err(SamplingError::internal(format!(
                            "the model backend is unreachable: {e}"
                        )));
                    }
                    None
                }
                Ok(r) if r.status().is_success() => {
                    let v: Value = r.json().await.map_err(|e| {
                        SamplingError::internal(format!("the model backend sent invalid JSON: {e}"))
                    })?;
                    return Self::parse_response(&v).map_err(SamplingError::internal);
                }
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    if attempt >= self.max_retries {
                        let status = r.status();
                        let text = r.text().await.unwrap_or_default();
                        return Err(SamplingError::internal(format!(
                            "the model backend answered {status}: {text}"
                        )));
                    }
                    r.headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs)
                }
                Ok(r) => {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    return Err(SamplingError::internal(format!(
                        "the model backend refused the request ({status}): {text}"
                    )));
                }
            };
            let wait = retry_after
                .unwrap_or(self.backoff * 2u32.pow(attempt))
                .min(Duration::from_secs(30));
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
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
