// The context borrows the request: it can't be moved into a detached task.
use toolsmith::prelude::*;

#[tool]
async fn fire_and_forget(text: String, ctx: Context<'_>) -> String {
    tokio::spawn(async move {
        ctx.info(text).await;
    });
    "started".to_owned()
}

fn main() {
    let _ = Server::new("x", "1").tool(fire_and_forget);
}
