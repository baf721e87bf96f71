use toolsmith::prelude::*;

#[tool(name = "echo", name = "say")]
async fn echo(text: String) -> String {
    text
}

fn main() {
    let _ = Server::new("x", "1").tool(echo);
}
