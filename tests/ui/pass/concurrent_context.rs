// The context is `Copy`: several futures of one handler may use it at once.
use futures::StreamExt;
use toolsmith::prelude::*;

#[tool]
async fn compare(ctx: Context<'_>, a: String, b: String) -> Result<String, ToolError> {
    let (x, y) = tokio::join!(ctx.sample(a), ctx.sample(b));
    Ok(format!("{} / {}", x?.text(), y?.text()))
}

#[tool]
async fn classify_all(texts: Vec<String>, ctx: Context<'_>) -> Vec<String> {
    let total = texts.len();
    futures::future::join_all(texts.into_iter().enumerate().map(|(i, text)| async move {
        let label = match ctx.sample(text).await {
            Ok(reply) => reply.text(),
            Err(e) => e.to_string(),
        };
        ctx.report_progress((i + 1) as f64, Some(total as f64), None)
            .await;
        label
    }))
    .await
}

#[tool]
async fn unordered(ctx: Context<'_>, texts: Vec<String>) -> usize {
    let mut pending: futures::stream::FuturesUnordered<_> =
        texts.iter().map(|t| ctx.sample(t.as_str())).collect();
    let mut ok = 0;
    while let Some(r) = pending.next().await {
        ok += usize::from(r.is_ok());
    }
    ok
}

#[tool]
async fn until_cancelled(ctx: Context<'_>) -> &'static str {
    tokio::select! {
        _ = ctx.cancelled() => "cancelled",
        _ = tokio::time::sleep(std::time::Duration::from_millis(10)) => "done",
    }
}

fn main() {
    let _ = Server::new("x", "1")
        .tool(compare)
        .tool(classify_all)
        .tool(unordered)
        .tool(until_cancelled);
}
