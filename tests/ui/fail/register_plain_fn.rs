// Only `#[tool]` functions can be registered with `Server::tool`.
use toolsmith::prelude::*;

async fn echo(text: String) -> String {
    text
}

fn main() {
    let _ = Server::new("x", "1").tool(echo);
}
