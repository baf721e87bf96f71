use toolsmith::prelude::*;

/// A user's profile.
#[resource(uri = "users://{id}/profile")]
async fn profile() -> String {
    "someone".into()
}

fn main() {
    let _ = Server::new("x", "1").resource(profile);
}
