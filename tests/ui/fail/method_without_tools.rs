// `#[tool]` on a method needs `#[tools]` on the impl block.
use toolsmith::prelude::*;

struct Counter;

impl Counter {
    #[tool]
    async fn count(&self) -> u64 {
        1
    }
}

fn main() {}
