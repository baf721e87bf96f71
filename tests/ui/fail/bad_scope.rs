use toolsmith::prelude::*;

#[tool(scopes = ["files:read", "files write"])]
async fn read(path: String) -> String {
    path
}

#[resource(uri = "notes://all", scopes = [42])]
async fn notes() -> String {
    String::new()
}

#[prompt(scopes = "files:read")]
async fn review(text: String) -> String {
    text
}

fn main() {
    let _ = Server::new("x", "1").tool(read).resource(notes).prompt(review);
}
