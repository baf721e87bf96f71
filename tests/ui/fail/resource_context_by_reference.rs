use toolsmith::prelude::*;

/// The configuration.
#[resource(uri = "config://app")]
async fn config(ctx: &Context<'_>) -> String {
    let _ = ctx;
    "{}".into()
}

fn main() {
    let _ = Server::new("x", "1").resource(config);
}
