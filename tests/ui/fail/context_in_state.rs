// A context can't be stored in the server's state, which outlives every request.
use std::sync::Mutex;

use toolsmith::prelude::*;

#[derive(Default)]
struct Memory {
    last: Mutex<Option<Context<'static>>>,
}

#[tools]
impl Memory {
    /// Keep the caller around for later.
    #[tool]
    async fn keep(&self, ctx: Context<'_>) -> String {
        *self.last.lock().unwrap() = Some(ctx);
        "kept".to_owned()
    }
}

fn main() {
    let _ = Server::new("x", "1").tools(Memory::default());
}
