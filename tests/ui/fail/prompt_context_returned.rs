use toolsmith::prelude::*;

/// Greet someone.
#[prompt]
async fn greet(name: String, ctx: Context<'_>) -> Context<'_> {
    let _ = name;
    ctx
}

fn main() {
    let _ = Server::new("x", "1").prompt(greet);
}
