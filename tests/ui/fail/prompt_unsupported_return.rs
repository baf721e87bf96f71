use toolsmith::prelude::*;

/// Greet someone.
#[prompt]
async fn greet(name: String) -> u32 {
    name.len() as u32
}

fn main() {
    let _ = Server::new("x", "1").prompt(greet);
}
