//! Fixture tools shared by the integration tests: each is registered by several test files, so
//! it is written once here. A tool that only one file uses stays in that file.

use toolsmith::prelude::*;

/// Echo the text.
#[tool]
pub async fn echo(text: String) -> String {
    text
}

/// Say hi.
#[tool]
pub async fn hi() -> String {
    "hi".into()
}

/// Ask once.
#[tool]
pub async fn one(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    Ok(ctx.sample(question).max_tokens(10).await?.text())
}

/// Ask three things at once.
#[tool]
pub async fn three(ctx: Context<'_>) -> Result<String, ToolError> {
    let (a, b, c) = futures::join!(ctx.sample("a"), ctx.sample("b"), ctx.sample("c"));
    Ok(format!("{}{}{}", a?.text(), b?.text(), c?.text()))
}

/// Ask, then ask about the answer.
#[tool]
pub async fn chain(ctx: Context<'_>) -> Result<String, ToolError> {
    let first = ctx.sample("first").await?.text();
    let second = ctx.sample(format!("after {first}")).await?.text();
    Ok(format!("{first}+{second}"))
}

/// Ask, and report a refusal instead of failing.
#[tool]
pub async fn ask_or_explain(question: String, ctx: Context<'_>) -> String {
    match ctx.sample(question).max_tokens(20).await {
        Ok(r) => r.text(),
        Err(e) => format!("refused: {e}"),
    }
}

/// Log at two levels.
#[tool]
pub async fn chatty(ctx: Context<'_>) -> String {
    ctx.info("just so you know").await;
    ctx.error("something broke").await;
    "done".into()
}

/// List the client's roots.
#[tool]
pub async fn roots(ctx: Context<'_>) -> Result<String, ToolError> {
    let listed = ctx.list_roots().await?;
    Ok(listed
        .iter()
        .map(|r| r.uri.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// Fails with an I/O error that names a private path.
#[tool]
pub async fn leaks() -> Result<String, ToolError> {
    Err(std::io::Error::other("cannot open /srv/private/keys.pem"))?
}
