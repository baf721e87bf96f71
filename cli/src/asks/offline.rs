//! The built-in offline model: what answers sampling requests when no OpenAI-compatible backend
//! is configured. No network, no API key, and not a language model.
//!
//! A request that asks for a sentiment label (its system prompt or text names `positive`,
//! `negative` and `neutral`) is answered by `lexicon-sentiment-v1`, the lexicon classifier the
//! examples use (`examples/support/lexicon.rs`, compiled in from there). Anything else gets an
//! extractive answer: the first sentence of the last user message, cut to `maxTokens` words.

#[allow(dead_code)] // the classifier's evidence and score are for the examples' tables
#[path = "../../../examples/support/lexicon.rs"]
mod lexicon;

use toolsmith::client::SamplingRequest;
use toolsmith::protocol::CreateMessageResult;

/// The model name of the extractive answers.
pub const EXTRACTIVE_MODEL: &str = "toolsmith-offline-extract";

/// The names the offline model answers as, for the client's model router (the first is the
/// default).
pub fn model_names() -> [&'static str; 2] {
    [EXTRACTIVE_MODEL, lexicon::MODEL_NAME]
}

/// Answer `request` offline.
pub fn answer(request: &SamplingRequest) -> CreateMessageResult {
    let text = request.last_user_text();
    if asks_for_sentiment(request) {
        let label = lexicon::classify(&text).polarity.as_str();
        return CreateMessageResult::text(lexicon::MODEL_NAME, label);
    }
    CreateMessageResult::text(EXTRACTIVE_MODEL, extract(&text, request.max_tokens()))
}

/// True when the request wants one of the three sentiment labels.
fn asks_for_sentiment(request: &SamplingRequest) -> bool {
    let mentions_labels = |s: &str| {
        let s = s.to_lowercase();
        ["positive", "negative", "neutral"]
            .iter()
            .all(|label| s.contains(label))
    };
    request.system_prompt().is_some_and(mentions_labels)
        || request
            .messages()
            .iter()
            .any(|m| mentions_labels(&m.text()))
}

/// The first sentence of `text`, at most `max_words` words (at least one).
fn extract(text: &str, max_words: u32) -> String {
    let first = text
        .split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let limit = usize::try_from(max_words.max(1)).unwrap_or(usize::MAX);
    let words: Vec<&str> = first.split_whitespace().collect();
    if words.len() <= limit {
        words.join(" ")
    } else {
        format!("{}…", words[..limit].join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(system: Option<&str>, text: &str, max_tokens: u32) -> SamplingRequest {
        let params = json!({
            "messages": [{ "role": "user", "content": { "type": "text", "text": text } }],
            "systemPrompt": system,
            "maxTokens": max_tokens,
        });
        SamplingRequest::new(serde_json::from_value(params).unwrap())
    }

    #[test]
    fn a_sentiment_request_gets_a_label_from_the_lexicon() {
        let system = "Answer with one word: positive, negative or neutral.";
        let answer = answer(&request(Some(system), "I love it", 5));
        assert_eq!(answer.model, lexicon::MODEL_NAME);
        assert_eq!(answer_text(&answer), "positive");
        let answer = super::answer(&request(Some(system), "It is broken and terrible", 5));
        assert_eq!(answer_text(&answer), "negative");
    }

    #[test]
    fn anything_else_gets_the_first_sentence_within_the_token_budget() {
        let answer = answer(&request(None, "Rust is fast. It is also safe.", 100));
        assert_eq!(answer.model, EXTRACTIVE_MODEL);
        assert_eq!(answer_text(&answer), "Rust is fast.");
        let answer = super::answer(&request(None, "one two three four", 2));
        assert_eq!(answer_text(&answer), "one two…");
    }

    fn answer_text(result: &CreateMessageResult) -> String {
        result.text_content()
    }
}
