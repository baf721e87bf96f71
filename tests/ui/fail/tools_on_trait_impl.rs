use toolsmith::prelude::*;

struct Greeter;

#[tools]
impl Default for Greeter {
    fn default() -> Self {
        Greeter
    }
}

fn main() {}
