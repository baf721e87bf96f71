use toolsmith::prelude::*;

/// A user's profile.
#[resource(uri = "users://{id}/profile")]
async fn profile(id: u64, verbose: bool) -> String {
    format!("user {id} {verbose}")
}

fn main() {
    let _ = Server::new("x", "1").resource(profile);
}
