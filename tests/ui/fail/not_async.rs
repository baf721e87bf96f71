use toolsmith::prelude::*;

#[tool]
fn shout(text: String) -> String {
    text.to_uppercase()
}

fn main() {
    let _ = Server::new("x", "1").tool(shout);
}
