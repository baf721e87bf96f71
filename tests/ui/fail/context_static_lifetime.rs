// `Context<'static>` in the signature: the context never lives that long.
use toolsmith::prelude::*;

#[tool]
async fn forever(ctx: Context<'static>) -> String {
    format!("{:?}", ctx.request_id())
}

fn main() {
    let _ = Server::new("x", "1").tool(forever);
}
