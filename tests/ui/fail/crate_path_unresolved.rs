// The path given to `crate = ".."` is the one the expansion uses: one that does not resolve is
// reported at the string.
use toolsmith::prelude::*;

/// Greet someone.
#[prompt(crate = "my_sdk::toolsmith")]
async fn greet(name: String) -> String {
    format!("Say hello to {name}")
}

fn main() {
    let _ = Server::new("x", "1").prompt(greet);
}
