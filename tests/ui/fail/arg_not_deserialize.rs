// Every input parameter must be `Deserialize + JsonSchema`; the error points at its type.
use toolsmith::prelude::*;

struct Point {
    x: f64,
    y: f64,
}

#[tool]
async fn distance(label: String, point: Point) -> String {
    format!(
        "{label}: {}",
        (point.x * point.x + point.y * point.y).sqrt()
    )
}

fn main() {
    let _ = Server::new("x", "1").tool(distance);
}
