// Tools run on a multi-threaded runtime: their futures must be `Send`.
use std::rc::Rc;

use toolsmith::prelude::*;

#[tool]
async fn local(ctx: Context<'_>, text: String) -> String {
    let shared = Rc::new(text);
    ctx.info("working").await;
    shared.to_string()
}

fn main() {
    let _ = Server::new("x", "1").tool(local);
}
