// `Params<T>` is the whole argument object: no other input parameter may sit beside it.
use toolsmith::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[tool]
async fn search(Params(query): Params<Query>, limit: u32, ctx: Context<'_>) -> String {
    ctx.info("searching").await;
    format!("{} (max {limit})", query.text)
}

fn main() {
    let _ = Server::new("x", "1").tool(search);
}
