use toolsmith::prelude::*;

#[tool]
async fn twice(a: Context<'_>, text: String, b: Context<'_>) -> String {
    a.info(text).await;
    b.info("again").await;
    "done".to_owned()
}

fn main() {
    let _ = Server::new("x", "1").tool(twice);
}
