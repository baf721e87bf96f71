use toolsmith::prelude::*;

#[tool(name = "bad name!")]
async fn bad(text: String) -> String {
    text
}

fn main() {
    let _ = Server::new("x", "1").tool(bad);
}
