// The context borrows the request: it can't be moved into a thread.
use toolsmith::prelude::*;

#[tool]
async fn in_thread(ctx: Context<'_>) -> String {
    let handle = std::thread::spawn(move || ctx.is_cancelled());
    handle.join().unwrap().to_string()
}

fn main() {
    let _ = Server::new("x", "1").tool(in_thread);
}
