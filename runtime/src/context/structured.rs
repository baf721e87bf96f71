//! Typed sampling: `ctx.sample(..).structured::<T>()`.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures::future::{BoxFuture, FusedFuture};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::sample::{Run, Sample, SampleError};
use super::sample_loop::{self, ToolChoice};
use super::sampling_setup::SamplerMode;
use crate::protocol::{Content, Role, SamplingContent, SamplingMessage};

const FINAL_TOOL: &str = "final_answer";

/// A sample whose answer is parsed as `T`; `.await` it.
///
/// Like [`Sample`] it is lazy and fused: polled again after it completed, it returns
/// `Poll::Pending` (never panics, never samples again) and [`FusedFuture::is_terminated`] is
/// true.
#[must_use = "a sample does nothing until it is awaited"]
pub struct Structured<'a, T> {
    sample: Option<Sample<'a>>,
    max_corrections: u32,
    running: Run<'a, Result<T, SampleError>>,
    _t: PhantomData<fn() -> T>,
}

impl<'a, T: JsonSchema + DeserializeOwned + Send + 'a> Structured<'a, T> {
    pub(crate) fn new(sample: Sample<'a>) -> Self {
        Structured {
            sample: Some(sample),
            max_corrections: 2,
            running: Run::Idle,
            _t: PhantomData,
        }
    }

    /// How many times a wrong answer is sent back for correction (default 2).
    pub fn max_corrections(mut self, corrections: u32) -> Self {
        self.max_corrections = corrections;
        self
    }

    fn start(&mut self) -> BoxFuture<'a, Result<T, SampleError>> {
        let (ctx, mut params, mut opts) = self.sample.take().expect("started once").into_parts();
        let corrections = self.max_corrections;
        Box::pin(async move {
            let scope = ctx.scope();
            let schema = crate::schema::schema_value::<T>();
            let is_object = schema.get("type") == Some(&json!("object"));
            let local = match &scope.sampling.local {
                Some((_, SamplerMode::Always)) => true,
                Some((_, SamplerMode::Fallback)) => scope.peer.capabilities.sampling.is_none(),
                None => false,
            };
            let use_tool = local
                || scope
                    .peer
                    .capabilities
                    .sampling
                    .as_ref()
                    .is_some_and(|s| s.tools.is_some());
            if use_tool {
                let input_schema = if is_object {
                    schema.clone()
                } else {
                    json!({"type": "object", "properties": {"value": schema}, "required": ["value"]})
                };
                opts.terminal_tool = Some(json!({
                    "name": FINAL_TOOL,
                    "description": "Give your final answer: call this once, with the answer as its input.",
                    "inputSchema": input_schema,
                }));
                opts.tool_choice = Some(ToolChoice::Required);
            } else {
                let instruction = format!(
                    "Respond with only a JSON value, no prose and no code fences, that matches this JSON Schema:\n{schema}"
                );
                params.system_prompt = Some(match params.system_prompt.take() {
                    Some(p) => format!("{p}\n\n{instruction}"),
                    None => instruction,
                });
            }
            let mut attempts = 0;
            loop {
                attempts += 1;
                let result = sample_loop::run(ctx, params.clone(), clone_opts(&opts)).await?;
                let final_use = result.content.iter().find_map(|c| match c {
                    SamplingContent::ToolUse { id, name, input } if name == FINAL_TOOL => {
                        Some((id.clone(), input.clone()))
                    }
                    _ => None,
                });
                let parsed = match &final_use {
                    Some((_, input)) => {
                        let value = if is_object {
                            input.clone()
                        } else {
                            input.get("value").cloned().unwrap_or(Value::Null)
                        };
                        serde_json::from_value::<T>(value).map_err(|e| e.to_string())
                    }
                    None => parse_text::<T>(&result.text_content()),
                };
                let error = match parsed {
                    Ok(t) => return Ok(t),
                    Err(e) => e,
                };
                if attempts > corrections {
                    return Err(SampleError::Unstructured {
                        attempts,
                        last_error: error,
                    });
                }
                let correction = format!(
                    "That answer does not match the required schema ({error}). Answer again, matching the schema exactly."
                );
                params.messages.push(SamplingMessage {
                    role: Role::Assistant,
                    content: result.content.clone(),
                });
                params.messages.push(match final_use {
                    // Every tool_use must be answered by a tool_result, and only by those.
                    Some((id, _)) => SamplingMessage {
                        role: Role::User,
                        content: vec![SamplingContent::ToolResult {
                            tool_use_id: id,
                            content: vec![Content::text(correction)],
                            structured_content: None,
                            is_error: Some(true),
                        }],
                    },
                    None => SamplingMessage::user(correction),
                });
            }
        })
    }
}

fn clone_opts(o: &sample_loop::LoopOptions) -> sample_loop::LoopOptions {
    sample_loop::LoopOptions {
        tools: o.tools.clone(),
        tool_choice: o.tool_choice,
        terminal_tool: o.terminal_tool.clone(),
        max_iterations: o.max_iterations,
        timeout: o.timeout,
        key: o.key.clone(),
    }
}

/// Parse a model's text as `T`, tolerating code fences and prose around one JSON value.
pub(crate) fn parse_text<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let trimmed = text.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|s| s.strip_suffix("```"))
        .unwrap_or(trimmed)
        .trim();
    match serde_json::from_str::<T>(unfenced) {
        Ok(t) => Ok(t),
        Err(first) => {
            let start = unfenced.find(['{', '[']);
            let end = unfenced.rfind(['}', ']']);
            match (start, end) {
                (Some(s), Some(e)) if e > s => {
                    serde_json::from_str(&unfenced[s..=e]).map_err(|e| e.to_string())
                }
                _ => Err(format!("the answer is not JSON: {first}")),
            }
        }
    }
}

impl<'a, T: JsonSchema + DeserializeOwned + Send + 'a> Future for Structured<'a, T> {
    type Output = Result<T, SampleError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        if self.running.is_idle() {
            let fut = self.start();
            self.running.begin(fut);
        }
        self.running.poll(cx)
    }
}

impl<'a, T: JsonSchema + DeserializeOwned + Send + 'a> FusedFuture for Structured<'a, T> {
    fn is_terminated(&self) -> bool {
        self.running.is_done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct P {
        a: u8,
    }

    #[test]
    fn parses_json_in_fences_and_prose() {
        assert_eq!(parse_text::<P>(r#"{"a":1}"#), Ok(P { a: 1 }));
        assert_eq!(parse_text::<P>("```json\n{\"a\":2}\n```"), Ok(P { a: 2 }));
        assert_eq!(
            parse_text::<P>("Sure! Here it is: {\"a\":3}. Enjoy."),
            Ok(P { a: 3 })
        );
        assert!(parse_text::<P>("no json here").is_err());
        assert!(parse_text::<P>(r#"{"a":"x"}"#).is_err());
    }
}
