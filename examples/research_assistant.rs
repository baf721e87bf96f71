//! A research assistant: one tool call, an agentic flow of several samples.
//!
//! `research(topic)` works in three phases, reporting progress through each (`progress` goes
//! 1 → 2 → 3 of 3):
//!
//! 1. **Brainstorm**: one sample asks the client's model for 3 to 5 questions about the topic,
//!    as a typed list (`ctx.sample(..).structured::<Questions>()`).
//! 2. **Answer**: every question is answered by its own sample, all at once. When the client
//!    supports tools in sampling (it declared `sampling.tools`), each sample offers the model a
//!    small `search` tool over the assistant's offline library of notes: the runtime runs the
//!    tool loop (the model asks for `search`, the server runs it and sends the result back,
//!    until the model answers). Without `sampling.tools`, the model answers on its own.
//! 3. **Compile**: one last sample turns the questions and answers into a report.
//!
//! What it shows: chaining samples, typed sampling, concurrent samples from one handler
//! (`Context` is `Copy`; the futures own their items), sampling with tools (`.tool(search)`,
//! where `search` is a plain `#[tool]` that the server does not even list), checking the
//! client's capabilities, and progress.
//!
//! Run it under any MCP client over stdio: `cargo run --example research_assistant`.

use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::try_join_all;
use toolsmith::prelude::*;

/// The brainstormed questions.
#[derive(Debug, Deserialize, JsonSchema)]
struct Questions {
    /// 3 to 5 questions that together cover the topic, each answerable in a paragraph.
    questions: Vec<String>,
}

/// One question and its answer.
#[derive(Debug, Serialize, JsonSchema)]
struct Finding {
    question: String,
    answer: String,
}

/// The result of a research task.
#[derive(Debug, Serialize, JsonSchema)]
struct Report {
    /// The topic researched.
    topic: String,
    /// The questions asked and their answers, in the order they were brainstormed.
    findings: Vec<Finding>,
    /// The compiled report.
    report: String,
    /// Whether the model could use the `search` tool while answering.
    search_offered: bool,
}

const MAX_QUESTIONS: usize = 5;
const PHASES: f64 = 3.0;

const BRAINSTORM_SYSTEM: &str = "You are a research assistant. Brainstorm 3 to 5 questions that \
together cover the user's topic, each answerable in a paragraph.";
const ANSWER_SYSTEM: &str = "You are a research assistant. Answer one research question in a \
short, factual paragraph. Use the search tool, when you have it, to check facts.";
const REPORT_SYSTEM: &str = "You are a research assistant. Compile a report on the topic from \
the questions and answers given: an introduction, one section per question, a conclusion.";

/// The assistant's offline library: (title, text).
const LIBRARY: &[(&str, &str)] = &[
    ("Honeybees", "A honeybee colony has one queen, a few hundred drones and tens of thousands of workers. Workers forage for nectar and pollen and pollinate about a third of the crops people eat."),
    ("Bee decline", "Wild and managed bee populations are under pressure from habitat loss, pesticides such as neonicotinoids, the varroa mite and a changing climate."),
    ("Rust ownership", "In Rust every value has one owner; borrowing lends access without moving it, and the borrow checker proves at compile time that no reference outlives its value."),
    ("Solar panels", "Silicon solar panels turn about 20 percent of the sunlight that reaches them into electricity; their output falls slowly, by about half a percent a year."),
    ("Tides", "Tides come from the Moon's and the Sun's gravity; most coasts see two high tides a day, about 12 hours and 25 minutes apart."),
    ("Sourdough", "A sourdough starter is a culture of wild yeasts and lactic acid bacteria; the bacteria make the bread sour, the yeasts make it rise."),
    ("Volcanoes", "Most volcanoes sit where tectonic plates meet; the Pacific Ring of Fire holds about three quarters of the active ones."),
    ("Model Context Protocol", "MCP lets an application give a model tools, resources and prompts from servers; a server may ask the client's model for completions through sampling."),
];

/// Search the assistant's offline library of notes for the best matches to a query.
#[tool(read_only, open_world = false)]
async fn search(#[arg(description = "Words to look for")] query: String) -> String {
    find_notes(&query)
}

/// The (at most two) notes that share the most words of three letters or more with `query`.
fn find_notes(query: &str) -> String {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(str::to_lowercase)
        .collect();
    let mut hits: Vec<(usize, &str, &str)> = LIBRARY
        .iter()
        .map(|&(title, text)| {
            let haystack = format!("{title} {text}").to_lowercase();
            let score = words
                .iter()
                .filter(|w| haystack.contains(w.as_str()))
                .count();
            (score, title, text)
        })
        .filter(|&(score, ..)| score > 0)
        .collect();
    hits.sort_by_key(|&(score, ..)| std::cmp::Reverse(score));
    if hits.is_empty() {
        return format!("No notes match `{query}`.");
    }
    hits.iter()
        .take(2)
        .map(|(_, title, text)| format!("{title}: {text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Research a topic with the client's model: brainstorm questions, answer them (concurrently,
/// with a search tool when the client allows tools in sampling), and compile a report.
#[tool(read_only, open_world = false)]
async fn research(
    #[arg(description = "What to research")] topic: String,
    ctx: Context<'_>,
) -> Result<Report, ToolError> {
    let topic = topic.trim().to_owned();
    if topic.is_empty() {
        return Err(ToolError::new("`topic` is empty: say what to research"));
    }

    // Phase 1: brainstorm, as a typed list.
    let Questions { questions } = ctx
        .sample(format!("Topic: {topic}"))
        .system_prompt(BRAINSTORM_SYSTEM)
        .temperature(0.7)
        .max_tokens(400)
        .structured::<Questions>()
        .await?;
    let questions: Vec<String> = questions
        .into_iter()
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .take(MAX_QUESTIONS)
        .collect();
    if questions.is_empty() {
        return Err(ToolError::new("the model brainstormed no questions"));
    }
    let n = questions.len();
    ctx.report_progress(
        1.0,
        Some(PHASES),
        Some(&format!("brainstormed {n} questions")),
    )
    .await;

    // Phase 2: answer every question at once; offer `search` if the client takes tools.
    let search_offered = ctx
        .client_capabilities()
        .sampling
        .as_ref()
        .is_some_and(|sampling| sampling.tools.is_some());
    let answered = AtomicUsize::new(0);
    let (answered, topic_ref) = (&answered, &topic);
    let answers = try_join_all(questions.iter().cloned().enumerate().map(
        |(i, question)| async move {
            let mut sample = ctx
                .sample(format!(
                    "Topic: {topic_ref}\nQuestion {}: {question}",
                    i + 1
                ))
                .system_prompt(ANSWER_SYSTEM)
                .max_tokens(300);
            if search_offered {
                sample = sample.tool(search).max_tool_iterations(3);
            }
            let answer = sample.await?;
            let k = answered.fetch_add(1, Ordering::Relaxed) + 1;
            ctx.report_progress(
                1.0 + k as f64 / n as f64,
                Some(PHASES),
                Some(&format!("answered {k} of {n} questions")),
            )
            .await;
            Ok::<_, SampleError>(answer.text().trim().to_owned())
        },
    ))
    .await?;
    let findings: Vec<Finding> = questions
        .into_iter()
        .zip(answers)
        .map(|(question, answer)| Finding { question, answer })
        .collect();

    // Phase 3: compile the report from every finding.
    let notes: Vec<String> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| format!("Q{n}: {}\nA{n}: {}", f.question, f.answer, n = i + 1))
        .collect();
    let report = ctx
        .sample(format!(
            "Topic: {topic}\n\nCompile the report from these findings:\n\n{}",
            notes.join("\n\n")
        ))
        .system_prompt(REPORT_SYSTEM)
        .max_tokens(1500)
        .await?;
    ctx.report_progress(PHASES, Some(PHASES), Some("report compiled"))
        .await;
    Ok(Report {
        topic,
        findings,
        report: report.text().trim().to_owned(),
        search_offered,
    })
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    Server::new("research-assistant", env!("CARGO_PKG_VERSION"))
        .instructions("Researches a topic with the client's model and writes a report.")
        .tool(research)
        .serve_stdio()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_finds_the_best_notes_first() {
        let found = find_notes("honeybees pollinate crops");
        assert_eq!(
            found.lines().collect::<Vec<_>>(),
            [format!("Honeybees: {}", LIBRARY[0].1)]
        );
        let found = find_notes("bee pesticides varroa");
        let titles: Vec<&str> = found
            .lines()
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(titles, ["Bee decline", "Honeybees"], "{found}");
        assert_eq!(find_notes("xy zzzz"), "No notes match `xy zzzz`.");
    }
}
