//! Prompts: their definitions, argument parsing, and how return values become messages.

mod def;
mod dynamic;
mod output;

pub use def::{
    IntoPrompt, PromptArgMeta, PromptArgs, PromptDef, PromptFn, PromptMarker, PromptMeta,
    PromptMethod,
};
pub use output::PromptOutput;
