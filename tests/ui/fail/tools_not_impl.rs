use toolsmith::prelude::*;

#[tools]
fn counter() {}

fn main() {}
