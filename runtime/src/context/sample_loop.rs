//! Running one sample to its end: checks and policy, the choice of model (the client's or the
//! server's own), and the tool loop (the model asks for tools, the runtime runs them and sends the
//! results back, until the model answers).

use std::time::Duration;

use futures::future::{join_all, BoxFuture};
use serde_json::{json, Map, Value};

use super::answers::AnswerError;
use super::sample::SampleError;
use super::sampling_setup::{SampleOrigin, SamplerMode};
use super::Context;
use crate::jsonrpc::{ErrorObject, ResultJson};
use crate::protocol::{
    CreateMessageParams, CreateMessageResult, IncludeContext, Role, SamplingContent,
    SamplingMessage, SUPPORTED_PROTOCOL_VERSIONS,
};
use crate::tool::{needs_wrapping, wrap_result, wrapped_listing, ToolDef};

/// How `tool_choice` constrains the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides (default).
    Auto,
    /// The model must call at least one tool.
    Required,
    /// The model must not call tools.
    None,
}

impl ToolChoice {
    fn wire(self) -> Value {
        json!({ "mode": match self { ToolChoice::Auto => "auto", ToolChoice::Required => "required", ToolChoice::None => "none" } })
    }
}

/// What the loop needs besides the request.
pub(crate) struct LoopOptions {
    pub tools: Vec<ToolDef>,
    pub tool_choice: Option<ToolChoice>,
    /// A tool the model calls to give its final answer: ends the loop without running anything.
    pub terminal_tool: Option<Value>,
    pub max_iterations: u32,
    pub timeout: Duration,
    pub key: Option<String>,
}

fn tool_uses(result: &CreateMessageResult) -> Vec<(String, String, Value)> {
    result
        .content
        .iter()
        .filter_map(|c| match c {
            SamplingContent::ToolUse { id, name, input } => {
                Some((id.clone(), name.clone(), input.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Check, police and send one sample, running its tool loop to the end.
pub(crate) async fn run(
    ctx: Context<'_>,
    mut params: CreateMessageParams,
    opts: LoopOptions,
) -> Result<CreateMessageResult, SampleError> {
    let scope = ctx.scope();
    if let Some(p) = &params.model_preferences {
        p.validate().map_err(SampleError::InvalidRequest)?;
    }
    if params.messages.is_empty() {
        return Err(SampleError::InvalidRequest(
            "a sample needs at least one message".into(),
        ));
    }
    let origin = SampleOrigin {
        handler: scope.handler.as_deref(),
        client: scope.peer.client_info.as_ref(),
    };
    scope.sampling.policy.apply(&origin, &mut params)?;

    let client_sampling = scope.peer.capabilities.sampling.as_ref();
    let local = match &scope.sampling.local {
        Some((sampler, SamplerMode::Always)) => Some(sampler),
        Some((sampler, SamplerMode::Fallback)) if client_sampling.is_none() => Some(sampler),
        _ => None,
    };
    if local.is_none() {
        let Some(sampling) = client_sampling else {
            return Err(SampleError::NotSupported);
        };
        if matches!(
            params.include_context,
            Some(IncludeContext::ThisServer | IncludeContext::AllServers)
        ) && sampling.context.is_none()
        {
            return Err(SampleError::InvalidRequest(
                "includeContext other than `none` needs the client's `sampling.context` capability"
                    .into(),
            ));
        }
        if (!opts.tools.is_empty() || opts.terminal_tool.is_some()) && sampling.tools.is_none() {
            return Err(SampleError::ToolsNotSupported);
        }
    }
    // 2025-11-25 allows only object tool output: non-object output goes wrapped, as in
    // `tools/list` and `tools/call` (tool/wrapped_output.rs).
    let handshake = SUPPORTED_PROTOCOL_VERSIONS.contains(&ctx.protocol_version());
    let mut listing: Vec<Value> = opts
        .tools
        .iter()
        .map(|t| {
            let wrapped = handshake.then(|| wrapped_listing(t.tool())).flatten();
            serde_json::to_value(wrapped.as_ref().unwrap_or(t.tool())).expect("tools serialise")
        })
        .collect();
    listing.extend(opts.terminal_tool.clone());
    if !listing.is_empty() {
        params.tools = Some(listing);
        params.tool_choice = opts.tool_choice.map(ToolChoice::wire);
    }
    let terminal_name = opts
        .terminal_tool
        .as_ref()
        .and_then(|t| t["name"].as_str().map(str::to_owned));

    for iteration in 0..=opts.max_iterations {
        let key = opts.key.as_ref().map(|k| {
            if iteration == 0 {
                k.clone()
            } else {
                format!("{k}-{iteration}")
            }
        });
        let result = match local {
            Some(sampler) => sampler.create_message(params.clone()).await?,
            None => ask_client(ctx, &params, key.as_deref(), opts.timeout).await?,
        };
        let uses = tool_uses(&result);
        if uses.is_empty()
            || uses
                .iter()
                .any(|(_, name, _)| Some(name) == terminal_name.as_ref())
        {
            return Ok(result);
        }
        if iteration == opts.max_iterations {
            break;
        }
        // Run the requested tools concurrently; each result is memoised by its tool_use id so a
        // multi round-trip replay does not run it again.
        let results = join_all(uses.into_iter().map(|(id, name, input)| {
            let tools = &opts.tools;
            async move {
                let memo_key = format!("sampling-tool:{id}");
                let result = ctx
                    .memo(&memo_key, || async {
                        match tools.iter().find(|t| t.name() == name) {
                            Some(tool) => {
                                let args = match input {
                                    Value::Object(m) => Some(m),
                                    _ => Some(Map::new()),
                                };
                                tool.call(ctx, args).await
                            }
                            None => crate::protocol::CallToolResult::error(format!(
                                "unknown tool `{name}`"
                            )),
                        }
                    })
                    .await;
                let result = if handshake {
                    let schema_wrapped = tools
                        .iter()
                        .find(|t| t.name() == name)
                        .and_then(|t| t.tool().output_schema.as_ref())
                        .is_some_and(needs_wrapping);
                    wrap_result(result, schema_wrapped)
                } else {
                    result
                };
                SamplingContent::ToolResult {
                    tool_use_id: id,
                    content: result.content,
                    structured_content: result.structured_content,
                    is_error: result.is_error,
                }
            }
        }))
        .await;
        params.messages.push(SamplingMessage {
            role: Role::Assistant,
            content: result.content,
        });
        params.messages.push(SamplingMessage {
            role: Role::User,
            content: results,
        });
    }
    Err(SampleError::ToolLoopLimit(opts.max_iterations))
}

async fn ask_client(
    ctx: Context<'_>,
    params: &CreateMessageParams,
    key: Option<&str>,
    timeout: Duration,
) -> Result<CreateMessageResult, SampleError> {
    let scope = ctx.scope();
    const METHOD: &str = "sampling/createMessage";
    let invalid = |e: serde_json::Error| SampleError::InvalidRequest(e.to_string());
    // A live ask takes the params as text, serialised once straight into the frame (a replayed
    // one, to digest them and send them in `input_required`). A live answer comes as the text
    // of the client's frame, decoded once into the result.
    let ask: BoxFuture<'_, Result<ResultJson, AnswerError>> = if scope.answers.takes_text() {
        let text = serde_json::to_string(params).map_err(invalid)?;
        scope.answers.ask_text(METHOD, text, key, timeout)
    } else {
        let value = serde_json::to_value(params).map_err(invalid)?;
        let ask = scope.answers.ask(METHOD, value, key, timeout);
        Box::pin(async move { ask.await.map(ResultJson::Value) })
    };
    let answer = tokio::select! {
        biased;
        _ = scope.cancel.cancelled() => return Err(SampleError::Cancelled),
        answer = ask => answer,
    };
    let client = |e: ErrorObject| SampleError::Client {
        code: e.code,
        message: e.message,
        data: e.data,
    };
    let answer = answer.map_err(|e| match e {
        AnswerError::Rpc(e) => client(e),
        AnswerError::Timeout(d) => SampleError::Timeout(d),
        AnswerError::Closed => SampleError::ConnectionClosed,
        AnswerError::Busy => SampleError::Busy,
    })?;
    match answer.decode() {
        Ok(result) => result.map_err(|e| SampleError::InvalidResponse(e.to_string())),
        // Valid JSON too deep to read: the malformed response it always was.
        Err(unreadable) => Err(client(unreadable.into_error())),
    }
}
