// `#[tools]` on an impl block: `&self` methods, registered with `Server::tools(state)`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use toolsmith::prelude::*;

#[derive(Default)]
struct Counter {
    n: AtomicU64,
}

#[tools]
impl Counter {
    /// Add `by` (default 1) and return the new count.
    #[tool(idempotent = false)]
    async fn increment(&self, by: Option<u64>, ctx: Context<'_>) -> u64 {
        let n = self.n.fetch_add(by.unwrap_or(1), Ordering::SeqCst) + by.unwrap_or(1);
        ctx.info(format!("count is {n}")).await;
        n
    }

    /// The current count.
    #[tool(name = "count.get", read_only)]
    async fn get(&self) -> u64 {
        self.n.load(Ordering::SeqCst)
    }

    /// Not a tool: plain methods stay as they are.
    fn reset(&self) {
        self.n.store(0, Ordering::SeqCst);
    }
}

fn main() {
    let counter = Counter::default();
    counter.reset();
    let _ = Server::new("x", "1").tools(counter);
    let shared = Arc::new(Counter::default());
    // An `Arc` the caller keeps a clone of (the state type can't be inferred through `Into<Arc<S>>`).
    let _ = Server::new("y", "1").tools_shared(Arc::clone(&shared));
}
