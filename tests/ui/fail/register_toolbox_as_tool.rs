// A `#[tools]` type is registered with `Server::tools(state)`, not `Server::tool`.
use toolsmith::prelude::*;

#[derive(Default)]
struct Counter;

#[tools]
impl Counter {
    /// One.
    #[tool]
    async fn one(&self) -> u64 {
        1
    }
}

fn main() {
    let _ = Server::new("x", "1").tool(Counter);
}
