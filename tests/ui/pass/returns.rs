// Return types: plain values, structs, `Result<T, ToolError>`, `Result<String, String>`,
// `Result` aliases, `Content`, `CallToolResult`, and `()`.
use toolsmith::prelude::*;

#[derive(Serialize, JsonSchema)]
struct Summary {
    words: usize,
    first: Option<String>,
}

#[tool]
async fn summarize(text: String) -> Summary {
    Summary {
        words: text.split_whitespace().count(),
        first: text.split_whitespace().next().map(str::to_owned),
    }
}

#[tool]
async fn ask(ctx: Context<'_>, question: String) -> Result<Summary, ToolError> {
    let reply = ctx.sample(question).max_tokens(50).await?;
    if reply.text().is_empty() {
        return Err(ToolError::new("the model said nothing"));
    }
    Ok(Summary {
        words: reply.text().split_whitespace().count(),
        first: None,
    })
}

#[tool]
async fn parse_number(text: String) -> Result<String, String> {
    text.trim()
        .parse::<i64>()
        .map(|n| (n * 2).to_string())
        .map_err(|e| format!("not a number: {e}"))
}

#[tool]
async fn std_result(text: String) -> std::result::Result<u32, std::num::ParseIntError> {
    text.parse()
}

/// A `Result` alias with only `T` (the error type is inferred).
#[tool]
async fn io_result(path: String) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

mod answers {
    /// A `Result` alias with no parameters at all.
    pub type Result = std::result::Result<String, toolsmith::ToolError>;
}

#[tool]
async fn alias_result(text: String) -> answers::Result {
    Ok(text)
}

#[tool]
async fn content(text: String) -> Content {
    Content::text(text)
}

#[tool]
async fn raw(text: String) -> CallToolResult {
    CallToolResult::text(text)
}

#[tool]
async fn unit(_text: String) {}

fn main() {
    let _ = Server::new("x", "1")
        .tool(summarize)
        .tool(ask)
        .tool(parse_number)
        .tool(std_result)
        .tool(io_result)
        .tool(alias_result)
        .tool(content)
        .tool(raw)
        .tool(unit);
}
