//! The `research_assistant` example, a child process over stdio, driven by the toolkit's client
//! with a scripted model: the samples of one research task (brainstorm, concurrent answers,
//! report) in order, with progress; and the sampling-with-tools path, where the model calls the
//! server's `search` tool before answering.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::client::{Client, SamplingError, SamplingRequest};
use toolsmith::protocol::{CreateMessageResult, Role, SamplingContent};

use common::{progress_recorder, start, Journal};

const EXAMPLE: &str = "research_assistant";

const QUESTIONS: [&str; 4] = [
    "What do honeybees do in a colony?",
    "Why are bee populations declining?",
    "Which crops depend on pollination?",
    "What can gardeners do to help?",
];

/// Which step of the research a sampling request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Brainstorm,
    /// Answering question `k` (1-based).
    Answer(usize),
    Report,
}

fn step(req: &SamplingRequest) -> Step {
    let system = req.system_prompt().unwrap_or_default();
    if system.contains("Brainstorm") {
        Step::Brainstorm
    } else if system.contains("Answer one research question") {
        let first = req.messages()[0].text();
        let k = first
            .split("Question ")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("an answer prompt names its question: {first}"));
        Step::Answer(k)
    } else if system.contains("Compile a report") {
        Step::Report
    } else {
        panic!("unexpected sampling request: {req:?}")
    }
}

fn answer_text(k: usize) -> String {
    format!("Answer {k}: a paragraph about question {k}.")
}

/// A tool_use block in a sampling result.
fn tool_use(id: &str, name: &str, input: Value) -> CreateMessageResult {
    serde_json::from_value(json!({
        "role": "assistant",
        "model": "scripted",
        "stopReason": "toolUse",
        "content": [{"type": "tool_use", "id": id, "name": name, "input": input}],
    }))
    .unwrap()
}

fn tool_names(req: &SamplingRequest) -> Vec<String> {
    req.params
        .tools
        .iter()
        .flatten()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn brainstorm_then_concurrent_answers_then_one_report() {
    let journal: Arc<Journal> = Arc::default();
    let j = Arc::clone(&journal);
    let builder =
        Client::builder("research-test", "1.0").sampling_handler(move |req: SamplingRequest| {
            let journal = Arc::clone(&j);
            async move {
                let _in_flight = journal.enter(&req);
                Ok::<_, SamplingError>(match step(&req) {
                    Step::Brainstorm => json!({ "questions": QUESTIONS }).to_string(),
                    Step::Answer(k) => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        answer_text(k)
                    }
                    Step::Report => "THE REPORT".to_owned(),
                })
            }
        });
    let client = start(EXAMPLE, &[], builder).await;
    let (progress, on_progress) = progress_recorder();
    let result = client
        .call_tool_with_progress("research", json!({ "topic": "Bees" }), on_progress)
        .await
        .unwrap();
    assert!(!result.is_error(), "{}", result.text_content());
    let out = result.structured_content.unwrap();

    // The samples: one brainstorm, one answer per question (any order), one report, last.
    let requests = journal.requests();
    let steps: Vec<Step> = requests.iter().map(step).collect();
    assert_eq!(steps.len(), 2 + QUESTIONS.len(), "{steps:?}");
    assert_eq!(steps[0], Step::Brainstorm);
    assert_eq!(*steps.last().unwrap(), Step::Report);
    let mut answered: Vec<usize> = steps[1..=QUESTIONS.len()]
        .iter()
        .map(|s| match s {
            Step::Answer(k) => *k,
            other => panic!("expected answers between brainstorm and report, got {other:?}"),
        })
        .collect();
    answered.sort();
    assert_eq!(answered, [1, 2, 3, 4]);
    assert!(requests[0].last_user_text().contains("Bees"));
    for req in &requests[1..=QUESTIONS.len()] {
        let Step::Answer(k) = step(req) else {
            unreachable!()
        };
        let prompt = req.last_user_text();
        assert!(
            prompt.contains("Topic: Bees") && prompt.contains(QUESTIONS[k - 1]),
            "{prompt}"
        );
        // The client did not declare `sampling.tools`: no tools are offered.
        assert_eq!(req.params.tools, None);
    }

    // The answers were sampled concurrently: all four were pending at once.
    assert_eq!(journal.max_in_flight(), QUESTIONS.len());

    // The report prompt holds every question and every answer.
    let report_prompt = requests.last().unwrap().last_user_text();
    for (i, question) in QUESTIONS.iter().enumerate() {
        assert!(report_prompt.contains(question), "{report_prompt}");
        assert!(
            report_prompt.contains(&answer_text(i + 1)),
            "{report_prompt}"
        );
    }

    // The result: findings in brainstorm order.
    assert_eq!(out["topic"], "Bees");
    assert_eq!(out["report"], "THE REPORT");
    assert_eq!(out["search_offered"], false);
    let findings = out["findings"].as_array().unwrap();
    assert_eq!(findings.len(), QUESTIONS.len());
    for (i, finding) in findings.iter().enumerate() {
        assert_eq!(finding["question"], QUESTIONS[i]);
        assert_eq!(finding["answer"], answer_text(i + 1));
    }

    // Progress through the three phases.
    let progress = progress.lock().unwrap().clone();
    let values: Vec<f64> = progress.iter().map(|p| p.progress).collect();
    assert_eq!(values, [1.0, 1.25, 1.5, 1.75, 2.0, 3.0], "{progress:?}");
    assert!(progress.iter().all(|p| p.total == Some(3.0)));
    assert_eq!(
        progress[0].message.as_deref(),
        Some("brainstormed 4 questions")
    );
    assert_eq!(
        progress[4].message.as_deref(),
        Some("answered 4 of 4 questions")
    );
    assert_eq!(progress[5].message.as_deref(), Some("report compiled"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn with_sampling_tools_the_model_searches_before_answering() {
    let journal: Arc<Journal> = Arc::default();
    let j = Arc::clone(&journal);
    let builder =
        Client::builder("research-test", "1.0").sampling_handler(move |req: SamplingRequest| {
            j.record(&req);
            async move {
                Ok::<_, SamplingError>(match step(&req) {
                    // With `sampling.tools`, typed output is asked for as a `final_answer` call.
                    Step::Brainstorm => tool_use(
                        "fa-1",
                        "final_answer",
                        json!({ "questions": &QUESTIONS[..3] }),
                    ),
                    // First round: look something up.
                    Step::Answer(k) if req.messages().len() == 1 => tool_use(
                        &format!("search-{k}"),
                        "search",
                        json!({ "query": "honeybees pollinate crops" }),
                    ),
                    // Second round: the search result is in; answer.
                    Step::Answer(k) => CreateMessageResult::text(
                        "scripted",
                        format!("{} (from notes)", answer_text(k)),
                    ),
                    Step::Report => CreateMessageResult::text("scripted", "THE REPORT"),
                })
            }
        });
    let client = start(EXAMPLE, &[], builder.sampling_tools()).await;
    let result = client
        .call_tool("research", json!({ "topic": "Bees" }))
        .await
        .unwrap();
    assert!(!result.is_error(), "{}", result.text_content());
    let out = result.structured_content.unwrap();
    assert_eq!(out["search_offered"], true);
    let findings = out["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    for (i, finding) in findings.iter().enumerate() {
        assert_eq!(finding["question"], QUESTIONS[i]);
        assert_eq!(
            finding["answer"],
            format!("{} (from notes)", answer_text(i + 1))
        );
    }

    let requests = journal.requests();
    // Brainstorm, two rounds per question, report.
    assert_eq!(
        requests.len(),
        1 + 2 * 3 + 1,
        "{:?}",
        requests.iter().map(step).collect::<Vec<_>>()
    );
    assert_eq!(tool_names(&requests[0]), ["final_answer"]);
    assert_eq!(step(requests.last().unwrap()), Step::Report);
    for k in 1..=3 {
        let rounds: Vec<&SamplingRequest> = requests
            .iter()
            .filter(|r| step(r) == Step::Answer(k))
            .collect();
        assert_eq!(rounds.len(), 2, "question {k}");
        for round in &rounds {
            assert_eq!(tool_names(round), ["search"], "question {k}");
        }
        // The second round carries the model's tool_use and the server's tool_result for it.
        let messages = rounds[1].messages();
        assert_eq!(messages.len(), 3, "question {k}: {messages:?}");
        assert_eq!(messages[1].role, Role::Assistant);
        assert!(matches!(
            &messages[1].content[..],
            [SamplingContent::ToolUse { name, .. }] if name == "search"
        ));
        assert_eq!(messages[2].role, Role::User);
        let [SamplingContent::ToolResult {
            tool_use_id,
            content,
            is_error,
            ..
        }] = &messages[2].content[..]
        else {
            panic!(
                "question {k}: expected one tool_result, got {:?}",
                messages[2]
            );
        };
        assert_eq!(tool_use_id, &format!("search-{k}"));
        assert_ne!(*is_error, Some(true));
        let text = serde_json::to_string(content).unwrap();
        assert!(
            text.contains("Honeybees: A honeybee colony"),
            "question {k}: {text}"
        );
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_empty_topic_is_a_tool_error_and_nothing_is_sampled() {
    let journal: Arc<Journal> = Arc::default();
    let j = Arc::clone(&journal);
    let builder =
        Client::builder("research-test", "1.0").sampling_handler(move |req: SamplingRequest| {
            j.record(&req);
            async { Ok("unused") }
        });
    let client = start(EXAMPLE, &[], builder).await;
    let result = client
        .call_tool("research", json!({ "topic": "  " }))
        .await
        .unwrap();
    assert!(result.is_error());
    assert!(
        result.text_content().contains("`topic`"),
        "{}",
        result.text_content()
    );
    assert!(journal.requests().is_empty());
    client.close().await.unwrap();
}
