use toolsmith::prelude::*;

struct Profile {
    name: String,
}

/// A user's profile.
#[resource(uri = "users://{id}/profile")]
async fn profile(id: u64) -> Profile {
    Profile { name: format!("user {id}") }
}

fn main() {
    let _ = Server::new("x", "1").resource(profile);
}
