//! A sentiment classifier that thinks with the client's model.
//!
//! Each call asks the client (MCP sampling) to label a text; when sampling is unavailable or fails,
//! the tool still answers, with `unknown`, and tells the client why in an error-level log.
//!
//! Many clients cannot sample. With `--fallback-model` the server brings its own model for them
//! (`Server::sampler(.., SamplerMode::Fallback)`; clients that can sample are still asked): the
//! OpenAI-compatible backend when `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set (`OPENAI_MODELS`
//! names the models), else the offline lexicon model of `support/lexicon.rs`. Every answer names
//! the model that produced it.
//!
//! Run it under any MCP client over stdio: `cargo run --example sentiment_server`
//! (`-- --fallback-model` for the server's own model, `-- --http 127.0.0.1:8080` for HTTP).

use std::sync::atomic::{AtomicUsize, Ordering};

use toolsmith::client::OpenAiBackend;
use toolsmith::prelude::*;
use toolsmith::protocol::{CreateMessageParams, CreateMessageResult, Role};
use toolsmith::SamplerMode;

// The offline model; the server uses `classify` and `MODEL_NAME`, the demo the rest.
#[allow(dead_code)]
#[path = "support/lexicon.rs"]
mod lexicon;

/// A sentiment label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Label {
    Positive,
    Negative,
    Neutral,
    /// The model gave no usable answer, or could not be asked.
    Unknown,
}

/// The classification of one text.
#[derive(Debug, Serialize, JsonSchema)]
struct Sentiment {
    /// The label.
    label: Label,
    /// The model that answered, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    /// Why the label is `unknown` because sampling failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The classifications of several texts, in input order.
#[derive(Debug, Serialize, JsonSchema)]
struct Batch {
    results: Vec<Sentiment>,
}

const SYSTEM_PROMPT: &str = "You are a sentiment classifier. Read the user's text and answer with \
exactly one word: positive, negative or neutral.";

/// Models we would like, best first; the client picks what it has.
const PREFERRED_MODELS: [&str; 2] = ["custom_model", "gpt-4o"];

/// Find the first label word in a model's reply ("Positive." is positive); `unknown` if none.
fn parse_label(reply: &str) -> Label {
    reply
        .split(|c: char| !c.is_alphabetic())
        .find_map(|word| match word.to_lowercase().as_str() {
            "positive" => Some(Label::Positive),
            "negative" => Some(Label::Negative),
            "neutral" => Some(Label::Neutral),
            _ => None,
        })
        .unwrap_or(Label::Unknown)
}

async fn classify(ctx: Context<'_>, text: String, model: Option<String>) -> Sentiment {
    let hints: Vec<String> = model
        .into_iter()
        .chain(PREFERRED_MODELS.map(String::from))
        .collect();
    let reply = ctx
        .sample(text)
        .system_prompt(SYSTEM_PROMPT)
        .model_preferences(hints)
        .temperature(0.0)
        .max_tokens(5)
        .await;
    match reply {
        Ok(reply) => Sentiment {
            label: parse_label(&reply.text()),
            model: Some(reply.model().to_owned()),
            error: None,
        },
        Err(e) => {
            ctx.error(format!(
                "sentiment: sampling failed, answering `unknown`: {e}"
            ))
            .await;
            Sentiment {
                label: Label::Unknown,
                model: None,
                error: Some(e.to_string()),
            }
        }
    }
}

/// Classify the sentiment of a text as positive, negative or neutral, using the client's model.
#[tool(read_only, open_world = false)]
async fn analyze_sentiment(
    #[arg(description = "The text to classify")] text: String,
    #[arg(description = "A model to prefer, tried before the server's defaults")] model: Option<
        String,
    >,
    ctx: Context<'_>,
) -> Sentiment {
    classify(ctx, text, model).await
}

/// Classify several texts at once; the texts are sampled concurrently and returned in order.
#[tool(read_only, open_world = false)]
async fn analyze_batch(
    ctx: Context<'_>,
    #[arg(description = "The texts to classify")] texts: Vec<String>,
) -> Batch {
    let total = texts.len();
    let done = AtomicUsize::new(0);
    let done = &done;
    let results = futures::future::join_all(texts.into_iter().map(|text| async move {
        let sentiment = classify(ctx, text, None).await;
        let k = done.fetch_add(1, Ordering::Relaxed) + 1;
        ctx.report_progress(
            k as f64,
            Some(total as f64),
            Some(&format!("{k} of {total} classified")),
        )
        .await;
        sentiment
    }))
    .await;
    Batch { results }
}

/// The offline fallback model: the lexicon classifier answers the last user message with a label.
async fn lexicon_model(params: CreateMessageParams) -> Result<CreateMessageResult, SampleError> {
    let text = params
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .map(SamplingMessage::text)
        .unwrap_or_default();
    let label = lexicon::classify(&text).polarity.as_str();
    Ok(CreateMessageResult::text(lexicon::MODEL_NAME, label))
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let server = Server::new("sentiment", env!("CARGO_PKG_VERSION"))
        .instructions("Classifies the sentiment of texts with the client's own model.")
        .tool(analyze_sentiment)
        .tool(analyze_batch)
        // Replicas behind a balancer share their requestState keys (none set: a random key).
        .request_state_keys_from_env();
    let args: Vec<String> = std::env::args().collect();
    // `--fallback-model`: answer the samples of clients that cannot sample with our own model.
    let server = if args.iter().any(|a| a == "--fallback-model") {
        match OpenAiBackend::from_env() {
            Some(backend) => server.sampler(backend, SamplerMode::Fallback),
            None => server.sampler(lexicon_model, SamplerMode::Fallback),
        }
    } else {
        server
    };
    // `--http 127.0.0.1:PORT` (or TOOLSMITH_HTTP_ADDR) serves streamable HTTP at /mcp, until
    // SIGTERM or ctrl-c (then calls in flight are answered); the default is stdio.
    let addr = match args.iter().position(|a| a == "--http") {
        Some(i) => Some(args.get(i + 1).cloned().unwrap_or("127.0.0.1:8080".into())),
        None => std::env::var("TOOLSMITH_HTTP_ADDR").ok(),
    };
    match addr {
        Some(addr) => {
            let config = toolsmith::HttpConfig::default();
            server
                .serve_http_with_shutdown(addr, config, toolsmith::shutdown_signal())
                .await
        }
        None => server.serve_stdio().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_parsed_leniently() {
        assert_eq!(parse_label("Positive."), Label::Positive);
        assert_eq!(parse_label("NEGATIVE"), Label::Negative);
        assert_eq!(parse_label("  neutral!\n"), Label::Neutral);
        assert_eq!(parse_label("I cannot say"), Label::Unknown);
        assert_eq!(parse_label(""), Label::Unknown);
        assert_eq!(parse_label("It's positive, not negative"), Label::Positive);
    }
}
