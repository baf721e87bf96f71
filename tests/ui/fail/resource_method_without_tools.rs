use toolsmith::prelude::*;

struct Store;

impl Store {
    /// The configuration.
    #[resource(uri = "config://app")]
    async fn config(&self) -> String {
        "{}".into()
    }
}

fn main() {
    let _ = Server::new("x", "1");
    let _ = Store;
}
