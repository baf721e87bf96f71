use crate::protocol::{Content, GetPromptResult, PromptMessage};

/// A value a `#[prompt]` can return (directly, or as the `Ok` of a `Result`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be returned from a #[prompt]",
    label = "this return type is not prompt messages",
    note = "return a `String` (one user message), `PromptMessage`, `Vec<PromptMessage>`, `Content`, or `GetPromptResult`"
)]
pub trait PromptOutput {
    /// Build the result.
    fn into_prompt_result(self) -> GetPromptResult;
}

fn messages(messages: Vec<PromptMessage>) -> GetPromptResult {
    GetPromptResult {
        description: None,
        messages,
        meta: None,
    }
}

impl PromptOutput for String {
    fn into_prompt_result(self) -> GetPromptResult {
        messages(vec![PromptMessage::user(self)])
    }
}

impl PromptOutput for &'static str {
    fn into_prompt_result(self) -> GetPromptResult {
        messages(vec![PromptMessage::user(self)])
    }
}

impl PromptOutput for Content {
    fn into_prompt_result(self) -> GetPromptResult {
        messages(vec![PromptMessage::user(self)])
    }
}

impl PromptOutput for PromptMessage {
    fn into_prompt_result(self) -> GetPromptResult {
        messages(vec![self])
    }
}

impl PromptOutput for Vec<PromptMessage> {
    fn into_prompt_result(self) -> GetPromptResult {
        messages(self)
    }
}

impl PromptOutput for GetPromptResult {
    fn into_prompt_result(self) -> GetPromptResult {
        self
    }
}
