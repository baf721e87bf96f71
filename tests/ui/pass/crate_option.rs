// `crate = ".."` on every macro, for a crate that re-exports Toolsmith: the expansion names the
// given path (relative, or from the crate root) instead of `::toolsmith`. (ui/fail/
// crate_path_unresolved.rs shows that the path given is the one used.)
mod reexport {
    pub use toolsmith;
}

use reexport::toolsmith::prelude::*;

/// Echo the text back.
#[tool(crate = "reexport::toolsmith")]
async fn echo(text: String) -> String {
    text
}

/// Take the whole input.
#[tool(crate = "crate::reexport::toolsmith")]
async fn whole(Params(point): Params<Point>) -> String {
    format!("{}", point.x)
}

#[derive(Deserialize, JsonSchema)]
struct Point {
    x: i32,
}

/// A user's profile.
#[resource(uri = "users://{id}", crate = "crate::reexport::toolsmith")]
async fn profile(id: u64) -> String {
    format!("user {id}")
}

/// Greet someone.
#[prompt(crate = "reexport::toolsmith")]
async fn greet(name: String, ctx: Context<'_>) -> String {
    let _ = ctx;
    format!("Say hello to {name}")
}

#[derive(Default)]
struct State;

#[tools(crate = "reexport::toolsmith")]
impl State {
    /// A tool on state.
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }

    /// A resource on state.
    #[resource(uri = "state://ping")]
    async fn ping_resource(&self) -> String {
        "pong".into()
    }

    /// A prompt on state.
    #[prompt]
    async fn ping_prompt(&self) -> String {
        "ping".into()
    }
}

/// A form.
#[derive(Deserialize, JsonSchema, Elicit)]
#[elicit(crate = "crate::reexport::toolsmith")]
struct Contact {
    name: String,
    plan: Plan,
}

/// A choice list.
#[derive(Deserialize, JsonSchema, Elicit)]
#[elicit(crate = "reexport::toolsmith")]
enum Plan {
    Free,
    Pro,
}

fn main() {
    let _ = Server::new("x", "1")
        .tool(echo)
        .tool(whole)
        .resource(profile)
        .prompt(greet)
        .tools(State);
    let _ = std::mem::size_of::<Contact>();
}
