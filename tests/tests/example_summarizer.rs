//! The `summarizer` example, a child process over stdio, driven by the toolkit's client with a
//! scripted model: what it samples for short and long documents, how concurrently, with what
//! progress, and how it refuses bad input.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::client::{Client, ClientBuilder, SamplingError, SamplingRequest};

use common::{progress_recorder, start, Journal};

const EXAMPLE: &str = "summarizer";

/// The scripted model: a chunk request ("Part k of n. ...") is answered `summary-of-part-k`
/// after `delay`, a combine request `the final summary`, anything else `a short summary`.
fn scripted(journal: &Arc<Journal>, delay: Duration) -> ClientBuilder {
    let journal = Arc::clone(journal);
    Client::builder("summarizer-test", "1.0").sampling_handler(move |req: SamplingRequest| {
        let journal = Arc::clone(&journal);
        async move {
            let _in_flight = journal.enter(&req);
            let prompt = req.last_user_text();
            if let Some(k) = part_number(&prompt) {
                tokio::time::sleep(delay).await;
                return Ok(format!("summary-of-part-{k}"));
            }
            if req.system_prompt().unwrap_or("").contains("combine") {
                return Ok("the final summary".to_owned());
            }
            Ok("a short summary".to_owned())
        }
    })
}

/// `k` of a chunk prompt `Part k of n. ...`.
fn part_number(prompt: &str) -> Option<usize> {
    prompt
        .strip_prefix("Part ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// The chunk itself: the text after the first blank line of a chunk prompt.
fn chunk_of(prompt: &str) -> &str {
    prompt
        .split_once("\n\n")
        .expect("a header, then the chunk")
        .1
}

/// A document of `paragraphs` paragraphs of about 600 characters; every sentence is unique.
fn document(paragraphs: usize) -> String {
    (1..=paragraphs)
        .map(|p| {
            (1..=10)
                .map(|s| format!("Paragraph {p}, sentence {s}: the tide rose over the old pier."))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

async fn summarize(client: &Client, args: Value) -> Value {
    let result = client.call_tool("summarize_document", args).await.unwrap();
    assert!(!result.is_error(), "{result:?}");
    result.structured_content.expect("structured output")
}

#[tokio::test]
async fn a_short_text_takes_one_sample() {
    let journal = Arc::default();
    let client = start(EXAMPLE, &[], scripted(&journal, Duration::ZERO)).await;
    let text = "The meeting moved to Tuesday. Everyone agreed the budget needs another review.";
    let out = summarize(&client, json!({ "text": text, "max_words": 40 })).await;
    assert_eq!(
        out,
        json!({"summary": "a short summary", "chunks": 1, "characters": text.chars().count()})
    );

    let requests = journal.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let prompt = requests[0].last_user_text();
    assert!(prompt.contains(text), "{prompt}");
    assert!(prompt.contains("at most 40 words"), "{prompt}");
    assert!(requests[0].system_prompt().unwrap().contains("summarise"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_long_text_is_summarised_in_chunks_concurrently_then_combined() {
    let journal = Arc::default();
    let client = start(EXAMPLE, &[], scripted(&journal, Duration::from_millis(150))).await;
    let text = document(16);
    assert!(text.len() > 9_000);
    let (progress, on_progress) = progress_recorder();
    let result = client
        .call_tool_with_progress("summarize_document", json!({ "text": text }), on_progress)
        .await
        .unwrap();
    assert!(!result.is_error(), "{result:?}");
    let out = result.structured_content.unwrap();
    assert_eq!(out["summary"], "the final summary");

    // N chunk samples, then one combine sample.
    let requests = journal.requests();
    let n = requests.len() - 1;
    assert!(n >= 4, "{n} chunks for {} characters", text.len());
    assert_eq!(out["chunks"], n);
    let (combine, parts) = requests.split_last().unwrap();
    assert!(combine.system_prompt().unwrap().contains("combine"));
    let mut numbers: Vec<usize> = parts
        .iter()
        .map(|r| part_number(&r.last_user_text()).expect("a chunk prompt"))
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=n).collect::<Vec<_>>());
    for r in parts {
        let prompt = r.last_user_text();
        let k = part_number(&prompt).unwrap();
        assert!(
            prompt.starts_with(&format!("Part {k} of {n}. ")),
            "{prompt}"
        );
        assert!(r
            .system_prompt()
            .unwrap()
            .contains("one part of a longer document"));
    }

    // The chunks: at most 2,000 characters, cut between paragraphs, nothing lost or repeated.
    let mut in_order: Vec<(usize, String)> = parts
        .iter()
        .map(|r| {
            let prompt = r.last_user_text();
            (part_number(&prompt).unwrap(), chunk_of(&prompt).to_owned())
        })
        .collect();
    in_order.sort();
    for (k, chunk) in &in_order {
        assert!(
            chunk.chars().count() <= 2_000,
            "chunk {k}: {} chars",
            chunk.chars().count()
        );
        assert!(
            chunk.starts_with("Paragraph ") && chunk.ends_with("pier."),
            "chunk {k}: {chunk:?}"
        );
    }
    let chunks: Vec<&str> = in_order.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(words(&chunks.join(" ")), words(&text));

    // Concurrent, but never more than 4 at once.
    let max = journal.max_in_flight();
    assert!((2..=4).contains(&max), "{max} chunk samples at once");

    // The combine prompt holds every partial summary, in document order.
    let prompt = combine.last_user_text();
    let positions: Vec<usize> = (1..=n)
        .map(|k| {
            prompt
                .find(&format!("[Part {k}]\nsummary-of-part-{k}"))
                .unwrap_or_else(|| panic!("part {k} is missing from the combine prompt: {prompt}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{prompt}");

    // Progress: k of N chunks, then the combination.
    let progress = progress.lock().unwrap().clone();
    assert_eq!(progress.len(), n + 1, "{progress:?}");
    for (i, p) in progress.iter().enumerate() {
        let k = i + 1;
        assert_eq!(p.progress, k as f64);
        assert_eq!(p.total, Some(n as f64 + 1.0));
        let expected = if k <= n {
            format!("summarised {k} of {n} chunks")
        } else {
            format!("combined {n} partial summaries")
        };
        assert_eq!(p.message.as_deref(), Some(expected.as_str()));
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn chunk_size_and_concurrency_are_configurable() {
    let journal = Arc::default();
    let args = ["--chunk-chars", "300", "--concurrency", "2"];
    let client = start(
        EXAMPLE,
        &args,
        scripted(&journal, Duration::from_millis(100)),
    )
    .await;
    let text = document(2);
    let out = summarize(&client, json!({ "text": text })).await;
    let requests = journal.requests();
    let n = requests.len() - 1;
    assert_eq!(out["chunks"], n);
    assert!(
        n >= 4,
        "{n} chunks of 300 characters for {} characters",
        text.len()
    );
    for r in &requests[..n] {
        let prompt = r.last_user_text();
        let chunk = chunk_of(&prompt);
        assert!(chunk.chars().count() <= 300, "{chunk:?}");
        // Paragraphs are too long here: cut between sentences.
        assert!(chunk.ends_with("pier."), "{chunk:?}");
    }
    assert_eq!(journal.max_in_flight(), 2);
    client.close().await.unwrap();
}

#[tokio::test]
async fn empty_text_and_bad_max_words_are_tool_errors_and_nothing_is_sampled() {
    let journal = Arc::default();
    let client = start(EXAMPLE, &[], scripted(&journal, Duration::ZERO)).await;
    for (args, name) in [
        (json!({"text": ""}), "`text`"),
        (json!({"text": "  \n\t  \n"}), "`text`"),
        (json!({"text": "Some text.", "max_words": 0}), "`max_words`"),
    ] {
        let result = client
            .call_tool("summarize_document", args.clone())
            .await
            .unwrap();
        assert!(result.is_error(), "{args}: {result:?}");
        let message = result.text_content();
        assert!(message.contains(name), "{args}: {message}");
    }
    assert!(journal.requests().is_empty(), "{:?}", journal.requests());
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_refused_chunk_sample_fails_the_call_with_the_reason() {
    let builder = Client::builder("summarizer-test", "1.0").sampling_handler(
        |req: SamplingRequest| async move {
            match part_number(&req.last_user_text()) {
                Some(2) => Err(SamplingError::rejected("part two is confidential")),
                _ => Ok("fine".to_owned()),
            }
        },
    );
    let client = start(EXAMPLE, &[], builder).await;
    let result = client
        .call_tool("summarize_document", json!({ "text": document(12) }))
        .await
        .unwrap();
    assert!(result.is_error(), "{result:?}");
    assert!(
        result.text_content().contains("part two is confidential"),
        "{}",
        result.text_content()
    );
    client.close().await.unwrap();
}
