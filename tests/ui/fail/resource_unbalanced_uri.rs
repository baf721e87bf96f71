use toolsmith::prelude::*;

/// A user's profile.
#[resource(uri = "users://{id/profile")]
async fn profile(id: u64) -> String {
    format!("user {id}")
}

fn main() {
    let _ = Server::new("x", "1").resource(profile);
}
