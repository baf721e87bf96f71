use toolsmith::prelude::*;

/// The configuration.
#[resource(uri = "config://app", uri = "config://other")]
async fn config() -> String {
    "{}".into()
}

fn main() {
    let _ = Server::new("x", "1").resource(config);
}
