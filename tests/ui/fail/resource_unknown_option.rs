use toolsmith::prelude::*;

/// The configuration.
#[resource(uri = "config://app", mimetype = "application/json")]
async fn config() -> String {
    "{}".into()
}

fn main() {
    let _ = Server::new("x", "1").resource(config);
}
