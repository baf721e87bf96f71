// A tool can't return its context.
use toolsmith::prelude::*;

#[tool]
async fn give_back(ctx: Context<'_>) -> Context<'_> {
    ctx
}

fn main() {
    let _ = Server::new("x", "1").tool(give_back);
}
