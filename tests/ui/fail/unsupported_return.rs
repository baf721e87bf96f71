// The return type must be a tool output; the error points at it.
use toolsmith::prelude::*;

struct Report {
    lines: Vec<String>,
}

#[tool]
async fn report(text: String) -> Report {
    Report { lines: vec![text] }
}

fn main() {
    let _ = Server::new("x", "1").tool(report);
}
