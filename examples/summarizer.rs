//! A document summariser that thinks with the client's model, map-reduce style.
//!
//! `summarize_document(text, max_words?)` checks its input first (an empty text is a tool error
//! naming `text`). A text that fits in one chunk (2,000 characters by default) is summarised by
//! one sample. A longer one is split into chunks on paragraph boundaries (sentence boundaries,
//! then word boundaries, for a paragraph that does not fit), each chunk is summarised by its own
//! sample — at most 4 at a time, in order, with a progress notification as each one finishes —
//! and a last sample combines the partial summaries into one.
//!
//! What it shows: `ctx.sample(..)` with a system prompt and a token budget, bounded concurrency
//! over a handler's `Context` with `futures::stream::iter(..).map(..).buffered(n)`, progress with
//! `ctx.report_progress`, and `#[tools]` on a small configuration struct.
//!
//! Run it under any MCP client over stdio: `cargo run --example summarizer`, or with another
//! chunk size and concurrency: `cargo run --example summarizer -- --chunk-chars 4000
//! --concurrency 8`. The chunking has unit tests: `cargo test -p toolsmith-examples --example
//! summarizer`.

use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use toolsmith::prelude::*;

/// Summarise documents with the client's model.
#[derive(Parser)]
struct Args {
    /// The largest chunk summarised by one sample, in characters.
    #[arg(long, default_value_t = 2000)]
    chunk_chars: usize,
    /// How many chunks are summarised at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

/// The summary of one document.
#[derive(Debug, Serialize, JsonSchema)]
struct Summary {
    /// The summary.
    summary: String,
    /// How many chunks the document was split into (1: it was summarised in one go).
    chunks: usize,
    /// The document's length, in characters.
    characters: usize,
}

const DEFAULT_MAX_WORDS: u32 = 150;
const MAX_WORDS_LIMIT: u32 = 2000;

const SUMMARIZE_SYSTEM: &str = "You summarise documents faithfully and concisely. \
Answer with the summary only.";
const PART_SYSTEM: &str = "You summarise one part of a longer document. Keep the facts a summary \
of the whole document may need. Answer with the summary only.";
const COMBINE_SYSTEM: &str = "You combine the partial summaries of one document, given in order, \
into one summary. Answer with the summary only.";

/// The tool's configuration, shared by every call.
struct Summarizer {
    chunk_chars: usize,
    concurrency: usize,
}

#[tools]
impl Summarizer {
    /// Summarise a document with the client's model. Long documents are summarised chunk by
    /// chunk (with progress notifications), then the partial summaries are combined.
    #[tool(read_only, open_world = false)]
    async fn summarize_document(
        &self,
        ctx: Context<'_>,
        #[arg(description = "The document to summarise (plain text)")] text: String,
        #[arg(description = "Most words in the summary (default 150)")] max_words: Option<u32>,
    ) -> Result<Summary, ToolError> {
        if text.trim().is_empty() {
            return Err(ToolError::new(
                "`text` is empty: pass the document to summarise",
            ));
        }
        let max_words = max_words.unwrap_or(DEFAULT_MAX_WORDS);
        if !(1..=MAX_WORDS_LIMIT).contains(&max_words) {
            return Err(ToolError::new(format!(
                "`max_words` must be between 1 and {MAX_WORDS_LIMIT}, not {max_words}"
            )));
        }
        let characters = text.chars().count();
        let chunks = split_into_chunks(&text, self.chunk_chars);
        let n = chunks.len();

        if n == 1 {
            let summary = ctx
                .sample(format!(
                    "Summarise this document in at most {max_words} words:\n\n{}",
                    text.trim()
                ))
                .system_prompt(SUMMARIZE_SYSTEM)
                .max_tokens(token_budget(max_words))
                .await?;
            ctx.report_progress(1.0, Some(1.0), Some("summarised"))
                .await;
            return Ok(Summary {
                summary: summary.text().trim().to_owned(),
                chunks: 1,
                characters,
            });
        }

        // Map: summarise the chunks, `concurrency` at a time, keeping their order. The stream
        // owns its items (`into_iter`): closures over borrowed items trip a rustc limitation
        // ("FnOnce is not general enough") inside a `Send` handler.
        let done = AtomicUsize::new(0);
        let done = &done;
        let partials: Vec<String> = futures::stream::iter(chunks.into_iter().enumerate())
            .map(|(i, chunk)| async move {
                let part = ctx
                    .sample(format!(
                        "Part {} of {n}. Summarise it in at most {max_words} words:\n\n{chunk}",
                        i + 1
                    ))
                    .system_prompt(PART_SYSTEM)
                    .max_tokens(token_budget(max_words))
                    .await?;
                let k = done.fetch_add(1, Ordering::Relaxed) + 1;
                ctx.report_progress(
                    k as f64,
                    Some(n as f64 + 1.0),
                    Some(&format!("summarised {k} of {n} chunks")),
                )
                .await;
                Ok::<_, SampleError>(part.text().trim().to_owned())
            })
            .buffered(self.concurrency.max(1))
            .try_collect()
            .await?;

        // Reduce: one sample combines the partial summaries, in document order.
        let parts: Vec<String> = partials
            .iter()
            .enumerate()
            .map(|(i, p)| format!("[Part {}]\n{p}", i + 1))
            .collect();
        let summary = ctx
            .sample(format!(
                "Combine these {n} partial summaries into one summary of at most {max_words} \
                 words:\n\n{}",
                parts.join("\n\n")
            ))
            .system_prompt(COMBINE_SYSTEM)
            .max_tokens(token_budget(max_words))
            .await?;
        ctx.report_progress(
            n as f64 + 1.0,
            Some(n as f64 + 1.0),
            Some(&format!("combined {n} partial summaries")),
        )
        .await;
        Ok(Summary {
            summary: summary.text().trim().to_owned(),
            chunks: n,
            characters,
        })
    }
}

/// Room for `words` words of output (a word is about 1.3 tokens), plus some slack.
fn token_budget(words: u32) -> u32 {
    words * 2 + 32
}

/// Split `text` into chunks of at most `max_chars` characters. Chunks end between paragraphs
/// when they can; a paragraph that does not fit is cut between sentences, a sentence that does
/// not fit between words, and a word that does not fit anywhere (rare) is cut where it must.
/// Small pieces are packed together, so every chunk but the last is close to `max_chars`.
fn split_into_chunks(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    // Each piece fits in a chunk, and says what separates it from the piece before it.
    let mut pieces: Vec<(&str, String)> = Vec::new();
    for paragraph in paragraphs(text) {
        let mut separator = "\n\n";
        for sentence in split_fitting(&paragraph, max_chars, sentences) {
            for piece in split_fitting(&sentence, max_chars, |s| words(s, max_chars)) {
                pieces.push((separator, piece));
                separator = " ";
            }
        }
    }

    let mut chunks = Vec::new();
    let mut current = String::new();
    for (separator, piece) in pieces {
        let fits = current.chars().count() + separator.len() + piece.chars().count() <= max_chars;
        if current.is_empty() {
            current = piece;
        } else if fits {
            current.push_str(separator);
            current.push_str(&piece);
        } else {
            chunks.push(std::mem::replace(&mut current, piece));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// `text` itself when it fits in `max_chars` characters, else `split(text)`.
fn split_fitting(text: &str, max_chars: usize, split: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    if text.chars().count() <= max_chars {
        vec![text.to_owned()]
    } else {
        split(text)
    }
}

/// The paragraphs of `text`: runs of non-blank lines, joined with newlines.
fn paragraphs(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().chain([""]) {
        if line.trim().is_empty() {
            if !lines.is_empty() {
                paragraphs.push(lines.join("\n"));
                lines.clear();
            }
        } else {
            lines.push(line.trim_end());
        }
    }
    paragraphs
}

/// The sentences of `text`: cut after `.`, `!` or `?` followed by white space.
fn sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at_end = matches!(c, '.' | '!' | '?')
            && chars.peek().is_some_and(|&(_, next)| next.is_whitespace());
        if at_end {
            sentences.push(text[start..=i].trim().to_owned());
            start = i + 1;
        }
    }
    sentences.push(text[start..].trim().to_owned());
    sentences.retain(|s| !s.is_empty());
    sentences
}

/// `text` cut between words into parts of at most `max_chars` characters; a word longer than
/// that is cut into `max_chars`-character slices.
fn words(text: &str, max_chars: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let word_chars: Vec<char> = word.chars().collect();
        for slice in word_chars.chunks(max_chars) {
            let slice: String = slice.iter().collect();
            if current.is_empty() {
                current = slice;
            } else if current.chars().count() + 1 + slice.chars().count() <= max_chars {
                current.push(' ');
                current.push_str(&slice);
            } else {
                parts.push(std::mem::replace(&mut current, slice));
            }
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

#[tokio::main]
async fn main() -> Result<(), toolsmith::Error> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args = Args::parse();
    Server::new("summarizer", env!("CARGO_PKG_VERSION"))
        .instructions("Summarises documents of any length with the client's own model.")
        .tools(Summarizer {
            chunk_chars: args.chunk_chars,
            concurrency: args.concurrency,
        })
        .serve_stdio()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    #[test]
    fn a_short_text_is_one_chunk() {
        assert_eq!(
            split_into_chunks("One. Two.\n\nThree.", 100),
            ["One. Two.\n\nThree."]
        );
    }

    #[test]
    fn paragraphs_are_kept_whole_when_they_fit() {
        let para = |n: usize| format!("Paragraph {n} has a sentence. And another one here.");
        let text = (1..=6).map(para).collect::<Vec<_>>().join("\n\n");
        let chunks = split_into_chunks(&text, 120);
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(chunk.chars().count() <= 120, "{chunk:?}");
            assert!(chunk.starts_with("Paragraph "), "{chunk:?}");
            assert!(chunk.ends_with("another one here."), "{chunk:?}");
        }
        assert_eq!(all_words(&chunks.join(" ")), all_words(&text));
    }

    #[test]
    fn a_long_paragraph_is_cut_between_sentences() {
        let text = (1..=40)
            .map(|n| format!("This is sentence number {n} of one long paragraph."))
            .collect::<Vec<_>>()
            .join(" ");
        let chunks = split_into_chunks(&text, 300);
        assert!(chunks.len() >= 6, "{}", chunks.len());
        for chunk in &chunks {
            assert!(chunk.chars().count() <= 300);
            assert!(chunk.starts_with("This is sentence"), "{chunk:?}");
            assert!(chunk.ends_with("paragraph."), "{chunk:?}");
        }
        assert_eq!(all_words(&chunks.join(" ")), all_words(&text));
    }

    #[test]
    fn a_long_sentence_is_cut_between_words_and_a_long_word_anywhere() {
        let sentence = "word ".repeat(100);
        let chunks = split_into_chunks(&sentence, 42);
        assert!(chunks.iter().all(|c| c.chars().count() <= 42));
        assert!(chunks.iter().all(|c| c.split(' ').all(|w| w == "word")));
        assert_eq!(all_words(&chunks.join(" ")).len(), 100);

        let word = "é".repeat(25);
        assert_eq!(
            split_into_chunks(&word, 10),
            ["é".repeat(10), "é".repeat(10), "é".repeat(5)]
        );
    }

    #[test]
    fn blank_lines_with_spaces_and_crlf_separate_paragraphs() {
        assert_eq!(paragraphs("a\r\nb\r\n \r\nc\n\n\n"), ["a\nb", "c"]);
        assert_eq!(
            sentences("Hi there. Really?! Yes 3.5 times."),
            ["Hi there.", "Really?!", "Yes 3.5 times."]
        );
    }
}
