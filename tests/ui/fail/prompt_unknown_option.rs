use toolsmith::prelude::*;

/// Greet someone.
#[prompt(uri = "prompts://greet")]
async fn greet(name: String) -> String {
    format!("Say hello to {name}")
}

fn main() {
    let _ = Server::new("x", "1").prompt(greet);
}
