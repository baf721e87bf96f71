use toolsmith::prelude::*;

struct Missing;

/// A user's profile.
#[resource(uri = "users://{id}/profile")]
async fn profile(id: u64) -> Result<String, Missing> {
    if id == 0 {
        return Err(Missing);
    }
    Ok(format!("user {id}"))
}

fn main() {
    let _ = Server::new("x", "1").resource(profile);
}
