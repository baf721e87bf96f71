use toolsmith::prelude::*;

/// A choice list has one option per unit variant.
#[derive(Deserialize, JsonSchema, Elicit)]
enum Plan {
    Free,
    Pro { seats: u32 },
}

fn main() {}
