use toolsmith::prelude::*;

#[tool]
struct Echo;

fn main() {}
