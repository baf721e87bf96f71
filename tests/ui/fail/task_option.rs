use toolsmith::prelude::*;

#[tool(task = "sometimes")]
async fn maybe() -> String {
    String::new()
}

#[tool(escalate)]
async fn escalating() -> String {
    String::new()
}

fn main() {
    let _ = Server::new("x", "1").tool(maybe).tool(escalating);
}
