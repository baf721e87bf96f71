use toolsmith::prelude::*;

/// Read a file.
#[tool(title = "Read", icons = ["https://example.com/read.png", "data:image/png;base64,AA=="])]
async fn read(path: String) -> String {
    path
}

/// All notes.
#[resource(uri = "notes://all", icons = ["https://example.com/notes.svg"])]
async fn notes() -> String {
    String::new()
}

/// Review a text.
#[prompt(icons = ["https://example.com/p.png"])]
async fn review(text: String) -> String {
    text
}

struct State;

#[tools]
impl State {
    /// Count.
    #[tool(icons = ["https://example.com/count.png"])]
    async fn count(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Server::new("x", "1")
        .tool(read)
        .resource(notes)
        .prompt(review)
        .tools(State);
}
