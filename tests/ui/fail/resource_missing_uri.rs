use toolsmith::prelude::*;

/// The configuration.
#[resource(mime_type = "application/json")]
async fn config() -> String {
    "{}".into()
}

fn main() {
    let _ = Server::new("x", "1").resource(config);
}
