// The context borrows the request: it can't be moved into `spawn_blocking`.
use toolsmith::prelude::*;

#[tool]
async fn blocking(ctx: Context<'_>) -> Result<String, ToolError> {
    let id = tokio::task::spawn_blocking(move || format!("{:?}", ctx.request_id())).await?;
    Ok(id)
}

fn main() {
    let _ = Server::new("x", "1").tool(blocking);
}
