use toolsmith::prelude::*;

/// Greet someone.
#[prompt]
async fn greet(name: String, ctx: Context<'_>, again: Context<'_>) -> String {
    let _ = (ctx, again);
    format!("Say hello to {name}")
}

fn main() {
    let _ = Server::new("x", "1").prompt(greet);
}
