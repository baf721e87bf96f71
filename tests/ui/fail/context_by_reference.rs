// The context is `Copy`: it is taken by value, not by reference.
use toolsmith::prelude::*;

#[tool]
async fn by_ref(ctx: &Context<'_>) -> String {
    format!("{:?}", ctx.request_id())
}

fn main() {
    let _ = Server::new("x", "1").tool(by_ref);
}
