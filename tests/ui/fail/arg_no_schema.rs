// `Deserialize` alone is not enough: the input schema needs `JsonSchema` too.
use toolsmith::prelude::*;

#[derive(Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

#[tool]
async fn norm(point: Point) -> f64 {
    (point.x * point.x + point.y * point.y).sqrt()
}

fn main() {
    let _ = Server::new("x", "1").tool(norm);
}
