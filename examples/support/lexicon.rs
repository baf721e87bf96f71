//! `lexicon-sentiment-v1`: a small, offline, lexicon-based sentiment classifier.
//!
//! It is not a language model. It looks words up in a hand-written list of positive and negative
//! words with weights, and adjusts them with three rules of thumb:
//! - a negator (`not`, `never`, `don't`, ...) flips and weakens the sentiment words in the next
//!   three words of its clause ("not bad" is mildly positive);
//! - an intensifier (`very`, `absolutely`, ...) strengthens the next sentiment word;
//! - after a contrast (`but`, `however`, ...) words count more and the words before it less
//!   ("great screen but terrible battery" is negative).
//!
//! The sum decides: at least 0.5 is positive, at most -0.5 negative, anything in between neutral.
//! It is good enough to demonstrate sampling without a network or an API key, and nothing more.

/// The model name this classifier answers as.
pub const MODEL_NAME: &str = "lexicon-sentiment-v1";

/// A sentiment label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    Positive,
    Negative,
    Neutral,
}

impl Polarity {
    /// The label as one lowercase word, the answer the sentiment server asks for.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
        }
    }
}

/// A text's label, its score, and the words that moved it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub polarity: Polarity,
    pub score: f64,
    /// The sentiment words found, with any negator or intensifier applied (e.g. `not bad`).
    pub evidence: Vec<String>,
}

const POSITIVE: &[(&str, f64)] = &[
    ("love", 3.0),
    ("loved", 3.0),
    ("loves", 3.0),
    ("excellent", 3.0),
    ("amazing", 3.0),
    ("wonderful", 3.0),
    ("fantastic", 3.0),
    ("perfect", 3.0),
    ("best", 3.0),
    ("delighted", 3.0),
    ("awesome", 3.0),
    ("great", 2.0),
    ("happy", 2.0),
    ("enjoy", 2.0),
    ("enjoyed", 2.0),
    ("helpful", 2.0),
    ("recommend", 2.0),
    ("pleased", 2.0),
    ("beautiful", 2.0),
    ("reliable", 2.0),
    ("thanks", 1.0),
    ("thank", 1.0),
    ("good", 1.0),
    ("nice", 1.0),
    ("like", 1.0),
    ("liked", 1.0),
    ("fast", 1.0),
    ("easy", 1.0),
    ("fine", 1.0),
    ("works", 1.0),
];

const NEGATIVE: &[(&str, f64)] = &[
    ("hate", -3.0),
    ("hated", -3.0),
    ("terrible", -3.0),
    ("awful", -3.0),
    ("horrible", -3.0),
    ("worst", -3.0),
    ("useless", -3.0),
    ("disgusting", -3.0),
    ("bad", -2.0),
    ("broken", -2.0),
    ("poor", -2.0),
    ("disappointed", -2.0),
    ("disappointing", -2.0),
    ("angry", -2.0),
    ("annoying", -2.0),
    ("sad", -2.0),
    ("crash", -2.0),
    ("crashed", -2.0),
    ("crashes", -2.0),
    ("fail", -2.0),
    ("failed", -2.0),
    ("fails", -2.0),
    ("rude", -2.0),
    ("slow", -1.0),
    ("late", -1.0),
    ("bug", -1.0),
    ("bugs", -1.0),
    ("expensive", -1.0),
    ("problem", -1.0),
    ("refund", -1.0),
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nothing", "nobody", "neither", "nor", "without", "hardly",
    "cannot",
];

const INTENSIFIERS: &[&str] = &[
    "very",
    "really",
    "extremely",
    "so",
    "super",
    "incredibly",
    "absolutely",
    "totally",
    "truly",
];

const CONTRASTS: &[&str] = &["but", "however", "yet", "although", "though"];

/// How far a negator reaches, in words.
const NEGATION_SCOPE: usize = 3;
/// A negated word counts this much, with its sign flipped.
const NEGATION_WEIGHT: f64 = -0.75;
const INTENSIFIER_WEIGHT: f64 = 1.5;
/// Before a contrast words count this much; after it, `AFTER_CONTRAST`.
const BEFORE_CONTRAST: f64 = 0.5;
const AFTER_CONTRAST: f64 = 1.5;
const THRESHOLD: f64 = 0.5;

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    /// Punctuation that ends a clause.
    Break,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '\'' || c == '’' {
            word.extend(c.to_lowercase().map(|c| if c == '’' { '\'' } else { c }));
        } else {
            flush(&mut word, &mut out);
            if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\n') {
                out.push(Token::Break);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

fn weight(word: &str) -> Option<f64> {
    POSITIVE
        .iter()
        .chain(NEGATIVE)
        .find(|(w, _)| *w == word)
        .map(|(_, v)| *v)
}

fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't")
}

/// Classify a text.
pub fn classify(text: &str) -> Classification {
    let tokens = tokens(text);
    // Words before the last contrast count less, words after it more.
    let last_contrast = tokens
        .iter()
        .rposition(|t| matches!(t, Token::Word(w) if CONTRASTS.contains(&w.as_str())));
    let mut score = 0.0;
    let mut evidence = Vec::new();
    let mut negated_for = 0usize;
    let mut intensified = false;
    let mut prefix: Vec<&str> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let word = match token {
            Token::Break => {
                negated_for = 0;
                intensified = false;
                prefix.clear();
                continue;
            }
            Token::Word(w) => w.as_str(),
        };
        if CONTRASTS.contains(&word) {
            negated_for = 0;
            intensified = false;
            prefix.clear();
            continue;
        }
        if is_negator(word) {
            negated_for = NEGATION_SCOPE;
            prefix.push(word);
            continue;
        }
        if INTENSIFIERS.contains(&word) {
            intensified = true;
            prefix.push(word);
            negated_for = negated_for.saturating_sub(1);
            continue;
        }
        if let Some(mut w) = weight(word) {
            if intensified {
                w *= INTENSIFIER_WEIGHT;
            }
            if negated_for > 0 {
                w *= NEGATION_WEIGHT;
            }
            w *= match last_contrast {
                Some(c) if i < c => BEFORE_CONTRAST,
                Some(_) => AFTER_CONTRAST,
                None => 1.0,
            };
            score += w;
            prefix.push(word);
            evidence.push(prefix.join(" "));
            prefix.clear();
            intensified = false;
        } else {
            prefix.clear();
        }
        negated_for = negated_for.saturating_sub(1);
    }
    let polarity = if score >= THRESHOLD {
        Polarity::Positive
    } else if score <= -THRESHOLD {
        Polarity::Negative
    } else {
        Polarity::Neutral
    };
    Classification {
        polarity,
        score,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str) -> Polarity {
        classify(text).polarity
    }

    #[test]
    fn plain_sentiment_words_decide() {
        assert_eq!(label("I love this product"), Polarity::Positive);
        assert_eq!(label("This is TERRIBLE."), Polarity::Negative);
        assert_eq!(label("The parcel arrived on Tuesday."), Polarity::Neutral);
        assert_eq!(label(""), Polarity::Neutral);
    }

    #[test]
    fn negation_flips_and_weakens() {
        assert_eq!(label("I don't like it"), Polarity::Negative);
        assert_eq!(label("Not bad at all"), Polarity::Positive);
        assert_eq!(
            label("It isn’t good"),
            Polarity::Negative,
            "curly apostrophe"
        );
        let c = classify("not bad");
        assert_eq!(c.score, 1.5);
        assert_eq!(c.evidence, ["not bad"]);
        // A negator's scope ends at the end of its clause.
        assert_eq!(label("No. Great!"), Polarity::Positive);
        // ... and after three words.
        assert_eq!(label("never in my whole life good"), Polarity::Positive);
    }

    #[test]
    fn intensifiers_strengthen_the_next_sentiment_word() {
        assert_eq!(classify("good").score, 1.0);
        assert_eq!(classify("very good").score, 1.5);
        assert_eq!(classify("very good").evidence, ["very good"]);
        assert_eq!(classify("not very good").score, -1.125);
    }

    #[test]
    fn the_clause_after_a_contrast_weighs_more() {
        assert_eq!(
            label("The screen is great but the battery is terrible."),
            Polarity::Negative
        );
        assert_eq!(
            label("The battery is bad, however the screen is wonderful"),
            Polarity::Positive
        );
        let c = classify("good but bad");
        assert_eq!(c.score, 1.0 * 0.5 + -2.0 * 1.5);
    }

    #[test]
    fn weak_mixed_signals_are_neutral() {
        // good (+1) and slow (-1) cancel out.
        assert_eq!(label("Good coffee, slow service"), Polarity::Neutral);
        assert_eq!(Polarity::Neutral.as_str(), "neutral");
    }
}
