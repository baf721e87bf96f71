// `#[resource]` and `#[prompt]` as `&self` methods in a `#[tools]` block, beside the tools:
// they share the state, and `Server::tools(state)` registers them all.
use std::sync::atomic::{AtomicU64, Ordering};

use toolsmith::prelude::*;

#[derive(Default)]
struct Notes {
    written: AtomicU64,
}

#[tools]
impl Notes {
    /// Write a note.
    #[tool]
    async fn write(&self, text: String) -> u64 {
        let _ = text;
        self.written.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// How many notes were written.
    #[resource(uri = "notes://count", mime_type = "text/plain")]
    async fn count(&self) -> String {
        self.written.load(Ordering::SeqCst).to_string()
    }

    /// One note, by number.
    #[resource(uri = "notes://{n}", name = "note")]
    async fn note(&self, n: u64, ctx: Context<'_>) -> Result<String, ToolError> {
        ctx.info(format!("reading note {n}")).await;
        if n > self.written.load(Ordering::SeqCst) {
            return Err(ToolError::new(format!("no note {n}")));
        }
        Ok(format!("note {n}"))
    }

    /// Summarise the notes.
    #[prompt(title = "Summary")]
    async fn summarise(
        &self,
        #[arg(description = "How to write it")] style: Option<String>,
    ) -> Vec<PromptMessage> {
        let n = self.written.load(Ordering::SeqCst);
        vec![PromptMessage::user(format!(
            "Summarise {n} notes, {}",
            style.unwrap_or_else(|| "briefly".into())
        ))]
    }

    /// Not a handler.
    fn reset(&self) {
        self.written.store(0, Ordering::SeqCst);
    }
}

fn main() {
    let notes = Notes::default();
    notes.reset();
    let _ = Server::new("x", "1").tools(notes);
}
