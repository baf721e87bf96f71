//! Answering the server's sampling requests: an OpenAI-compatible backend when `OPENAI_*` is
//! set, else the built-in offline model; with `--interactive`, the user sees each request first
//! and sends it, refuses it, or types the answer.

use std::sync::Arc;

use toolsmith::client::{
    ClientBuilder, ModelRouter, OpenAiBackend, SamplingError, SamplingRequest,
};
use toolsmith::protocol::{CreateMessageResult, Role};

use super::offline;
use super::terminal::Terminal;
use crate::progress::ProgressView;

/// Who answers sampling requests.
#[derive(Clone)]
pub struct Sampler {
    backend: Option<Arc<OpenAiBackend>>,
    interactive: bool,
    terminal: Terminal,
    view: ProgressView,
}

impl Sampler {
    /// The backend from the environment (`OPENAI_BASE_URL` / `OPENAI_API_KEY`, `OPENAI_MODELS`),
    /// or the offline model; who answered is reported through `view`.
    pub fn from_env(interactive: bool, terminal: Terminal, view: ProgressView) -> Self {
        Sampler {
            backend: OpenAiBackend::from_env().map(Arc::new),
            interactive,
            terminal,
            view,
        }
    }

    /// Give `builder` this sampler's model router and sampling handler.
    pub fn install(self, builder: ClientBuilder) -> ClientBuilder {
        let router = match &self.backend {
            Some(backend) => backend.model_router().clone(),
            None => {
                let names = offline::model_names();
                ModelRouter::new(names, names[0])
            }
        };
        builder
            .model_router(router)
            .sampling_handler(move |request: SamplingRequest| {
                let sampler = self.clone();
                async move { sampler.answer(request).await }
            })
    }

    async fn answer(&self, request: SamplingRequest) -> Result<CreateMessageResult, SamplingError> {
        if self.interactive {
            if let Some(typed) = self.consult(&request).await? {
                self.view
                    .println("sampling: answered by you at the terminal");
                return Ok(CreateMessageResult::text("user", typed));
            }
        }
        let (result, who) = match &self.backend {
            Some(backend) => (
                backend.complete(&request.params).await?,
                "the OpenAI-compatible backend",
            ),
            None => (offline::answer(&request), "the built-in offline model"),
        };
        self.view.println(&format!(
            "sampling: answered by {who} (model {}): {}",
            result.model,
            one_line(&result.text_content(), 80)
        ));
        Ok(result)
    }

    /// Show the request and ask what to do: `Ok(None)` to let the model answer, `Ok(Some)` for
    /// a typed answer, `Err` when the user refuses (or stdin is closed).
    async fn consult(&self, request: &SamplingRequest) -> Result<Option<String>, SamplingError> {
        let talk = self.terminal.conversation().await;
        let server = request.server_name().unwrap_or("the server");
        talk.say(&format!("── {server} asks for a completion ──"));
        if let Some(system) = request.system_prompt() {
            talk.say(&format!("system: {system}"));
        }
        for message in request.messages() {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            talk.say(&format!("{role}: {}", message.text()));
        }
        let model = match &self.backend {
            Some(_) => request.routed_model().unwrap_or("the default model"),
            None => "the built-in offline model",
        };
        talk.say(&format!(
            "max tokens: {}; would go to {model}",
            request.max_tokens()
        ));
        loop {
            let Some(choice) = talk
                .ask("Send it? [y]es / [n]o / [t]ype the answer yourself:")
                .await
            else {
                return Err(SamplingError::rejected(
                    "user rejected: no answer at the terminal",
                ));
            };
            match choice.trim().to_lowercase().as_str() {
                "" | "y" | "yes" => return Ok(None),
                "n" | "no" => return Err(SamplingError::rejected("user rejected")),
                "t" | "type" => {
                    let typed = talk.ask("Your answer:").await.unwrap_or_default();
                    return Ok(Some(typed));
                }
                other => talk.say(&format!("`{other}` is not one of y, n, t")),
            }
        }
    }
}

/// `text` on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max).collect::<String>())
    }
}
