// An associated function without `self` under `#[tools]`.
use toolsmith::prelude::*;

#[derive(Default)]
struct Counter;

#[tools]
impl Counter {
    #[tool]
    async fn zero() -> u64 {
        0
    }
}

fn main() {
    let _ = Server::new("x", "1").tools(Counter);
}
