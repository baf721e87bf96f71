use toolsmith::prelude::*;

#[tool]
async fn add((a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {
    let _ = Server::new("x", "1").tool(add);
}
