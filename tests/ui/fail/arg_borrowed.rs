// Arguments are decoded from JSON owned by the runtime: a parameter can't borrow.
use toolsmith::prelude::*;

#[tool]
async fn shout(text: &str) -> String {
    text.to_uppercase()
}

fn main() {
    let _ = Server::new("x", "1").tool(shout);
}
