// `Option<T>` parameters, `#[arg]` descriptions, `Params<T>`, and every `#[tool]` option.
use toolsmith::prelude::*;

#[derive(Deserialize, JsonSchema)]
enum Unit {
    Celsius,
    Fahrenheit,
}

/// Convert a temperature.
#[tool(
    name = "weather.convert-v2",
    title = "Convert",
    read_only,
    destructive = false,
    idempotent = true,
    open_world = false
)]
async fn convert(
    #[arg(description = "The value")] value: f64,
    #[arg(description = "Target unit; Celsius when omitted")] unit: Option<Unit>,
    precision: Option<u8>,
    suffix: std::borrow::Cow<'static, str>,
) -> String {
    let v = match unit {
        Some(Unit::Fahrenheit) => value * 9.0 / 5.0 + 32.0,
        Some(Unit::Celsius) | None => value,
    };
    format!("{v:.*}{suffix}", precision.unwrap_or(1) as usize)
}

#[derive(Deserialize, JsonSchema)]
struct SearchArgs {
    /// What to look for.
    query: String,
    limit: Option<u32>,
}

#[tool(description = "Search, taking the whole argument object as one type.")]
async fn search(Params(args): Params<SearchArgs>, ctx: Context<'_>) -> Vec<String> {
    ctx.info(format!("searching {}", args.query)).await;
    vec![args.query; args.limit.unwrap_or(1) as usize]
}

#[tool]
async fn search_plain(args: Params<SearchArgs>) -> String {
    args.0.query
}

fn main() {
    let _ = Server::new("x", "1")
        .tool(convert)
        .tool(search)
        .tool(search_plain);
}
