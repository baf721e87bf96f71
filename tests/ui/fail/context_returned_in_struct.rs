// Nor a struct that holds it.
use toolsmith::prelude::*;

struct Handle<'a> {
    ctx: Context<'a>,
}

#[tool]
async fn give_back(ctx: Context<'_>) -> Handle<'_> {
    Handle { ctx }
}

fn main() {
    let _ = Server::new("x", "1").tool(give_back);
}
