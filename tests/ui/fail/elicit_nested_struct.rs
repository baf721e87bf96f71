use toolsmith::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Address {
    street: String,
}

/// Elicitation forms are flat: a nested struct is not a form field.
#[derive(Deserialize, JsonSchema, Elicit)]
struct SignUp {
    name: String,
    address: Address,
}

fn main() {}
