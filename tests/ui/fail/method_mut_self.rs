// Tool methods take `&self`: concurrent calls share the state.
use toolsmith::prelude::*;

#[derive(Default)]
struct Counter {
    n: u64,
}

#[tools]
impl Counter {
    /// Add one.
    #[tool]
    async fn increment(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

fn main() {
    let _ = Server::new("x", "1").tools(Counter::default());
}
