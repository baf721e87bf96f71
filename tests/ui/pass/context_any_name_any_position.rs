// The context is found by its type: any name, any position, or not there at all.
use toolsmith::prelude::*;

#[tool]
async fn first(c: Context<'_>, text: String) -> String {
    c.info("first").await;
    text
}

#[tool]
async fn middle(a: i64, _request: Context<'_>, b: i64) -> i64 {
    a + b
}

#[tool]
async fn last(text: String, count: u32, request_context: toolsmith::Context<'_>) -> String {
    request_context.debug(count).await;
    text.repeat(count as usize)
}

#[tool]
async fn only(ctx: Context<'_>) -> bool {
    ctx.is_cancelled()
}

#[tool]
async fn none(text: String) -> String {
    text
}

#[tool]
async fn nothing() {}

fn main() {
    let _ = Server::new("x", "1")
        .tool(first)
        .tool(middle)
        .tool(last)
        .tool(only)
        .tool(none)
        .tool(nothing);
}
