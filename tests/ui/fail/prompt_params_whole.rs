use toolsmith::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Review {
    code: String,
}

/// Review a piece of code.
#[prompt]
async fn review(Params(review): Params<Review>) -> String {
    format!("Review:\n{}", review.code)
}

fn main() {
    let _ = Server::new("x", "1").prompt(review);
}
