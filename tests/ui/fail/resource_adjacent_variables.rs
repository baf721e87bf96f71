use toolsmith::prelude::*;

// Two variables in a row: a URI like `x://12` can't be split between them.
#[resource(uri = "x://{a}{b}")]
async fn pair(a: String, b: String) -> String {
    format!("{a}{b}")
}

fn main() {
    // Named, not registered: this case is about the template's error alone.
    let _ = pair;
}
