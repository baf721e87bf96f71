use toolsmith::prelude::*;

#[tool(nmae = "echo")]
async fn echo(text: String) -> String {
    text
}

fn main() {
    let _ = Server::new("x", "1").tool(echo);
}
