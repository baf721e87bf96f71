//! The whole loop on one machine: this program is an MCP client that starts the
//! `sentiment_server` example as a child process, talks to it over stdio, and answers the server's
//! sampling requests with a model embedded in the demo.
//!
//! The model is `lexicon-sentiment-v1` (`support/lexicon.rs`): a small lexicon-based sentiment
//! classifier, not a language model. No network, no API key. The server asks for `custom_model`
//! or `gpt-4o`; the client's `ModelRouter` has neither, so every request falls back to the
//! default model, and the table says so.
//!
//! Run it with `cargo run --example sentiment_demo` (it builds the server example if needed), or
//! pass your own texts: `cargo run --example sentiment_demo -- "I love it" "meh"`.

#[path = "support/lexicon.rs"]
mod lexicon;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};
use toolsmith::client::{Client, ModelRouter, OpenAiBackend, Progress, Route, SamplingRequest};
use toolsmith::protocol::CreateMessageResult;

/// Classify texts with the sentiment server, answering its sampling requests offline.
#[derive(Parser)]
struct Args {
    /// The `sentiment_server` executable (default: next to this one, built if missing).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Texts to classify (default: a few examples).
    texts: Vec<String>,
}

const EXAMPLES: [&str; 5] = [
    "I absolutely love this keyboard, it's fantastic!",
    "The delivery was late and the box arrived broken.",
    "The meeting is scheduled for Tuesday at 10am.",
    "The screen is great but the battery life is terrible.",
    "Not bad at all, I would recommend it.",
];

const BATCH: [&str; 4] = [
    "Thanks, the support team was very helpful.",
    "The app crashes every time I open it.",
    "The manual has twelve pages.",
    "I don't like the new logo.",
];

/// What the sampling handler decided for one text: the route, for the table.
type Journal = Arc<Mutex<HashMap<String, Route>>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let texts: Vec<String> = if args.texts.is_empty() {
        EXAMPLES.map(String::from).to_vec()
    } else {
        args.texts
    };
    let server = match args.server {
        Some(path) => path,
        None => find_or_build_server()?,
    };

    // With OPENAI_BASE_URL / OPENAI_API_KEY (and OPENAI_MODELS) set, a real OpenAI-compatible
    // backend answers; otherwise the embedded lexicon model, whose catalogue has one model.
    let backend = OpenAiBackend::from_env().map(Arc::new);
    let router = match &backend {
        Some(b) => b.model_router().clone(),
        None => ModelRouter::new([lexicon::MODEL_NAME], lexicon::MODEL_NAME),
    };
    let handler_backend = backend.clone();
    let journal: Journal = Arc::default();
    let handler_journal = Arc::clone(&journal);
    let client = Client::builder("sentiment-demo", env!("CARGO_PKG_VERSION"))
        .model_router(router)
        .sampling_handler(move |req: SamplingRequest| {
            let journal = Arc::clone(&handler_journal);
            let backend = handler_backend.clone();
            async move {
                let text = req.last_user_text();
                let route = req.route.clone().expect("the client has a router");
                journal.lock().unwrap().insert(text.clone(), route.clone());
                match backend {
                    Some(b) => b.complete(&req.params).await,
                    None => {
                        let label = lexicon::classify(&text).polarity.as_str();
                        Ok(CreateMessageResult::text(route.model, label))
                    }
                }
            }
        })
        .on_log(|log| eprintln!("  [server {:?}] {}", log.level, log.text()))
        .request_timeout(Duration::from_secs(30))
        .connect_stdio(tokio::process::Command::new(&server))
        .await?;

    let tools = client.list_tools().await?;
    println!(
        "Connected to {} {} over stdio (protocol {}); tools: {}.",
        client.server_info().name,
        client.server_info().version,
        client.protocol_version(),
        tools
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    match &backend {
        Some(b) => println!("Sampling is answered by the OpenAI-compatible backend {b:?}.\n"),
        None => println!(
            "Sampling is answered by {}, a small lexicon-based classifier built into this demo \
             (offline, no API key; set OPENAI_BASE_URL or OPENAI_API_KEY to use a real model).\n",
            lexicon::MODEL_NAME
        ),
    }

    let mut rows = Vec::new();
    for text in &texts {
        let started = Instant::now();
        let result = client
            .call_tool("analyze_sentiment", json!({ "text": text }))
            .await?;
        let latency = started.elapsed();
        let out = result.structured_content.unwrap_or(Value::Null);
        let why = journal
            .lock()
            .unwrap()
            .get(text)
            .map_or_else(|| "(not sampled)".to_owned(), |r| r.reason.to_string());
        rows.push([
            text.clone(),
            field(&out, "label"),
            field(&out, "model"),
            why,
            format!("{:.1} ms", latency.as_secs_f64() * 1000.0),
        ]);
    }
    print_table(
        ["text", "label", "model", "why this model", "latency"],
        &rows,
    );

    println!(
        "\nanalyze_batch with {} texts, sampled concurrently:",
        BATCH.len()
    );
    let started = Instant::now();
    let result = client
        .call_tool_with_progress("analyze_batch", json!({ "texts": BATCH }), |p: Progress| {
            let total = p.total.map_or_else(|| "?".into(), |t| t.to_string());
            println!(
                "  progress {}/{}: {}",
                p.progress,
                total,
                p.message.unwrap_or_default()
            );
        })
        .await?;
    let elapsed = started.elapsed();
    let results = result
        .structured_content
        .as_ref()
        .and_then(|s| s["results"].as_array().cloned())
        .unwrap_or_default();
    for (text, r) in BATCH.iter().zip(&results) {
        println!("  {:<9} {text}", field(r, "label"));
    }
    println!(
        "  ({} results in {:.1} ms)",
        results.len(),
        elapsed.as_secs_f64() * 1000.0
    );

    let closed = client.close().await?;
    match closed.exit_status {
        Some(status) if status.success() && !closed.killed => {
            println!("\nThe server exited cleanly ({status}).")
        }
        Some(status) => println!(
            "\nThe server was stopped ({status}, killed: {}).",
            closed.killed
        ),
        None => println!("\nThe connection is closed."),
    }
    Ok(())
}

/// A string field of a tool's structured output, or `-`.
fn field(value: &Value, name: &str) -> String {
    value[name].as_str().unwrap_or("-").to_owned()
}

fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    const MAX_TEXT: usize = 56;
    let cell = |s: &str, i: usize| -> String {
        if i == 0 && s.chars().count() > MAX_TEXT {
            let cut: String = s.chars().take(MAX_TEXT - 1).collect();
            format!("{cut}…")
        } else {
            s.to_owned()
        }
    };
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell(c, i).chars().count());
        }
    }
    let line = |cells: [String; N]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c}{}", " ".repeat(widths[i] - c.chars().count())))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.map(String::from));
    line(widths.map(|w| "-".repeat(w)));
    for row in rows {
        let mut cells = row.clone();
        for (i, c) in cells.iter_mut().enumerate() {
            *c = cell(c, i);
        }
        line(cells);
    }
}

/// The `sentiment_server` built alongside this demo: in the same directory as this executable
/// (`target/<profile>/examples/`). When it is not there, build it with the same profile and
/// target directory, so `cargo run --example sentiment_demo` works from a fresh clone.
fn find_or_build_server() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .ok_or("the demo's executable has no parent directory")?;
    let server = dir.join(format!("sentiment_server{}", std::env::consts::EXE_SUFFIX));
    if server.is_file() {
        return Ok(server);
    }
    build_server(dir)?;
    if server.is_file() {
        Ok(server)
    } else {
        Err(format!("the build finished but {} does not exist", server.display()).into())
    }
}

/// `cargo build --example sentiment_server`, into the target directory `examples_dir` is in.
fn build_server(examples_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let profile_dir = examples_dir
        .parent()
        .ok_or("unexpected executable location")?;
    let target_dir = profile_dir
        .parent()
        .ok_or("unexpected executable location")?;
    let profile = profile_dir
        .file_name()
        .and_then(|p| p.to_str())
        .unwrap_or("debug");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("unexpected manifest location")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(&cargo);
    command
        .args(["build", "--example", "sentiment_server"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target_dir);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    eprintln!(
        "sentiment_server is not built yet; running `{} build --example sentiment_server` ...",
        cargo.to_string_lossy()
    );
    let status = command
        .status()
        .map_err(|e| format!("could not run {}: {e}", cargo.to_string_lossy()))?;
    if !status.success() {
        return Err(format!("`cargo build --example sentiment_server` failed ({status})").into());
    }
    Ok(())
}
