// `Server::tools` needs a type whose impl block has `#[tools]`.
use toolsmith::prelude::*;

struct Counter;

impl Counter {
    #[allow(dead_code)]
    async fn count(&self) -> u64 {
        1
    }
}

fn main() {
    let _ = Server::new("x", "1").tools(Counter);
}
