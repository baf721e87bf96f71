use toolsmith::prelude::*;

#[tool(icons = ["https://example.com/ok.png", "javascript:alert(1)"])]
async fn read(path: String) -> String {
    path
}

#[resource(uri = "notes://all", icons = ["data:text/html,<b>"])]
async fn notes() -> String {
    String::new()
}

#[prompt(icons = "https://example.com/p.png")]
async fn review(text: String) -> String {
    text
}

fn main() {
    let _ = Server::new("x", "1").tool(read).resource(notes).prompt(review);
}
