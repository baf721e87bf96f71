// A context can't be pushed into a longer-lived struct (here a field of a global).
use std::sync::Mutex;

use toolsmith::prelude::*;

struct Registry {
    contexts: Vec<Context<'static>>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    contexts: Vec::new(),
});

#[tool]
async fn register(ctx: Context<'_>) -> String {
    REGISTRY.lock().unwrap().contexts.push(ctx);
    "registered".to_owned()
}

fn main() {
    let _ = Server::new("x", "1").tool(register);
}
