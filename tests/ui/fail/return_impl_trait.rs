use toolsmith::prelude::*;

#[tool]
async fn greet(name: String) -> impl std::fmt::Display {
    format!("hello {name}")
}

fn main() {
    let _ = Server::new("x", "1").tool(greet);
}
