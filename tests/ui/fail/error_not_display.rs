// The `Err` type of a `Result` return must be `Display`.
use toolsmith::prelude::*;

#[derive(Debug)]
struct Oops;

#[tool]
async fn risky(text: String) -> Result<String, Oops> {
    if text.is_empty() {
        Err(Oops)
    } else {
        Ok(text)
    }
}

fn main() {
    let _ = Server::new("x", "1").tool(risky);
}
