// A context can't be kept in a global: it lives only as long as its request.
use std::sync::OnceLock;

use toolsmith::prelude::*;

static FIRST_REQUEST: OnceLock<Context<'static>> = OnceLock::new();

#[tool]
async fn remember(ctx: Context<'_>) -> String {
    let _ = FIRST_REQUEST.set(ctx);
    "remembered".to_owned()
}

fn main() {
    let _ = Server::new("x", "1").tool(remember);
}
