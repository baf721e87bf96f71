// The `Ok` type of a `Result` return must be a tool output; the error points at the return type.
use toolsmith::prelude::*;

struct Report {
    lines: Vec<String>,
}

#[tool]
async fn report(text: String) -> Result<Report, ToolError> {
    Ok(Report { lines: vec![text] })
}

fn main() {
    let _ = Server::new("x", "1").tool(report);
}
