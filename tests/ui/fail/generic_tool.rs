use toolsmith::prelude::*;

#[tool]
async fn echo<T: Serialize + JsonSchema>(value: T) -> T {
    value
}

fn main() {}
