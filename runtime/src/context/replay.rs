//! Answers for the stateless era (2026-07-28): multi round-trip requests.
//!
//! A handler runs once per round. Each ask (sample, elicit, roots) gets a key that is stable
//! across rounds: the kind, a digest of the ask's parameters, and how many identical asks came
//! before it in this run (or a key the author chose). An ask whose key has an answer (from this
//! round's `inputResponses` or from earlier rounds, carried in `requestState`) resolves at once;
//! one without stays pending and is recorded, and the dispatcher ends the round with
//! `input_required` once the handler is blocked only on such asks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{oneshot, Notify};

use super::answers::{AnswerError, AnswerSource};
use crate::jsonrpc::ResultJson;

/// How many bytes of SHA-256 an ask's digest keeps: 128 bits, so that no client can find another
/// ask with the same key (an answer to one ask is never taken for another).
const DIGEST_BYTES: usize = 16;

/// A stable digest of an ask, 128 bits in hex (serde_json maps are sorted, so this is canonical).
#[cfg(test)]
pub(crate) fn digest(method: &str, params: &Value) -> String {
    digest_of_json(method, &params_json(params))
}

/// The JSON text of an ask's parameters: hashed for its digest, and sent as is if it is asked.
fn params_json(params: &Value) -> String {
    serde_json::to_string(params).expect("JSON values serialise")
}

/// [`digest`] of parameters already serialised (`json`): one pass of the hasher over one buffer,
/// instead of a small update per token of the serialiser.
fn digest_of_json(method: &str, json: &str) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(json.as_bytes());
    hex(&h.finalize()[..DIGEST_BYTES])
}

/// Lowercase hex of `bytes` (one allocation; `format!` per byte cost more than the hash itself).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn kind(method: &str) -> &'static str {
    match method {
        "sampling/createMessage" => "sample",
        "elicitation/create" => "elicit",
        "roots/list" => "roots",
        _ => "ask",
    }
}

/// An ask the client has not answered yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpenAsk {
    pub method: &'static str,
    /// The parameters as JSON text (written into `inputRequests` as they are).
    pub params_json: String,
    pub digest: String,
}

#[derive(Default)]
struct Inner {
    /// Identical asks seen so far in this run, by digest (for occurrence numbering).
    seen: HashMap<String, usize>,
    /// Memos seen so far in this run, by name.
    memo_seen: HashMap<String, usize>,
    /// Answers the handler used this run (carried into the next round's state), shared with
    /// the handler that decodes them (never copied: most rounds never seal them again).
    used: BTreeMap<String, Arc<Value>>,
    /// Asks still open, by key.
    open: BTreeMap<String, OpenAsk>,
    /// Memo values recorded this run.
    memos: BTreeMap<String, Value>,
    /// The handler's waits on open asks, by key: [`Round::supply`] resolves them when the
    /// suspended handler is resumed in memory instead of replayed.
    waiters: HashMap<String, oneshot::Sender<Arc<Value>>>,
}

/// The shared state of one round: the answers known, and what the handler asked.
pub(crate) struct Round {
    /// Answers by key: earlier rounds' (from `requestState`) and this round's `inputResponses`.
    answers: HashMap<String, Arc<Value>>,
    /// The digest each key was asked with in the previous round (from `requestState`).
    asked: HashMap<String, String>,
    /// Memo values from earlier rounds.
    memos: Map<String, Value>,
    inner: Mutex<Inner>,
    /// Signalled whenever a new open ask is recorded.
    pub(crate) new_ask: Notify,
}

impl Round {
    pub(crate) fn new(
        answers: Map<String, Value>,
        asked: HashMap<String, String>,
        memos: Map<String, Value>,
    ) -> Arc<Self> {
        Arc::new(Round {
            answers: answers.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            asked,
            memos,
            inner: Mutex::new(Inner::default()),
            new_ask: Notify::new(),
        })
    }

    /// Asks still open at the end of the round.
    #[cfg(test)]
    pub(crate) fn open_asks(&self) -> BTreeMap<String, OpenAsk> {
        self.inner.lock().expect("round lock").open.clone()
    }

    /// `f` of the asks still open at the end of the round, without copying them (they stay open:
    /// a resume answers them, [`Round::supply`]).
    pub(crate) fn with_open_asks<R>(&self, f: impl FnOnce(&BTreeMap<String, OpenAsk>) -> R) -> R {
        f(&self.inner.lock().expect("round lock").open)
    }

    pub(crate) fn has_open_asks(&self) -> bool {
        !self.inner.lock().expect("round lock").open.is_empty()
    }

    /// Answers the handler consumed, to carry into the next round.
    pub(crate) fn used_answers(&self) -> BTreeMap<String, Value> {
        let inner = self.inner.lock().expect("round lock");
        inner
            .used
            .iter()
            .map(|(k, v)| (k.clone(), Value::clone(v)))
            .collect()
    }

    /// Memo values known after this run (earlier rounds' and this one's).
    pub(crate) fn all_memos(&self) -> BTreeMap<String, Value> {
        let inner = self.inner.lock().expect("round lock");
        let mut all: BTreeMap<String, Value> = self
            .memos
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        all.extend(inner.memos.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    /// The key of an ask: the author's key, or kind, digest and occurrence.
    fn key_for(
        &self,
        inner: &mut Inner,
        method: &'static str,
        digest: &str,
        key: Option<&str>,
    ) -> String {
        match key {
            Some(k) => k.to_owned(),
            None => {
                let n = inner.seen.entry(digest.to_owned()).or_insert(0);
                *n += 1;
                format!("{}-{}-{}", kind(method), digest, n)
            }
        }
    }

    /// The answer to an ask, or `None` after recording it as open.
    #[cfg(test)]
    pub(crate) fn lookup(
        &self,
        method: &'static str,
        params: &Value,
        key: Option<&str>,
    ) -> Option<Value> {
        self.lookup_or_wait(method, params_json(params), key)
            .ok()
            .map(Arc::unwrap_or_clone)
    }

    /// Answer the open asks that `responses` answers (by key; answers to anything else are
    /// ignored), waking the handler's waits on them: this resumes a suspended handler. Returns
    /// how many asks were answered.
    pub(crate) fn supply(&self, responses: Map<String, Value>) -> usize {
        let mut inner = self.inner.lock().expect("round lock");
        let mut answered = 0;
        for (key, value) in responses {
            if inner.open.remove(&key).is_none() {
                tracing::debug!(%key, "ignoring an answer to an ask this request did not make");
                continue;
            }
            answered += 1;
            let value = Arc::new(value);
            if let Some(waiter) = inner.waiters.remove(&key) {
                let _ = waiter.send(Arc::clone(&value));
            }
            inner.used.insert(key, value);
        }
        answered
    }

    /// The answer to an ask, or, after recording it as open, a wait that [`Round::supply`] ends.
    /// The ask's parameters come as their JSON text (`json`): what its digest is taken over and
    /// what `input_required` carries.
    fn lookup_or_wait(
        &self,
        method: &'static str,
        json: String,
        key: Option<&str>,
    ) -> Result<Arc<Value>, oneshot::Receiver<Arc<Value>>> {
        let digest = digest_of_json(method, &json);
        let mut inner = self.inner.lock().expect("round lock");
        let key = self.key_for(&mut inner, method, &digest, key);
        // An answer counts only if the ask it answered had these very parameters (when known).
        let same_ask = self.asked.get(&key).is_none_or(|d| *d == digest);
        if let Some(answer) = self.answers.get(&key).filter(|_| same_ask) {
            inner.used.insert(key, Arc::clone(answer));
            return Ok(Arc::clone(answer));
        }
        let (tx, rx) = oneshot::channel();
        inner.waiters.insert(key.clone(), tx);
        inner.open.insert(
            key,
            OpenAsk {
                method,
                params_json: json,
                digest,
            },
        );
        drop(inner);
        self.new_ask.notify_one();
        Err(rx)
    }

    /// The memo key and its value from an earlier round, if any.
    pub(crate) fn recall(&self, name: &str) -> (String, Option<Value>) {
        let mut inner = self.inner.lock().expect("round lock");
        let n = inner.memo_seen.entry(name.to_owned()).or_insert(0);
        *n += 1;
        let key = format!("{name}#{n}");
        let value = self.memos.get(&key).cloned();
        (key, value)
    }

    pub(crate) fn remember(&self, key: String, value: Value) {
        self.inner
            .lock()
            .expect("round lock")
            .memos
            .insert(key, value);
    }
}

/// Answers asks from a [`Round`]; an unanswered ask resolves only if the suspended handler is
/// resumed with its answer ([`Round::supply`]); otherwise the round ends and the handler is
/// dropped (and replayed next round).
pub(crate) struct ReplayAnswers(pub Arc<Round>);

impl ReplayAnswers {
    /// The answer to the ask of `method` with `params` (JSON text) under `key`, as `as_answer`
    /// makes it: at once when the retried request carries it, else once the round supplies it.
    fn answer<'a, T: Send + 'a>(
        &'a self,
        method: &'static str,
        params: String,
        key: Option<&'a str>,
        as_answer: fn(Arc<Value>) -> T,
    ) -> BoxFuture<'a, Result<T, AnswerError>> {
        match self.0.lookup_or_wait(method, params, key) {
            Ok(answer) => Box::pin(std::future::ready(Ok(as_answer(answer)))),
            Err(wait) => Box::pin(async move {
                match wait.await {
                    Ok(answer) => Ok(as_answer(answer)),
                    // The round was dropped: nothing will answer; the handler is dropped too.
                    Err(_) => std::future::pending().await,
                }
            }),
        }
    }
}

impl AnswerSource for ReplayAnswers {
    fn ask<'a>(
        &'a self,
        method: &'static str,
        params: Value,
        key: Option<&'a str>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<Value, AnswerError>> {
        self.answer(method, params_json(&params), key, Arc::unwrap_or_clone)
    }

    /// Asks are recorded as JSON text (digested, and sent in `input_required`), so params
    /// serialised once, straight from the handler's request, spare a value built only to be
    /// written out.
    fn takes_text(&self) -> bool {
        true
    }

    fn ask_text<'a>(
        &'a self,
        method: &'static str,
        params: String,
        key: Option<&'a str>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<ResultJson, AnswerError>> {
        self.answer(method, params, key, ResultJson::Shared)
    }

    fn recall(&self, name: &str) -> (String, Option<Value>) {
        self.0.recall(name)
    }

    fn remember(&self, key: String, value: Value) {
        self.0.remember(key, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_stable_and_answers_bound_to_their_ask() {
        let p = json!({"messages": [], "maxTokens": 5});
        let r = Round::new(Map::new(), HashMap::new(), Map::new());
        assert!(r.lookup("sampling/createMessage", &p, None).is_none());
        assert!(r.lookup("sampling/createMessage", &p, None).is_none());
        let keys: Vec<String> = r.open_asks().keys().cloned().collect();
        assert_eq!(
            keys.len(),
            2,
            "identical asks get distinct occurrence keys: {keys:?}"
        );
        assert!(keys[0].starts_with("sample-") && keys[0].ends_with("-1"));

        // Next round: answered under the same keys, in any order of asking.
        let mut answers = Map::new();
        answers.insert(keys[0].clone(), json!("first"));
        answers.insert(keys[1].clone(), json!("second"));
        let asked = r
            .open_asks()
            .into_iter()
            .map(|(k, a)| (k, a.digest))
            .collect();
        let r2 = Round::new(answers.clone(), asked, Map::new());
        assert_eq!(
            r2.lookup("sampling/createMessage", &p, None),
            Some(json!("first"))
        );
        assert_eq!(
            r2.lookup("sampling/createMessage", &p, None),
            Some(json!("second"))
        );
        assert!(!r2.has_open_asks());

        // An ask whose parameters changed is asked again, never given the stale answer.
        let mut asked = HashMap::new();
        asked.insert("mine".to_owned(), "not-the-digest".to_owned());
        let mut answers = Map::new();
        answers.insert("mine".to_owned(), json!("stale"));
        let r3 = Round::new(answers, asked, Map::new());
        assert_eq!(
            r3.lookup("elicitation/create", &json!({}), Some("mine")),
            None
        );
        assert!(r3.has_open_asks());
    }

    #[test]
    fn ask_digests_keep_128_bits() {
        let d = digest("sampling/createMessage", &json!({"maxTokens": 5}));
        assert_eq!(d.len(), 32, "128 bits in hex: {d}");
        assert!(d.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(
            d,
            digest("sampling/createMessage", &json!({"maxTokens": 6}))
        );
    }

    #[test]
    fn memos_are_keyed_by_name_and_occurrence() {
        let r = Round::new(Map::new(), HashMap::new(), Map::new());
        let (k1, v1) = r.recall("fetch");
        let (k2, _) = r.recall("fetch");
        assert_eq!((k1.as_str(), k2.as_str(), v1), ("fetch#1", "fetch#2", None));
        r.remember(k1, json!(42));
        let memos: Map<String, Value> = r.all_memos().into_iter().collect();
        let r2 = Round::new(Map::new(), HashMap::new(), memos);
        assert_eq!(r2.recall("fetch").1, Some(json!(42)));
    }
}
