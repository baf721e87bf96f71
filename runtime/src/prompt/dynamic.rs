//! Prompts built from data at run time: an owned name, the arguments as values, and an async
//! closure that receives them and the [`Context`].

use std::borrow::Cow;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::def::{PromptArgs, PromptDef};
use crate::context::Context;
use crate::jsonrpc::ErrorObject;
use crate::protocol::{GetPromptResult, Prompt, PromptArgument};

impl PromptDef {
    /// A prompt built from data: its name, its arguments and a closure run for each
    /// `prompts/get` with the arguments given and the request's [`Context`].
    ///
    /// ```
    /// use toolsmith::prelude::*;
    /// use toolsmith::protocol::{GetPromptResult, PromptArgument};
    /// use toolsmith::PromptDef;
    ///
    /// let topic = PromptArgument::new("topic")
    ///     .with_description("What to brief on")
    ///     .with_required(true);
    /// let brief = PromptDef::dynamic("brief", vec![topic], |_ctx, args| {
    ///     Box::pin(async move {
    ///         let topic: String = args.required("topic")?;
    ///         Ok(GetPromptResult::new(vec![PromptMessage::user(format!(
    ///             "Brief me on {topic}."
    ///         ))]))
    ///     })
    /// })
    /// .with_description("A short briefing.");
    /// let server = Server::new("briefs", "1.0.0").prompt(brief);
    /// # drop(server);
    /// ```
    pub fn dynamic<F>(name: impl Into<String>, arguments: Vec<PromptArgument>, handler: F) -> Self
    where
        F: for<'a> Fn(
                Context<'a>,
                PromptArgs,
            ) -> BoxFuture<'a, Result<GetPromptResult, ErrorObject>>
            + Send
            + Sync
            + 'static,
    {
        let name = name.into();
        PromptDef {
            prompt: Prompt {
                name: name.clone(),
                title: None,
                description: None,
                arguments,
                icons: Vec::new(),
                meta: None,
            },
            name: Cow::Owned(name),
            handler: Arc::new(handler),
            scopes: &[],
        }
    }

    /// Set what the prompt is for (its `description`).
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.prompt.description = Some(description.into());
        self
    }

    /// Set the prompt's human-readable title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.prompt.title = Some(title.into());
        self
    }

    /// The OAuth scopes a caller's token must carry to get the prompt.
    pub fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }

    /// The same prompt under another name (for [`Server::mount`](crate::Server::mount)).
    pub(crate) fn renamed(&self, name: String) -> Self {
        let mut def = self.clone();
        def.prompt.name = name.clone();
        def.name = Cow::Owned(name);
        def
    }
}
