use toolsmith::prelude::*;

#[tool(scopes = ["files:read"])]
async fn read(path: String) -> String {
    path
}

#[resource(uri = "notes://all", scopes = ["notes:read", "mcp"])]
async fn notes() -> String {
    String::new()
}

#[prompt(scopes = ["prompts"])]
async fn review(text: String) -> String {
    text
}

struct Files;

#[tools]
impl Files {
    #[tool(scopes = ["files:write"])]
    async fn write(&self, path: String) -> String {
        path
    }
}

fn main() {
    let _ = Server::new("x", "1")
        .tool(read)
        .resource(notes)
        .prompt(review)
        .tools(Files);
}
